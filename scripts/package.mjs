// Builds the bundles and packs the VS Code extension (VSIX) with @vscode/vsce.
// esbuild already bundled every dependency, so the VSIX carries no node_modules
// (`--no-dependencies`) and `.vscodeignore` keeps it to dist/, schemas/ and the docs.
// Usage: npm run package [-- --out <file.vsix>]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
process.chdir(root);

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = outIndex >= 0 && args[outIndex + 1] ? path.resolve(args[outIndex + 1]) : path.join(root, `${pkg.name}-${pkg.version}.vsix`);

function run(label, command, commandArgs) {
  const r = spawnSync(command, commandArgs, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`package: ${label} failed (exit ${r.status ?? r.signal}); no VSIX was written.`);
    process.exit(r.status ?? 1);
  }
}

run('build', process.execPath, ['scripts/build.mjs']);
run('vsce package', process.execPath, [
  path.join(root, 'node_modules/@vscode/vsce/vsce'),
  'package',
  '--no-dependencies',
  // The README's screenshots are relative links; there is no public repository URL to rewrite them to.
  '--no-rewrite-relative-links',
  '--out',
  out,
]);
console.log(`package: wrote ${path.relative(process.cwd(), out) || out}`);
