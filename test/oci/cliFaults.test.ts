// The CLI when things go wrong under it: the user presses Ctrl-C, the registry
// dies half-way through a push, the disk fills (a file-size limit set with
// `ulimit -f` on the process) during a pull, the output folder cannot be
// written. Each ends with one clear line, the conventional exit code, nothing
// half-written where the user looks and no temp files anywhere: every run gets
// its own TMPDIR, which must be empty when the process is gone.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { startFaultProxy, type FaultProxy } from '../peers/faultProxy.ts';
import { makeWorkspace, repoRoot } from './runCli.ts';

const require = createRequire(import.meta.url);
const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
const bin = path.join(repoRoot, 'bin', 'flux-oci');
const MiB = 1 << 20;

let registry: StartedRegistry;
let proxy: FaultProxy;
let ws: string;
/** Node's compile cache lives here, not in the TMPDIR each run must leave empty. */
let compileCache: string;
const folders: string[] = [];

function tempFolder(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `flux-oci-clifaults-${prefix}-`));
  folders.push(dir);
  return dir;
}

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  proxy = await startFaultProxy({ host: '127.0.0.1', port: registry.port });
  ws = makeWorkspace();
  compileCache = tempFolder('compile-cache');
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  proxy?.setRules([]);
  if (proxy) proxy.log.length = 0; // "held half-way" must mean this test's transfer
});

/** Adds `mb` MiB of random (incompressible) files under deploy/data/<name>/: a large artifact. */
function addLargeContent(name: string, mb: number, fileMb = 4): () => void {
  const dir = path.join(ws, 'deploy', 'data', name);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i * fileMb < mb; i++) writeFileSync(path.join(dir, `blob-${i}.dat`), randomBytes(Math.min(fileMb, mb - i * fileMb) * MiB));
  return () => rmSync(path.join(ws, 'deploy', 'data'), { recursive: true, force: true });
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunningCli {
  pid: number;
  stderr(): string;
  /** Resolves once stderr matches `pattern`. */
  stderrMatches(pattern: RegExp): Promise<void>;
  interrupt(signal?: NodeJS.Signals): void;
  exit: Promise<Exit>;
}

/**
 * Starts `flux-oci args` in `ws` with a fresh TMPDIR (returned) and, when
 * `fileSizeLimitKiB` is set, under `ulimit -f` as a shell would start it.
 */
function startCli(args: string[], opts: { tmp?: string; fileSizeLimitKiB?: number; wrap?: string[] } = {}): RunningCli & { tmp: string } {
  const tmp = opts.tmp ?? tempFolder('tmp');
  const env = { PATH: process.env['PATH'], HOME: ws, TMPDIR: tmp, NODE_COMPILE_CACHE: compileCache };
  let command = process.execPath;
  let argv = [bin, ...args];
  if (opts.fileSizeLimitKiB !== undefined) {
    // bash counts `ulimit -f` in 1024-byte blocks; exec keeps the CLI the process that gets the signal.
    argv = ['-c', `ulimit -f ${opts.fileSizeLimitKiB} && exec "$0" "$@"`, command, ...argv];
    command = 'bash';
  }
  if (opts.wrap) {
    argv = [...opts.wrap.slice(1), command, ...argv];
    command = opts.wrap[0]!;
  }
  const child = spawn(command, argv, { cwd: ws, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of waiters.filter((x) => x.pattern.test(stderr))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const exit = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    pid: child.pid!,
    tmp,
    stderr: () => stderr,
    stderrMatches: (pattern) =>
      pattern.test(stderr)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ pattern, resolve })),
            exit.then((e) => Promise.reject(new Error(`flux-oci exited (${e.code}) before stderr matched ${pattern}:\n${e.stderr}`))),
          ]),
    interrupt: (signal = 'SIGINT') => child.kill(signal),
    exit,
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The digest a tag points at, asked of the registry directly (not through the proxy). */
async function tagDigest(repo: string, tag: string, host = registry.host): Promise<string | undefined> {
  const { registry: r } = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
  const client = new r.RegistryClient({ registry: host, retry: { retries: 0 } });
  try {
    return (await client.headManifest(repo, tag))?.digest;
  } finally {
    await client.close();
  }
}

