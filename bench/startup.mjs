// npm run bench:startup — how long flux-oci takes to start, in each way it is installed, beside
// the flux CLI (a Go binary) in the same run: `--version` (start and exit), `check` of a small
// folder (start, load the schemas, lint two files), `pull artifact` of a two-file artifact from a
// local docker-registry (start, resolve, download, extract; flux too), and for the language server
// the time from spawn to the answer to `initialize` over stdio.
//   node dist/cli.js          the bundle under the pinned Node 24, no compile cache
//   bin/flux-oci              what npm installs: the bundle with V8's on-disk compile cache (warm)
//   bin/flux-oci (Node 22)    the same under the oldest supported Node (scripts/node22.sh)
//   single executable         dist/flux-oci-linux-x64 (scripts/sea.mjs), code cache inside
//   VS Code launch            dist/server.js with NODE_COMPILE_CACHE, as client/src/extension.ts starts it
//   flux                      the flux CLI peer (bash scripts/peers/build.sh flux)
//   Node floor                bench/nodeFloorPull.mjs: Node started bare (--version), and a pull
//                             with only what every pull needs; how much of a gap to flux is Node's
// CPU time (user+sys, GNU time) is shown beside wall clock for the CLI.
// Each is run once to warm the page cache and the compile cache, then --runs rounds of all of
// them; the median and the fastest run are shown, with the load average (the machine may be shared).
// Usage: npm run bench:startup [-- --runs 20]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { peerBinary, peerVersions } = await import(path.join(root, 'test/peers/goPeers.ts'));
const { startRegistry, dockerRegistryAvailable } = await import(path.join(root, 'test/peers/registry.ts'));
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(args.runs);

const node24 = process.execPath;
const cache = process.env['FLUX_OCI_CACHE'] || path.join(os.homedir(), '.cache', 'flux-oci');
const node22 = [path.join(cache, 'node-22.22.2', 'node_modules', 'node', 'bin', 'node')].find(existsSync);
const sea = path.join(root, 'dist', 'flux-oci-linux-x64');
const flux = peerBinary('flux');
const fixture = path.join(root, 'test', 'fixtures', 'check');
const floorLabel = 'Node floor: bench/nodeFloorPull.mjs (Node 24)';
// Our own compile cache, so the "warm" runs are warm for this run and nobody else's.
const compileCache = mkdtempSync(path.join(tmpdir(), 'flux-oci-bench-cc-'));
const { NODE_COMPILE_CACHE: _inherited, ...baseEnv } = process.env;
const env = { ...baseEnv, NODE_COMPILE_CACHE: compileCache, FLUX_OCI_REGISTRY_LOOPBACK_ONLY: '1' };
// `node dist/...` as the VSIX and the tests run it: no compile cache (NODE_COMPILE_CACHE would turn it on).
const envNoCache = { ...baseEnv, FLUX_OCI_REGISTRY_LOOPBACK_ONLY: '1' };
const noCache = (args) => args.some((a) => /dist[/\\](cli|server)\.js$/.test(a));

/** [label, command, args before the program's own arguments] */
const programs = [
  ['node dist/cli.js (Node 24)', node24, [path.join(root, 'dist', 'cli.js')], true],
  ['bin/flux-oci (Node 24, compile cache)', node24, [path.join(root, 'bin', 'flux-oci')], true],
  ['bin/flux-oci (Node 22, compile cache)', node22, [path.join(root, 'bin', 'flux-oci')], Boolean(node22)],
  ['single executable', sea, [], existsSync(sea)],
  [`flux ${peerVersions.flux} (Go)`, flux, [], Boolean(flux)],
  // Not a way flux-oci is installed: the least a pull can cost in Node (bench/nodeFloorPull.mjs), and
  // under --version a bare Node start. It says how much of a gap to flux is Node's own.
  [floorLabel, node24, [path.join(root, 'bench', 'nodeFloorPull.mjs')], true],
];
const servers = [
  ['node dist/server.js (Node 24)', node24, [path.join(root, 'dist', 'server.js'), '--stdio'], true],
  // As the VS Code client starts it: with V8's compile cache in the extension's storage (here, the bench's).
  ['VS Code launch: dist/server.js, compile cache (Node 24)', node24, [path.join(root, 'dist', 'server.js'), '--stdio'], true, env],
  ['bin/flux-oci-language-server (Node 24, cc)', node24, [path.join(root, 'bin', 'flux-oci-language-server'), '--stdio'], true],
  ['bin/flux-oci-language-server (Node 22, cc)', node22, [path.join(root, 'bin', 'flux-oci-language-server'), '--stdio'], Boolean(node22)],
  ['single executable language-server', sea, ['language-server', '--stdio'], existsSync(sea)],
];

