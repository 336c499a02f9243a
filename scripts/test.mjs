// Runs the whole suite with node's built-in test runner under the pinned Node 24.
// Usage: npm test [-- <file or folder filters>]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const filters = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.test\.(ts|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

const files = walk(path.join(root, 'test')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
// --test-force-exit: a test file whose tests all finished ends even if a peer it started left a
// handle open; once, a file sat 12 minutes after its last test in a loaded run.
const args = ['--test', '--test-reporter=spec', '--test-concurrency=1', '--test-force-exit', ...files];
// Language servers started by tests resolve OCIRepository refs only against registries on 127.0.0.1
// (real-world fixtures name ghcr.io etc., which tests must never contact).
const env = { ...process.env, FLUX_OCI_REGISTRY_LOOPBACK_ONLY: '1' };
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env });
process.exit(r.status ?? 1);