/** Names in the workspace a flux-oci temp file or folder would have (`.out.flux-oci-XXXX`). */
function strayTempsInWorkspace(): string[] {
  return readdirSync(ws).filter((n) => n.includes('flux-oci'));
}

function assertCleanTmp(tmp: string): void {
  assert.deepEqual(readdirSync(tmp), [], `TMPDIR ${tmp} should be empty`);
}

/** Exit 130 after Ctrl-C, with exactly one line about it and no stack trace. */
function assertInterrupted(exit: Exit): void {
  assert.equal(exit.code, 130, `exit code after Ctrl-C (signal ${exit.signal}):\n${exit.stderr}`);
  const lines = exit.stderr.trimEnd().split('\n');
  assert.match(lines.at(-1)!, /^✗ cancelled \(Ctrl-C\)/, exit.stderr);
  assert.equal(lines.filter((l) => /cancel/i.test(l)).length, 1, `one line says it was cancelled:\n${exit.stderr}`);
  assert.doesNotMatch(exit.stderr, /\n\s+at /, 'no stack trace');
}

const pushArgs = (host: string, ref: string) => ['push', 'artifact', `oci://${host}/${ref}`, '-f', 'deploy', '--source', 's', '--revision', 'r'];

test('Ctrl-C while a large artifact is being packed: exit 130, no tag, no layer file left in TMPDIR', { skip }, async () => {
  const cleanup = addLargeContent('packing', 48);
  try {
    const run = startCli(pushArgs(registry.host, 'cli-faults/packing:v1'));
    await run.stderrMatches(/packing deploy/);
    await until('the layer file in TMPDIR', () => readdirSync(run.tmp).some((n) => n.startsWith('flux-oci-layer-')));
    const interruptedAt = Date.now();
    run.interrupt();
    const exit = await run.exit;
    assertInterrupted(exit);
    assert.doesNotMatch(exit.stderr, /uploading layer/, 'stopped while packing, before any upload');
    assert.ok(Date.now() - interruptedAt < 10_000, 'stops promptly');
    assert.equal(await tagDigest('cli-faults/packing', 'v1'), undefined);
    assertCleanTmp(run.tmp);
    assert.deepEqual(strayTempsInWorkspace(), []);
  } finally {
    cleanup();
  }
});