// CPU seconds (user+sys) from GNU time when it is there: on a loaded machine they move far less
// than wall clock.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const cpuFile = path.join(compileCache, 'cpu');

function timeRun(cmd, cmdArgs, cwd) {
  const [file, fileArgs] = gnuTime ? [gnuTime, ['-f', '%U %S', '-o', cpuFile, cmd, ...cmdArgs]] : [cmd, cmdArgs];
  const started = process.hrtime.bigint();
  const r = spawnSync(file, fileArgs, { cwd, env: noCache(cmdArgs) ? envNoCache : env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuMs = gnuTime
    ? readFileSync(cpuFile, 'utf8')
        .trim()
        .split(/\s+/)
        .slice(-2)
        .reduce((a, b) => a + Number(b) * 1000, 0)
    : undefined;
  return { ms, cpuMs, code: r.status, out: r.stdout + r.stderr };
}

/** Spawn to the `initialize` answer, over stdio; then shutdown/exit. */
function timeInitialize(cmd, cmdArgs, launchEnv) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, cmdArgs, { cwd: fixture, env: launchEnv ?? (noCache(cmdArgs) ? envNoCache : env), stdio: ['pipe', 'pipe', 'ignore'] });
    const send = (msg) => {
      const body = JSON.stringify({ jsonrpc: '2.0', ...msg });
      child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    let buf = '';
    let ms;
    child.stdout.on('data', (d) => {
      buf += d.toString();
      if (ms === undefined && /"id":1,"result"|"result":.*"id":1/.test(buf)) {
        ms = Number(process.hrtime.bigint() - started) / 1e6;
        send({ id: 2, method: 'shutdown' });
        send({ method: 'exit' });
      }
    });
    child.on('error', reject);
    child.on('exit', () => (ms === undefined ? reject(new Error(`${cmd} exited before answering initialize`)) : resolve({ ms })));
    send({ id: 1, method: 'initialize', params: { processId: process.pid, rootUri: null, capabilities: {} } });
  });
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0] };
};
const fmt = (x) => (x === undefined ? 'n/a' : `${x.toFixed(0)} ms`);

// Rounds, not series: each round runs every program once, so a change in the machine's load
// during the run falls on all of them alike.
async function interleaved(jobs) {
  for (const job of jobs) await job.run(); // warm-up: page cache, compile cache
  const times = jobs.map(() => []);
  const cpu = jobs.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [j, job] of jobs.entries()) {
      const r = await job.run();
      times[j].push(r.ms);
      if (r.cpuMs !== undefined) cpu[j].push(r.cpuMs);
    }
  }
  return times.map((t, j) => ({ ...stats(t), cpu: cpu[j].length ? stats(cpu[j]).median : undefined }));
}

// The artifact every program pulls: the check fixture, pushed once by flux-oci.
const registry = dockerRegistryAvailable() ? await startRegistry() : undefined;
const artifact = registry ? `oci://${registry.host}/bench/startup:v1` : undefined;
if (registry) {
  const pushed = spawnSync(
    node24,
    [
      path.join(root, 'bin', 'flux-oci'),
      'push',
      'artifact',
      artifact,
      '-f',
      '.',
      '--source',
      'https://example.invalid/bench',
      '--revision',
      'main@sha1:0000000000000000000000000000000000000000',
    ],
    { cwd: fixture, env, encoding: 'utf8' },
  );
  if (pushed.status !== 0) throw new Error(`push for the pull bench failed: ${pushed.stderr}`);
}
/** `pull artifact` into a new empty folder (flux wants it to exist; flux-oci takes an empty one). */
function timePull(cmd, pre) {
  const out = mkdtempSync(path.join(compileCache, 'pull-'));
  const r = timeRun(cmd, [...pre, 'pull', 'artifact', artifact, '-o', out], fixture);
  rmSync(out, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`${cmd} pull exited ${r.code}: ${r.out}`);
  return r;
}

