// A command talks to a registry over as few connections as it can: a pull asks one thing after
// another (the registry probe, the manifest, the layer), so it needs one connection, not one more
// for each request sent while undici was still checking the socket that just fell idle. Against a
// remote registry every extra connection is another TCP and TLS handshake. Counted by a proxy in
// front of a real docker-registry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { startFaultProxy, type FaultProxy } from '../peers/faultProxy.ts';
import { makeWorkspace, runCli } from './runCli.ts';

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

test('pulling an artifact opens one connection to the registry', { skip }, async () => {
  const url = `oci://${proxy.host}/team/app:v1.0.0`;
  const push = await runCli(['push', 'artifact', url, '--path', 'deploy', '--source', 'https://github.com/org/app', '--revision', 'main@sha1:0123abc'], {
    cwd: ws,
  });
  assert.equal(push.code, 0, push.stderr);

  proxy.resetConnections();
  proxy.log.length = 0;
  const pull = await runCli(['pull', 'artifact', url, '-o', 'out'], { cwd: ws });
  assert.equal(pull.code, 0, pull.stderr);
  assert.ok(proxy.log.length >= 3, `the probe, the manifest and the layer went through the proxy: ${JSON.stringify(proxy.log)}`);
  assert.equal(proxy.connections, 1, `requests: ${proxy.log.map((r) => `${r.method} ${r.path}`).join(', ')}`);
});
