// npm run bench:oci — push and pull a 200 MB Flux artifact with flux-oci, the real
// flux CLI and oras, side by side in one run, against a local docker-registry.
// Three shapes: (a) many small YAML-like files, (b) one large file, half text and half random,
// (c) one large incompressible (random) file, where the download, the digest and the writes are
// all there is (`--shapes random`; not in the default run). Prints throughput
// (MB of content per second, wall clock of the whole command) and client peak RSS.
//
// Usage: npm run bench:oci [-- --mb 200 --runs 1 --only flux-oci,flux,oras --shapes small,large]
// BENCH_BASELINE=<a folder with another build's bin/ and dist/> adds that build as the client
// "baseline", for before/after figures from one run. `--only ...,node-floor` adds the least a pull
// costs in Node (bench/nodeFloorPull.mjs, no checks; its artifact is pushed by flux-oci, and its push
// columns stay empty): how much of a gap to flux is Node's own.
// `--mb 50,200` runs both sizes in one go: peak RSS side by side shows whether memory
// stays flat in artifact size. Also prints CPU seconds (user+sys) and the load average,
// since on a shared machine wall time alone says little.
// Needs docker-registry (scripts/setup.sh) and the Go peers (bash scripts/peers/build.sh);
// a missing peer is reported and left out of the table.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { haveGnuTime, runMeasured } from './measureProcess.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { peerBinary, peerVersions } = await import(path.join(root, 'test/peers/goPeers.ts'));
const { startRegistry, dockerRegistryAvailable } = await import(path.join(root, 'test/peers/registry.ts'));

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '200' },
    runs: { type: 'string', default: '1' },
    only: { type: 'string', default: process.env.BENCH_BASELINE ? 'flux-oci,baseline,flux,oras' : 'flux-oci,flux,oras' },
    shapes: { type: 'string', default: 'small,large' },
  },
});
const sizesMb = args.mb.split(',').map(Number);
const runs = Number(args.runs);
const MB = 1024 * 1024;

if (!dockerRegistryAvailable()) {
  console.error('bench:oci needs docker-registry: run bash scripts/setup.sh');
  process.exit(1);
}

// ---- data -------------------------------------------------------------------

/** YAML-ish text that compresses like real manifests (~4-5x), deterministic. */
function manifestText(seed, size) {
  const lines = [];
  let n = 0;
  let i = 0;
  while (n < size) {
    const h = createHash('sha256').update(`${seed}:${i++}`).digest('hex');
    const line = `  - name: item-${i}\n    image: registry.example/app/${h.slice(0, 12)}:v1.${i % 50}.${i % 7}\n    checksum: ${h}\n`;
    lines.push(line);
    n += line.length;
  }
  return lines.join('').slice(0, size);
}

function makeSmallFiles(dir, bytes) {
  // 10 KiB files in folders of 100: ~20,000 files for 200 MB.
  const fileSize = 10 * 1024;
  const count = Math.ceil(bytes / fileSize);
  const template = manifestText('small', fileSize * 4);
  for (let i = 0; i < count; i++) {
    const folder = path.join(dir, `team-${String(Math.floor(i / 100)).padStart(4, '0')}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    const off = (i * 997) % (template.length - fileSize);
    writeFileSync(path.join(folder, `object-${i}.yaml`), `# ${i}\n` + template.slice(off, off + fileSize - 8));
  }
  return count;
}

function makeRandomFile(dir, bytes) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'bundle.bin'), randomBytes(bytes));
  return 1;
}

function makeLargeFile(dir, bytes) {
  mkdirSync(dir, { recursive: true });
  // Half incompressible, half text: a realistic bundled-chart/CRD mix.
  const text = Buffer.from(manifestText('large', 8 * MB));
  const parts = [];
  for (let n = 0; n < bytes;) {
    const chunk = (parts.length % 2 === 0 ? randomBytes(8 * MB) : text).subarray(0, Math.min(8 * MB, bytes - n));
    parts.push(chunk);
    n += chunk.length;
  }
  writeFileSync(path.join(dir, 'bundle.bin'), Buffer.concat(parts));
  return 1;
}

// ---- measuring -----------------------------------------------------------------