const loadBefore = loadavg();
const cliJobs = [];
for (const [label, cmd, pre, available] of programs) {
  if (!available) continue;
  cliJobs.push({ label, measure: 'version', run: () => timeRun(cmd, [...pre, '--version'], fixture) });
  if (artifact) cliJobs.push({ label, measure: 'pull', run: () => timePull(cmd, pre) });
  // flux has no linter, and the floor is a pull alone: their check columns stay empty.
  if (!label.startsWith('flux ') && label !== floorLabel) {
    cliJobs.push({
      label,
      measure: 'check',
      run: () => {
        const r = timeRun(cmd, [...pre, 'check', '.'], fixture);
        if (r.code !== 1) throw new Error(`${label} check exited ${r.code}: ${r.out}`);
        return r;
      },
    });
  }
}
const cliStats = await interleaved(cliJobs);
const rows = programs.map(([label, , , available]) => {
  if (!available) return [label, 'missing', '', '', '', '', '', '', '', ''];
  const of = (measure) => cliStats[cliJobs.findIndex((j) => j.label === label && j.measure === measure)];
  const version = of('version');
  const check = of('check');
  const pull = of('pull');
  return [
    label,
    fmt(version.median),
    fmt(version.min),
    fmt(version.cpu),
    fmt(check?.median),
    fmt(check?.min),
    fmt(check?.cpu),
    fmt(pull?.median),
    fmt(pull?.min),
    fmt(pull?.cpu),
  ];
});
const serverJobs = servers
  .filter(([, , , available]) => available)
  .map(([label, cmd, cmdArgs, , launchEnv]) => ({ label, run: () => timeInitialize(cmd, cmdArgs, launchEnv) }));
const serverStats = await interleaved(serverJobs);
const serverRows = servers.map(([label, , , available]) => {
  if (!available) return [label, 'missing', ''];
  const init = serverStats[serverJobs.findIndex((j) => j.label === label)];
  return [label, fmt(init.median), fmt(init.min)];
});
const loadAfter = loadavg();
await registry?.stop();
rmSync(compileCache, { recursive: true, force: true });

function table(header, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
  console.log('');
}

console.log(
  `\nflux-oci bench:startup — wall clock from spawn to exit (CLI) or to the initialize answer (server), ${runs} interleaved rounds after one warm-up`,
);
console.log(
  `load average (1/5/15 min) before ${loadBefore.map((l) => l.toFixed(2)).join('/')}, after ${loadAfter.map((l) => l.toFixed(2)).join('/')} on ${os.availableParallelism()} cores`,
);
if (!node22) console.log('Node 22 is missing: bash scripts/node22.sh');
if (!existsSync(sea)) console.log('the single executable is missing: npm run build:sea');
if (!flux) console.log(`flux ${peerVersions.flux} is missing: bash scripts/peers/build.sh flux`);
console.log('');
if (!registry) console.log('docker-registry is missing (bash scripts/setup.sh): no pull figures\n');
table(['CLI', '--version median', 'min', 'CPU', 'check (2 files) median', 'min', 'CPU', 'pull (2 files) median', 'min', 'CPU'], rows);
if (gnuTime) console.log("CPU: median user+sys of the process (GNU time), which the machine's load moves far less than wall clock.");
console.log('Node floor: a bare Node start (--version), and a pull with nothing but node:http, sha256, gunzip and a tar walk: what Node itself costs.\n');
table(['language server', 'initialize median', 'min'], serverRows);