test('Ctrl-C half-way through the layer upload: exit 130, the tag stays on its old digest, TMPDIR empty', { skip }, async () => {
  const first = startCli([...pushArgs(registry.host, 'cli-faults/upload:v1'), '-o', 'json']);
  const firstExit = await first.exit;
  assert.equal(firstExit.code, 0, firstExit.stderr);
  const oldDigest = (JSON.parse(firstExit.stdout) as { digest: string }).digest;

  const cleanup = addLargeContent('upload', 32);
  try {
    proxy.setRules([{ path: /\/blobs\/uploads\//, method: 'PATCH', fault: { kind: 'stall-after', direction: 'request', afterBytes: 8 * MiB } }]);
    const run = startCli(pushArgs(proxy.host, 'cli-faults/upload:v1'));
    await until('the upload to be held half-way', () => proxy.log.some((l) => l.stalled));
    run.interrupt();
    const exit = await run.exit;
    assertInterrupted(exit);
    assert.equal(await tagDigest('cli-faults/upload', 'v1'), oldDigest, 'the tag was not moved');
    assertCleanTmp(run.tmp);
    assert.deepEqual(strayTempsInWorkspace(), []);
  } finally {
    cleanup();
  }
});

for (const operation of ['extract', 'copy'] as const) {
  test(`Ctrl-C half-way through a pull (${operation}): exit 130, no output, no half-written temp folder`, { skip }, async () => {
    const cleanup = addLargeContent(`pull-${operation}`, 24);
    try {
      const push = await startCli(pushArgs(registry.host, `cli-faults/pull-${operation}:v1`)).exit;
      assert.equal(push.code, 0, push.stderr);
    } finally {
      cleanup();
    }
    proxy.setRules([{ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'stall-after', direction: 'response', afterBytes: 12 * MiB } }]);
    const output = operation === 'extract' ? 'pulled-out' : 'pulled.tgz';
    const run = startCli(['pull', 'artifact', `oci://${proxy.host}/cli-faults/pull-${operation}:v1`, '-o', output, '--layer-operation', operation]);
    await until('the download to be held half-way', () => proxy.log.some((l) => l.stalled));
    // Half of the layer has reached the disk by now: the temp folder next to the output holds it.
    await until('the half-written temp folder', () => strayTempsInWorkspace().length > 0);
    run.interrupt();
    const exit = await run.exit;
    assertInterrupted(exit);
    assert.equal(existsSync(path.join(ws, output)), false, 'no output');
    assert.deepEqual(strayTempsInWorkspace(), [], 'no temp folder next to the output');
    assertCleanTmp(run.tmp);
  });
}

test('SIGTERM (a cancelled CI job) half-way through a pull: exit 143, no output, no temp folder', { skip }, async () => {
  const cleanup = addLargeContent('sigterm', 24);
  try {
    const push = await startCli(pushArgs(registry.host, 'cli-faults/sigterm:v1')).exit;
    assert.equal(push.code, 0, push.stderr);
  } finally {
    cleanup();
  }
  proxy.setRules([{ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'stall-after', direction: 'response', afterBytes: 12 * MiB } }]);
  const run = startCli(['pull', 'artifact', `oci://${proxy.host}/cli-faults/sigterm:v1`, '-o', 'terminated']);
  await until('the download to be held half-way', () => proxy.log.some((l) => l.stalled));
  await until('the half-written temp folder', () => strayTempsInWorkspace().length > 0);
  run.interrupt('SIGTERM');
  const exit = await run.exit;
  assert.equal(exit.code, 143, exit.stderr);
  assert.match(exit.stderr.trimEnd().split('\n').at(-1)!, /^✗ cancelled \(SIGTERM\): pull artifact stopped/);
  assert.equal(existsSync(path.join(ws, 'terminated')), false);
  assert.deepEqual(strayTempsInWorkspace(), []);
  assertCleanTmp(run.tmp);
});

test('Ctrl-C while waiting out a busy registry (503, Retry-After 30 s) stops at once', { skip }, async () => {
  proxy.setRules([{ method: 'PUT', path: /\/manifests\//, fault: { kind: 'status', status: 503, retryAfter: '30' } }]);
  const run = startCli(pushArgs(proxy.host, 'cli-faults/busy:v1'));
  await run.stderrMatches(/HTTP 503, retry 1 in/);
  const interruptedAt = Date.now();
  run.interrupt();
  const exit = await run.exit;
  assertInterrupted(exit);
  assert.ok(Date.now() - interruptedAt < 5_000, `stopped ${Date.now() - interruptedAt} ms after Ctrl-C`);
  assert.equal(await tagDigest('cli-faults/busy', 'v1'), undefined);
  assertCleanTmp(run.tmp);
});

test('the registry dies half-way through a push: a clear error naming it, exit 1, and the tag is untouched when it is back', { skip }, async () => {
  const doomed = await startRegistry();
  try {
    const first = await startCli([...pushArgs(doomed.host, 'cli-faults/crash:v1'), '-o', 'json']).exit;
    assert.equal(first.code, 0, first.stderr);
    const oldDigest = (JSON.parse(first.stdout) as { digest: string }).digest;

    const cleanup = addLargeContent('crash', 64);
    try {
      const run = startCli(pushArgs(doomed.host, 'cli-faults/crash:v1'));
      // The registry writes an upload into _uploads/<id>/data as it arrives: kill it once some has.
      const uploads = path.join(doomed.dir, 'data', 'docker', 'registry', 'v2', 'repositories', 'cli-faults', 'crash', '_uploads');
      const received = () =>
        existsSync(uploads)
          ? readdirSync(uploads).reduce((n, id) => n + (existsSync(path.join(uploads, id, 'data')) ? statSync(path.join(uploads, id, 'data')).size : 0), 0)
          : 0;
      await until('the registry to receive part of the layer', () => received() > 2 * MiB, 60_000);
      await doomed.kill();
      const killedAt = Date.now();
      const exit = await run.exit;
      // One round of retries against a registry that refuses connections, not a retry storm.
      assert.ok(Date.now() - killedAt < 25_000, `gave up in ${Date.now() - killedAt} ms:\n${exit.stderr}`);
      assert.equal(exit.code, 1, exit.stderr);
      const last = exit.stderr.trimEnd().split('\n').at(-1)!;
      assert.match(
        last,
        new RegExp(`^✗ .*connection to ${doomed.host.replace(/\./g, '\\.')} failed .*check that the registry is running and reachable, then try again`),
      );
      assert.doesNotMatch(exit.stderr, /\n\s+at /, 'no stack trace');
      assertCleanTmp(run.tmp);
    } finally {
      cleanup();
    }
    await doomed.restart();
    assert.equal(await tagDigest('cli-faults/crash', 'v1', doomed.host), oldDigest, 'the tag still points at the last complete push');
  } finally {
    await doomed.stop();
  }
});

test('a file-size limit reached while pulling (ulimit -f): "disk full" with the file, exit 1, nothing half-written', { skip }, async () => {
  const cleanup = addLargeContent('limit', 3, 3);
  // Named to come first in the tar, before the large file.
  writeFileSync(path.join(ws, 'deploy', 'a-medium.yaml'), randomBytes(700 * 1024).toString('base64'));
  try {
    const push = await startCli(pushArgs(registry.host, 'cli-faults/limit:v1')).exit;
    assert.equal(push.code, 0, push.stderr);
  } finally {
    cleanup();
    rmSync(path.join(ws, 'deploy', 'a-medium.yaml'));
  }
  const cases = [
    { name: 'a large file, streamed', limitKiB: 2048, output: 'limited-large', operation: 'extract', writing: /data\/limit\/blob-0\.dat into .*limited-large/ },
    { name: 'a small file, written at once', limitKiB: 512, output: 'limited-small', operation: 'extract', writing: /a-medium\.yaml into / },
    { name: 'the layer kept as it is', limitKiB: 1024, output: 'limited.tgz', operation: 'copy', writing: /limited\.tgz/ },
  ];
  for (const c of cases) {
    const run = startCli(['pull', 'artifact', `oci://${registry.host}/cli-faults/limit:v1`, '-o', c.output, '--layer-operation', c.operation], {
      fileSizeLimitKiB: c.limitKiB,
    });
    const exit = await run.exit;
    assert.equal(exit.signal, null, `${c.name}: not killed by SIGXFSZ`);
    assert.equal(exit.code, 1, `${c.name}:\n${exit.stderr}`);
    const last = exit.stderr.trimEnd().split('\n').at(-1)!;
    assert.match(last, /^✗ disk full or file-size limit reached while writing /, c.name);
    assert.match(last, c.writing, `${c.name}: names the file`);
    assert.match(last, /free some space or raise the limit \(ulimit -f\)/, `${c.name}: says what to do`);
    assert.equal(existsSync(path.join(ws, c.output)), false, `${c.name}: no output`);
    assert.deepEqual(strayTempsInWorkspace(), [], `${c.name}: no temp folder`);
    assertCleanTmp(run.tmp);
  }
});

test('a file-size limit reached while packing a push: "disk full" naming TMPDIR, exit 1, no tag', { skip }, async () => {
  const cleanup = addLargeContent('pack-limit', 4);
  try {
    const run = startCli(pushArgs(registry.host, 'cli-faults/pack-limit:v1'), { fileSizeLimitKiB: 1024 });
    const exit = await run.exit;
    assert.equal(exit.signal, null, 'not killed by SIGXFSZ');
    assert.equal(exit.code, 1, exit.stderr);
    const last = exit.stderr.trimEnd().split('\n').at(-1)!;
    assert.match(last, /^✗ disk full or file-size limit reached while writing the layer to /);
    assert.ok(last.includes(run.tmp), `names the temp folder: ${last}`);
    assert.match(last, /set TMPDIR to a folder with more room/);
    assert.equal(await tagDigest('cli-faults/pack-limit', 'v1'), undefined);
    assertCleanTmp(run.tmp);
  } finally {
    cleanup();
  }
});

test('an output folder whose parent is a file: a clear message, exit 1, nothing written', { skip }, async () => {
  writeFileSync(path.join(ws, 'notes.txt'), 'a file, not a folder\n');
  try {
    const run = startCli(['pull', 'artifact', `oci://${registry.host}/cli-faults/upload:v1`, '-o', 'notes.txt/out']);
    const exit = await run.exit;
    assert.equal(exit.code, 1, exit.stderr);
    const last = exit.stderr.trimEnd().split('\n').at(-1)!;
    assert.match(last, /^✗ cannot write to .*notes\.txt\/out: .*notes\.txt is a file, not a folder; choose another output folder/);
    assert.doesNotMatch(exit.stderr, /\n\s+at /);
    assert.deepEqual(strayTempsInWorkspace(), []);
    assertCleanTmp(run.tmp);
  } finally {
    rmSync(path.join(ws, 'notes.txt'));
  }
});

test('build artifact into a folder that is a file: a clear message, exit 1, no temp file', { skip }, async () => {
  writeFileSync(path.join(ws, 'notes.txt'), 'a file, not a folder\n');
  try {
    const run = startCli(['build', 'artifact', '-p', 'deploy', '-o', 'notes.txt/artifact.tgz']);
    const exit = await run.exit;
    assert.equal(exit.code, 1, exit.stderr);
    assert.match(
      exit.stderr.trimEnd().split('\n').at(-1)!,
      /^✗ cannot write to .*notes\.txt\/artifact\.tgz: .*notes\.txt is a file, not a folder; choose another output file/,
    );
    assert.deepEqual(strayTempsInWorkspace(), []);
    assertCleanTmp(run.tmp);
  } finally {
    rmSync(path.join(ws, 'notes.txt'));
  }
});

// Root writes through chmod, so "unwritable" has to be a read-only mount: a private mount namespace does it.
const readOnlyMount = ['unshare', '-m', 'sh', '-c', 'mount --bind -o ro "$0" "$0" && exec "$@"'];
function readOnlyMountsWork(): boolean {
  if (process.platform !== 'linux') return false;
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-ro-probe-'));
  try {
    const [cmd, ...args] = readOnlyMount;
    return spawnSync(cmd!, [...args, dir, 'sh', '-c', 'touch "$0/probe" 2>/dev/null', dir]).status === 1 && readdirSync(dir).length === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const readOnlyMounts = readOnlyMountsWork() ? false : 'cannot make a read-only bind mount here (needs unshare -m and mount)';

test('an output folder on a read-only file system: a clear message, exit 1', { skip: skip || readOnlyMounts }, async () => {
  const readOnly = tempFolder('readonly');
  const run = startCli(['pull', 'artifact', `oci://${registry.host}/cli-faults/upload:v1`, '-o', path.join(readOnly, 'out')], {
    wrap: [...readOnlyMount, readOnly],
  });
  const exit = await run.exit;
  assert.equal(exit.code, 1, exit.stderr);
  const last = exit.stderr.trimEnd().split('\n').at(-1)!;
  assert.match(last, new RegExp(`^✗ cannot write to ${readOnly}/out: the file system is read-only; choose another output folder`));
  assert.deepEqual(readdirSync(readOnly), []);
  assertCleanTmp(run.tmp);
});

test('a TMPDIR that cannot be written: push says so and what to do, exit 1', { skip }, async () => {
  const notAFolder = path.join(tempFolder('tmpfile'), 'tmp-is-a-file');
  writeFileSync(notAFolder, '');
  const run = startCli(pushArgs(registry.host, 'cli-faults/tmpdir:v1'), { tmp: notAFolder });
  const exit = await run.exit;
  assert.equal(exit.code, 1, exit.stderr);
  const last = exit.stderr.trimEnd().split('\n').at(-1)!;
  assert.match(last, /^✗ cannot write the layer to .*tmp-is-a-file: .*is a file, not a folder; set TMPDIR to a writable folder/);
  assert.equal(await tagDigest('cli-faults/tmpdir', 'v1'), undefined);
});