/** Runs a command (HOME set to `cwd`); wall seconds, CPU seconds and peak RSS (MiB) of the process; a failure rejects. */
async function measure(cmd, cmdArgs, cwd, env = {}) {
  // Every command starts with nothing left to write back (the registry's storage after a push).
  spawnSync('sync');
  const r = await runMeasured(cmd, cmdArgs, { cwd, env: { HOME: cwd, ...env } });
  if (r.code !== 0) throw new Error(`${path.basename(cmd)} ${cmdArgs.slice(0, 2).join(' ')} failed (${r.code}): ${(r.stdout + r.stderr).slice(-1500)}`);
  return { seconds: r.seconds, rssMiB: r.rssMiB, cpuSeconds: r.cpuSeconds };
}

// ---- clients -------------------------------------------------------------------

const node = process.execPath;
const meta = ['--source', 'https://example.invalid/bench', '--revision', 'main@sha1:0000000000000000000000000000000000000000'];

/** flux-oci as built in `buildRoot` (this checkout, or BENCH_BASELINE's). */
function fluxOci(buildRoot) {
  const cli = path.join(buildRoot, 'bin', 'flux-oci');
  return {
    available: () => existsSync(path.join(buildRoot, 'dist', 'cli.js')),
    push: (ref, src, cwd) => measure(node, [cli, 'push', 'artifact', `oci://${ref}`, '-f', src, ...meta], cwd),
    pull: (ref, out, cwd) => measure(node, [cli, 'pull', 'artifact', `oci://${ref}`, '-o', out], cwd),
  };
}
const baseline = process.env.BENCH_BASELINE;
const floorScript = path.join(root, 'bench', 'nodeFloorPull.mjs');

const clients = {
  'flux-oci': fluxOci(root),
  ...(baseline ? { baseline: fluxOci(path.resolve(baseline)) } : {}),
  flux: {
    available: () => !!peerBinary('flux'),
    push: (ref, src, cwd) => measure(peerBinary('flux'), ['push', 'artifact', `oci://${ref}`, '--path', src, ...meta], cwd),
    pull: (ref, out, cwd) => {
      mkdirSync(out, { recursive: true });
      return measure(peerBinary('flux'), ['pull', 'artifact', `oci://${ref}`, '-o', out], cwd);
    },
  },
  'node-floor': {
    available: () => true,
    // Pushed by flux-oci, not shown: only the pull has a floor here.
    push: (ref, src, cwd) => clients['flux-oci'].push(ref, src, cwd).then(() => undefined),
    pull: (ref, out, cwd) => measure(node, [floorScript, 'pull', 'artifact', `oci://${ref}`, '-o', out], cwd),
  },
  oras: {
    available: () => !!peerBinary('oras'),
    // oras packs a folder as tar+gzip itself and unpacks it on pull: the same work.
    push: (ref, src, cwd) =>
      measure(
        peerBinary('oras'),
        // A relative name: oras stores it in the layer title and refuses to pull absolute ones.
        ['push', '--plain-http', '--no-tty', ref, `${path.relative(cwd, src)}:application/vnd.cncf.flux.content.v1.tar+gzip`],
        cwd,
      ),
    pull: (ref, out, cwd) => measure(peerBinary('oras'), ['pull', '--plain-http', '--no-tty', ref, '-o', out], cwd),
  },
};

// ---- run -----------------------------------------------------------------------

const selected = args.only.split(',').filter((c) => {
  if (!clients[c]) throw new Error(`unknown client ${c} (flux-oci, flux, oras, node-floor, baseline with BENCH_BASELINE)`);
  if (clients[c].available()) return true;
  console.error(`bench:oci: ${c} is missing (flux-oci: npm run build; others: bash scripts/peers/build.sh ${c}); left out`);
  return false;
});

