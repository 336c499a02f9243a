// A misbehaving network between flux-oci and a real registry: a proxy in front
// of docker-registry answers 429/503, resets uploads, stalls and corrupts bytes.
// Each case ends in a successful retry or a clear error, and never in a
// corrupted artifact, a half-written folder or a tag pointing at missing content.
// When nothing goes wrong, the proxy also counts the connections a pull opens.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { startFaultProxy, type FaultProxy } from '../peers/faultProxy.ts';
import { makeWorkspace, repoRoot, runCli } from './runCli.ts';

const require = createRequire(import.meta.url);
const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
let registry: StartedRegistry;
let proxy: FaultProxy;
let ws: string;

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  proxy = await startFaultProxy({ host: '127.0.0.1', port: registry.port });
  ws = makeWorkspace();
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
});
beforeEach(() => proxy?.setRules([]));

/** The digest a tag points at, asked of the registry directly (not through the proxy). */
async function tagDigest(repo: string, tag: string): Promise<string | undefined> {
  const { registry: r } = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
  const client = new r.RegistryClient({ registry: registry.host });
  try {
    return (await client.headManifest(repo, tag))?.digest;
  } finally {
    await client.close();
  }
}

const pushVia = (host: string, ref: string, extra: string[] = []) =>
  runCli(['push', 'artifact', `oci://${host}/${ref}`, '-f', 'deploy', '--source', 's', '--revision', 'r', '-o', 'json', ...extra], { cwd: ws });

