// Builds the bundles and packs the VS Code extension (VSIX) with @vscode/vsce.
// esbuild already bundled every dependency, so the VSIX carries no node_modules
// (`--no-dependencies`) and `.vscodeignore` keeps it to dist/, schemas/, the docs and the licences.
// package.json's "files" is the npm package's list, and vsce refuses "files" beside a
// .vscodeignore, so vsce packs a staging folder: the repository's entries linked in, and
// package.json without "files".
// Usage: npm run package [-- --out <file.vsix>] [-- --no-build (dist/ is already built)]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
process.chdir(root);

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = outIndex >= 0 && args[outIndex + 1] ? path.resolve(args[outIndex + 1]) : path.join(root, `${pkg.name}-${pkg.version}.vsix`);

function run(label, command, commandArgs, cwd = root) {
  const r = spawnSync(command, commandArgs, { stdio: 'inherit', cwd });
  if (r.status !== 0) {
    console.error(`package: ${label} failed (exit ${r.status ?? r.signal}); no VSIX was written.`);
    process.exit(r.status ?? 1);
  }
}

if (!args.includes('--no-build')) run('build', process.execPath, ['scripts/build.mjs']);

const stage = mkdtempSync(path.join(tmpdir(), 'flux-oci-vsix-stage-'));
try {
  // Everything but what can never ship (.vscodeignore decides the rest, as it would in the repository).
  const never = new Set(['package.json', 'node_modules', '.git', 'release', 'test', 'tools', 'bench']);
  for (const name of readdirSync(root)) {
    if (!never.has(name) && !/\.(vsix|tgz)$/.test(name)) symlinkSync(path.join(root, name), path.join(stage, name));
  }
  const { files: _npmFiles, ...manifest } = pkg;
  writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  run(
    'vsce package',
    process.execPath,
    [
      path.join(root, 'node_modules/@vscode/vsce/vsce'),
      'package',
      '--no-dependencies',
      '--follow-symlinks',
      // The README's screenshots are relative links; there is no public repository URL to rewrite them to.
      '--no-rewrite-relative-links',
      '--out',
      out,
    ],
    stage,
  );
} finally {
  rmSync(stage, { recursive: true, force: true });
}
console.log(`package: wrote ${path.relative(process.cwd(), out) || out}`);
