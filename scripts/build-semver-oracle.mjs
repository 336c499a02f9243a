// Builds tools/semver-oracle (Go, real Masterminds/semver + fluxcd/pkg/version)
// into a cache outside the repo, keyed by the hash of its sources, and prints the
// binary's path. Reuses an existing build. Exit 127 when `go` is not installed.
// Usage: node scripts/build-semver-oracle.mjs
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const src = path.join(root, 'tools', 'semver-oracle');
const hash = createHash('sha256');
for (const f of ['go.mod', 'go.sum', 'main.go'])
  hash
    .update(f)
    .update('\0')
    .update(readFileSync(path.join(src, f)));
const key = hash.digest('hex').slice(0, 16);
const cache = process.env.FLUX_OCI_CACHE || path.join(homedir(), '.cache', 'flux-oci');
const dir = path.join(cache, 'tools', `semver-oracle-${key}`);
const bin = path.join(dir, 'semver-oracle');

if (!existsSync(bin)) {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    console.error('semver-oracle: `go` is not installed or not on PATH; install Go to build the oracle.');
    process.exit(127);
  }
  mkdirSync(dir, { recursive: true });
  // Build to a temporary name and rename, so an interrupted build never leaves a half-written binary.
  const tmp = `${bin}.tmp-${process.pid}`;
  const r = spawnSync('go', ['build', '-trimpath', '-o', tmp, '.'], {
    cwd: src,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
  });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    console.error('semver-oracle: go build failed (see above); check network access to the Go module proxy.');
    process.exit(1);
  }
  renameSync(tmp, bin);
}
process.stdout.write(bin + '\n');
