// Builds the single executable for Linux x64 with Node's single executable applications (SEA):
// dist/sea.js (the CLI and the language server, server/src/sea.ts) plus its V8 code cache,
// injected with postject into a copy of the pinned Node 24 (this script's own node, so the code
// cache matches the V8 that runs it). Symbols are stripped first when `strip` (binutils) is there.
// Usage: npm run build:sea [-- --out FILE] [-- --no-build]
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
process.chdir(root);

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = path.resolve(outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1] : 'dist/flux-oci-linux-x64');

function fail(message) {
  console.error(`sea: ${message}; no executable was written.`);
  process.exit(1);
}

function run(label, command, commandArgs, options = {}) {
  const r = spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8', ...options });
  if (r.status !== 0) fail(`${label} failed (exit ${r.status ?? r.signal})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r;
}

if (process.platform !== 'linux' || process.arch !== 'x64')
  fail(`the single executable is built for Linux x64 only (this is ${process.platform}-${process.arch})`);
if (!args.includes('--no-build')) run('build', process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (!existsSync('dist/sea.js')) fail('dist/sea.js is missing (run npm run build)');

const work = mkdtempSync(path.join(tmpdir(), 'flux-oci-sea-'));
try {
  const blob = path.join(work, 'sea.blob');
  writeFileSync(
    path.join(work, 'sea-config.json'),
    JSON.stringify({ main: path.join(root, 'dist/sea.js'), output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
  );
  run('node --experimental-sea-config', process.execPath, ['--experimental-sea-config', path.join(work, 'sea-config.json')]);

  const exe = path.join(work, 'flux-oci');
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  // Node's release binaries keep their symbols (~18 MB); the executable does not need them.
  if (spawnSync('sh', ['-c', 'command -v strip'], { stdio: 'ignore' }).status === 0) run('strip', 'strip', [exe]);
  else console.warn("sea: strip (binutils) not found; the executable keeps Node's symbols");

  run('postject', process.execPath, [
    path.join(root, 'node_modules/postject/dist/cli.js'),
    exe,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ]);

  // It must start, and say the version package.json says.
  const pkgVersion = JSON.parse(
    spawnSync(process.execPath, ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: root, encoding: 'utf8' }).stdout,
  );
  const v = run('smoke test', exe, ['--version']);
  if (v.stdout.trim() !== `flux-oci ${pkgVersion}`) fail(`the executable says "${v.stdout.trim()}", expected "flux-oci ${pkgVersion}"`);

  mkdirSync(path.dirname(out), { recursive: true });
  renameSync(exe, out);
  console.log(`sea: wrote ${path.relative(root, out) || out} (${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB, Node ${process.versions.node})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