test('503 with Retry-After on the manifest PUT is waited out and the push succeeds', { skip }, async () => {
  proxy.setRules([{ method: 'PUT', path: /\/manifests\//, fault: { kind: 'status', status: 503, retryAfter: '1' }, times: 1 }]);
  const run = await pushVia(proxy.host, 'faults/app:retry');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /HTTP 503, retry 1 in 1\.\ds/);
  assert.equal(await tagDigest('faults/app', 'retry'), (JSON.parse(run.stdout) as { digest: string }).digest);
});

test('429 asking for an hour ends at once with a clear rate-limit error', { skip }, async () => {
  proxy.setRules([{ path: /.*/, fault: { kind: 'status', status: 429, retryAfter: '3600' } }]);
  const started = Date.now();
  const run = await pushVia(proxy.host, 'faults/app:limited');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /rate limiting requests \(HTTP 429\); it asked to wait 3600s/);
  assert.ok(Date.now() - started < 15_000);
  assert.equal(await tagDigest('faults/app', 'limited'), undefined);
});

test('a connection reset in the middle of an upload restarts the upload; the artifact is intact', { skip }, async () => {
  writeFileSync(path.join(ws, 'deploy', 'reset.yaml'), 'content: never pushed before\n');
  try {
    proxy.setRules([{ method: 'PUT', path: /\/blobs\/uploads\//, fault: { kind: 'reset-request', afterBytes: 20 }, times: 1 }]);
    const run = await pushVia(proxy.host, 'faults/app:reset-once');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(proxy.log.some((l) => l.fault === 'reset-request'));
    const pull = await runCli(['pull', 'artifact', `oci://${registry.host}/faults/app:reset-once`, '-o', 'reset-once'], { cwd: ws });
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(readFileSync(path.join(ws, 'reset-once', 'reset.yaml'), 'utf8'), 'content: never pushed before\n');
  } finally {
    rmSync(path.join(ws, 'deploy', 'reset.yaml'));
  }
});

test('uploads that always break give a clear error and leave the tag on its old digest', { skip }, async () => {
  const good = await pushVia(registry.host, 'faults/app:stable');
  const oldDigest = (JSON.parse(good.stdout) as { digest: string }).digest;
  writeFileSync(path.join(ws, 'deploy', 'new.yaml'), 'new: content\n');
  try {
    proxy.setRules([{ method: 'PUT', path: /\/blobs\/uploads\//, fault: { kind: 'reset-request', afterBytes: 20 } }]);
    const run = await pushVia(proxy.host, 'faults/app:stable');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /✗ upload blob sha256:[a-f0-9]{64}: connection to 127\.0\.0\.1:\d+ failed/);
    assert.equal(await tagDigest('faults/app', 'stable'), oldDigest);
  } finally {
    rmSync(path.join(ws, 'deploy', 'new.yaml'));
  }
});

test('bytes corrupted on the way up are refused by the registry and no tag is written', { skip }, async () => {
  proxy.setRules([{ method: 'PUT', path: /\/blobs\/uploads\//, fault: { kind: 'corrupt-request' } }]);
  const run = await pushVia(proxy.host, 'faults/corrupt:up');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /received bytes that do not match the digest/);
  assert.equal(await tagDigest('faults/corrupt', 'up'), undefined);
});

test('a layer corrupted once on the way down is fetched again; the files are intact', { skip }, async () => {
  assert.equal((await pushVia(registry.host, 'faults/down:v1')).code, 0);
  proxy.setRules([{ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'corrupt-response' }, times: 1 }]);
  const run = await runCli(['pull', 'artifact', `oci://${proxy.host}/faults/down:v1`, '-o', 'down-once'], { cwd: ws });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /does not match its digest.*retrying/);
  assert.equal(
    readFileSync(path.join(ws, 'down-once', 'apps', 'deployment.yaml'), 'utf8'),
    readFileSync(path.join(ws, 'deploy', 'apps', 'deployment.yaml'), 'utf8'),
  );
});

test('a layer always corrupted on the way down: clear error, no output folder', { skip }, async () => {
  proxy.setRules([{ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'corrupt-response' } }]);
  const run = await runCli(['pull', 'artifact', `oci://${proxy.host}/faults/down:v1`, '-o', 'down-always'], { cwd: ws });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /✗ .*does not match its digest/);
  assert.equal(existsSync(path.join(ws, 'down-always')), false);
  assert.deepEqual(
    require('node:fs')
      .readdirSync(ws)
      .filter((n: string) => n.includes('flux-oci')),
    [],
    'no temporary folder is left behind',
  );
});

test('a corrupted manifest is caught by its digest', { skip }, async () => {
  proxy.setRules([{ method: 'GET', path: /\/manifests\//, fault: { kind: 'corrupt-response' } }]);
  const run = await runCli(['pull', 'artifact', `oci://${proxy.host}/faults/down:v1`, '-o', 'bad-manifest'], { cwd: ws });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /manifest does not match its digest/);
  assert.equal(existsSync(path.join(ws, 'bad-manifest')), false);
});

test('a registry that stalls hits --timeout with a clear message', { skip }, async () => {
  proxy.setRules([{ method: 'GET', path: /\/manifests\//, fault: { kind: 'stall' } }]);
  const started = Date.now();
  const run = await runCli(['pull', 'artifact', `oci://${proxy.host}/faults/down:v1`, '-o', 'stalled', '--timeout', '2s'], { cwd: ws });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /timed out talking to 127\.0\.0\.1:\d+; raise --timeout/);
  assert.ok(Date.now() - started < 10_000);
  assert.equal(existsSync(path.join(ws, 'stalled')), false);
});

// Without --timeout (the language server's lookups, a CI job that set none) a registry that goes
// silent is given up on after the idle timeout, waiting for an answer or half-way through a layer,
// and the request is tried again before the error.
test('a registry that goes silent is given up on after the idle timeout, and retried first', { skip }, async () => {
  const push = await pushVia(registry.host, 'faults/quiet:v1');
  assert.equal(push.code, 0, push.stderr);
  const { registry: r } = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
  const client = new r.RegistryClient({ registry: proxy.host, idleTimeoutMs: 300, retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 10 } });
  try {
    const manifest = await client.getManifest('faults/quiet', 'v1');
    const layer = (manifest.manifest as import('../../server/src/domain/oci/manifest.ts').ImageManifest).layers[0]!;

    proxy.log.length = 0;
    proxy.setRules([{ method: 'GET', path: /\/manifests\//, fault: { kind: 'stall' } }]);
    await assert.rejects(client.getManifest('faults/quiet', 'v1'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'timeout');
      assert.match(e.message, /stopped answering \(ETIMEDOUT\)/);
      return true;
    });
    assert.equal(proxy.log.filter((l) => l.fault === 'stall').length, 2, 'the first attempt and one retry');

    proxy.setRules([{ method: 'GET', path: /\/blobs\//, fault: { kind: 'stall-after', direction: 'response', afterBytes: 16 } }]);
    const started = Date.now();
    await assert.rejects(client.downloadBlob('faults/quiet', layer, path.join(ws, 'quiet.layer')), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'timeout', e.message);
      return true;
    });
    assert.ok(Date.now() - started < 10_000);
    assert.equal(existsSync(path.join(ws, 'quiet.layer')), false, 'no half-written layer is left');
  } finally {
    proxy.setRules([]);
    await client.close();
  }
});

test('Ctrl-C during a push stops at once with exit 130 and no tag', { skip }, async () => {
  proxy.setRules([{ method: 'PUT', path: /\/manifests\//, fault: { kind: 'stall' } }]);
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin', 'flux-oci'), 'push', 'artifact', `oci://${proxy.host}/faults/cancel:v1`, '-f', 'deploy', '--source', 's', '--revision', 'r'],
    {
      cwd: ws,
      env: { PATH: process.env['PATH'], HOME: ws },
    },
  );
  let stderr = '';
  let interrupted = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (!interrupted && stderr.includes('tagging')) {
      interrupted = true; // once: a second Ctrl-C ends the process the hard way, as usual
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /cancelled/);
  assert.equal(await tagDigest('faults/cancel', 'v1'), undefined);
});

// A pull asks one thing after another (the registry probe, the manifest, the layer), so it needs
// one connection, not one more for each request sent while undici was still checking the socket
// that had just fallen idle: against a remote registry each is another TCP and TLS handshake.
test('pulling an artifact opens one connection to the registry', { skip }, async () => {
  const url = `oci://${proxy.host}/team/reuse:v1.0.0`;
  const push = await runCli(['push', 'artifact', url, '--path', 'deploy', '--source', 'https://github.com/org/app', '--revision', 'main@sha1:0123abc'], {
    cwd: ws,
  });
  assert.equal(push.code, 0, push.stderr);

  proxy.resetConnections();
  proxy.log.length = 0;
  const pull = await runCli(['pull', 'artifact', url, '-o', 'reused'], { cwd: ws });
  assert.equal(pull.code, 0, pull.stderr);
  assert.ok(proxy.log.length >= 3, `the probe, the manifest and the layer went through the proxy: ${JSON.stringify(proxy.log)}`);
  assert.equal(proxy.connections, 1, `requests: ${proxy.log.map((r) => `${r.method} ${r.path}`).join(', ')}`);
});
