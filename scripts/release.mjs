// Builds the three ways to install flux-oci into one folder, from one build of dist/:
//   flux-oci-<version>.vsix          the VS Code extension       (scripts/package.mjs)
//   flux-oci-<version>.tgz           the npm package             (npm pack; package.json "files")
//   flux-oci-<version>-linux-x64     the single executable       (scripts/sea.mjs)
// each with `<file>.sha256` in sha256sum's format (`sha256sum -c flux-oci-0.1.0.tgz.sha256`),
// plus THIRD-PARTY-NOTICES.md for what the bundles and the executable contain.
// Usage: npm run release:artifacts [-- --out DIR] [-- --only vsix,npm,sea]  (default DIR: release/)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
process.chdir(root);

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const outDir = path.resolve(option('--out') ?? 'release');
const only = new Set((option('--only') ?? 'vsix,npm,sea').split(','));
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const names = {
  vsix: `${pkg.name}-${pkg.version}.vsix`,
  npm: `${pkg.name}-${pkg.version}.tgz`,
  sea: `${pkg.name}-${pkg.version}-linux-x64`,
};

function run(label, command, commandArgs) {
  const started = Date.now();
  const r = spawnSync(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) {
    process.stdout.write(r.stdout ?? '');
    console.error(`release: ${label} failed (exit ${r.status ?? r.signal}); ${path.relative(root, outDir)}/ is incomplete.`);
    process.exit(r.status ?? 1);
  }
  console.log(`release: ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return r.stdout;
}

// npm as the user runs it: the npm that runs this script (`npm run`), or the one on PATH.
function npm(npmArgs) {
  const cli = process.env['npm_execpath'];
  return cli && /npm-cli\.js$/.test(cli) ? [process.execPath, [cli, ...npmArgs]] : ['npm', npmArgs];
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

run('build', process.execPath, ['scripts/build.mjs']);
if (only.has('vsix')) run('VSIX', process.execPath, ['scripts/package.mjs', '--no-build', '--out', path.join(outDir, names.vsix)]);
if (only.has('npm')) {
  // prepack would build again; dist/ is fresh, so pack what is there.
  const [cmd, cmdArgs] = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', outDir]);
  const packed = JSON.parse(run('npm pack', cmd, cmdArgs))[0];
  if (packed.filename !== names.npm) renameSync(path.join(outDir, packed.filename), path.join(outDir, names.npm));
}
if (only.has('sea')) run('single executable', process.execPath, ['scripts/sea.mjs', '--no-build', '--out', path.join(outDir, names.sea)]);

writeFileSync(
  path.join(outDir, 'THIRD-PARTY-NOTICES.md'),
  readFileSync('dist/THIRD-PARTY-NOTICES.md', 'utf8') +
    `\n## Node.js ${process.versions.node}\n\nThe single executable ${names.sea} is Node.js ${process.versions.node} (MIT; ` +
    `https://github.com/nodejs/node/blob/v${process.versions.node}/LICENSE) with dist/sea.js injected.\n`,
);

console.log('');
for (const name of readdirSync(outDir).sort()) {
  if (name.endsWith('.sha256') || name.endsWith('.md')) continue;
  const file = path.join(outDir, name);
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  writeFileSync(`${file}.sha256`, `${sha256}  ${name}\n`);
  console.log(`${name.padEnd(34)} ${(statSync(file).size / 1024 / 1024).toFixed(2).padStart(7)} MiB  sha256:${sha256}`);
}
console.log(`\nrelease: wrote ${path.relative(process.cwd(), outDir) || outDir}/`);
