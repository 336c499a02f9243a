// Corporate networks: registry traffic goes through HTTPS_PROXY/HTTP_PROXY
// unless NO_PROXY names the registry. And the CA bundle a TLS registry is trusted by.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { startForwardProxy, type ForwardProxy } from '../peers/forwardProxy.ts';
import { makeWorkspace, runCli } from './runCli.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
let registry: StartedRegistry;
let proxy: ForwardProxy;
let ws: string;

before(async () => {
  if (skip) return;
  registry = await startRegistry({ tls: true });
  proxy = await startForwardProxy();
  ws = makeWorkspace();
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

test('HTTPS_PROXY carries the registry traffic, TLS to the registry still verified end to end', { skip }, async () => {
  const run = await runCli(
    ['push', 'artifact', `oci://${registry.host}/proxied/app:v1`, '-f', 'deploy', '--source', 's', '--revision', 'r', '--ca-file', registry.caFile!],
    {
      cwd: ws,
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: '' },
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.ok(proxy.targets.includes(registry.host), `the proxy carried ${proxy.targets.join(', ')}`);
});

test('NO_PROXY naming the registry bypasses the proxy', { skip }, async () => {
  const before = proxy.targets.length;
  const run = await runCli(['list', 'artifacts', `oci://${registry.host}/proxied/app`, '--ca-file', registry.caFile!], {
    cwd: ws,
    env: { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /proxied\/app:v1/);
  assert.equal(proxy.targets.length, before);
});

// Not a proxy case, but this file has the TLS registry: the CA bundle is read at the first HTTPS
// connection, and a bundle that cannot be read ends the command there, once, saying which file.
test('an unreadable --ca-file is a clear error at the first HTTPS request, not retried', { skip }, async () => {
  const started = Date.now();
  const run = await runCli(['list', 'artifacts', `oci://${registry.host}/proxied/app`, '--ca-file', '/nonexistent/ca.pem'], { cwd: ws });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /cannot read the CA bundle \/nonexistent\/ca\.pem: .*ENOENT.*\n?.*--ca-file/s);
  assert.doesNotMatch(run.stderr, /retry/);
  assert.ok(Date.now() - started < 5_000);
});