const work = mkdtempSync(path.join(tmpdir(), 'flux-oci-bench-'));
const registry = await startRegistry();
const rows = [];
/** Pulled folders, removed at the end (see the run loop). */
const outputs = [];
const loadBefore = loadavg();
try {
  for (const mb of sizesMb) {
    const totalBytes = mb * MB;
    for (const shape of args.shapes.split(',')) {
      const src = path.join(work, `src-${shape}`);
      const t0 = Date.now();
      const make = { small: makeSmallFiles, large: makeLargeFile, random: makeRandomFile }[shape];
      if (!make) throw new Error(`unknown shape ${shape} (small, large, random)`);
      const files = make(src, totalBytes);
      console.error(`bench:oci: ${shape}: ${files} file(s), ${mb} MB generated in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      for (let r = 0; r < runs; r++) {
        for (const name of selected) {
          const ref = `${registry.host}/bench/${name}-${shape}-${mb}-${r}:v1`;
          const push = await clients[name].push(ref, src, work);
          const out = path.join(work, `out-${name}-${shape}-${mb}-${r}`);
          const pull = await clients[name].pull(ref, out, work);
          // Kept until the end: ext4 does not reuse an inode within a minute or more of its file's
          // deletion and scans past every such inode for each new file, so a pull of thousands of
          // small files after another's were deleted measured the file system (50 MB of 10 KiB
          // files: 0.64 s to create after one deletion, 3 s after five, for every client alike).
          outputs.push(out);
          rows.push({ mb, shape, name, run: r, push, pull });
          console.error(
            `bench:oci: ${mb} MB ${shape} ${name}: ${push ? `push ${(totalBytes / MB / push.seconds).toFixed(1)} MB/s ${push.rssMiB.toFixed(0)} MiB, ` : ''}` +
              `pull ${(totalBytes / MB / pull.seconds).toFixed(1)} MB/s ${pull.rssMiB.toFixed(0)} MiB`,
          );
        }
      }
      rmSync(src, { recursive: true, force: true });
    }
  }
} finally {
  await registry.stop();
  for (const out of outputs) rmSync(out, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

// Best run per (shape, client): the least disturbed by the shared machine.
const best = new Map();
for (const row of rows) {
  const key = `${row.mb}/${row.shape}/${row.name}`;
  const prev = best.get(key);
  const seconds = (r) => (r.push?.seconds ?? 0) + r.pull.seconds;
  if (!prev || seconds(row) < seconds(prev)) best.set(key, row);
}

const versions = {
  'flux-oci': JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version,
  baseline: baseline ?? '',
  flux: peerVersions.flux,
  oras: peerVersions.oras,
  'node-floor': process.version,
};
const loadAfter = loadavg();
console.log(
  `\nflux-oci bench:oci — ${sizesMb.join(' and ')} MB artifacts, local docker-registry (${spawnSync('docker-registry', ['--version'], { encoding: 'utf8' }).stdout.trim() || 'distribution'}), ${runs} run(s), best shown`,
);
console.log(
  `peak RSS from ${haveGnuTime ? 'GNU time (%M)' : '/proc/<pid>/status VmHWM polling'}; throughput = content MB / wall seconds of the whole command; CPU = user+sys seconds of the client`,
);
console.log(
  `load average (1/5/15 min) before ${loadBefore.map((l) => l.toFixed(2)).join('/')}, after ${loadAfter.map((l) => l.toFixed(2)).join('/')} on ${os.availableParallelism()} cores\n`,
);
const header = ['MB', 'shape', 'client', 'push s', 'push MB/s', 'push CPU s', 'push RSS MiB', 'pull s', 'pull MB/s', 'pull CPU s', 'pull RSS MiB'];
const cpu = (s) => (Number.isNaN(s) ? '-' : s.toFixed(2));
const table = [...best.values()].map((r) => [
  String(r.mb),
  { small: 'many small files', large: 'one large file', random: 'one random file' }[r.shape],
  `${r.name} ${versions[r.name]}`,
  r.push ? r.push.seconds.toFixed(2) : '-',
  r.push ? (r.mb / r.push.seconds).toFixed(1) : '-',
  r.push ? cpu(r.push.cpuSeconds) : '-',
  r.push ? r.push.rssMiB.toFixed(0) : '-',
  r.pull.seconds.toFixed(2),
  (r.mb / r.pull.seconds).toFixed(1),
  cpu(r.pull.cpuSeconds),
  r.pull.rssMiB.toFixed(0),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => (i >= 1 && i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
