// Registry host names: one rule for what a reference names, what credentials are matched by and
// what the loopback and cloud-provider rules look at, however the name was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from './runCli.ts';

const require = createRequire(import.meta.url);
const domain = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
const { registryKey, registryHostName, parseArtifactUrl } = domain;
const r = domain.registry;

test('a docker config key names its registry with or without scheme, path, case or a Docker Hub alias', () => {
  for (const key of ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io', 'HTTPS://Index.Docker.IO/v2/', ' docker.io ']) {
    assert.equal(registryKey(key), 'index.docker.io', key);
  }
  assert.equal(registryKey('https://GHCR.io/'), 'ghcr.io');
  assert.equal(registryKey('http://localhost:5000/v2/'), 'localhost:5000');
  assert.equal(registryKey('Localhost:5000'), 'localhost:5000');
  assert.equal(registryKey('https://[::1]:5000/v1/'), '[::1]:5000');
  assert.equal(registryKey('[::1]:5000'), '[::1]:5000');
  assert.equal(registryKey('127.0.0.1:5000'), '127.0.0.1:5000', 'the port is part of the key: two registries on one host are two registries');
  assert.notEqual(registryKey('ghcr.io:443'), registryKey('ghcr.io'));
});

test('the host name drops the port and IPv6 brackets, lower-case', () => {
  assert.equal(registryHostName('127.0.0.1:5000'), '127.0.0.1');
  assert.equal(registryHostName('Localhost:5000'), 'localhost');
  assert.equal(registryHostName('localhost'), 'localhost');
  assert.equal(registryHostName('[::1]:5000'), '::1');
  assert.equal(registryHostName('[::1]'), '::1');
  assert.equal(registryHostName('[FE80::1]:5000'), 'fe80::1');
  assert.equal(registryHostName('::1'), '::1', 'an unbracketed IPv6 literal has no port to strip');
  assert.equal(registryHostName('GHCR.io'), 'ghcr.io');
});

test('loopback registries are known by host, whatever the port, case or brackets', () => {
  for (const host of ['localhost', 'LOCALHOST:5000', 'registry.localhost:5000', '127.0.0.1:5000', '127.9.9.9', '[::1]:5000', '[::1]', '::1']) {
    assert.equal(r.isLoopbackRegistry(host), true, host);
  }
  for (const host of ['ghcr.io', '10.0.0.1:5000', 'localhost.example.com', '[::2]:5000', '128.0.0.1']) assert.equal(r.isLoopbackRegistry(host), false, host);
});

test('a reference names Docker Hub as flux does: docker.io and no registry are index.docker.io, other names as written', () => {
  assert.equal(parseArtifactUrl('oci://docker.io/org/app').registry, 'index.docker.io');
  assert.equal(parseArtifactUrl('oci://org/app').registry, 'index.docker.io');
  assert.equal(parseArtifactUrl('oci://index.docker.io/nginx').repository, 'library/nginx');
  assert.equal(parseArtifactUrl('oci://[::1]:5000/app').registry, '[::1]:5000');
});

test('docker config credentials are found however the reference and the config spell the registry', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-dockercfg-'));
  const file = path.join(dir, 'config.json');
  const auth = (user: string) => ({ auth: Buffer.from(`${user}:pw`).toString('base64') });
  writeFileSync(
    file,
    JSON.stringify({
      auths: { 'https://index.docker.io/v1/': auth('hub'), 'https://ghcr.io': auth('gh'), 'localhost:5000': auth('local'), '[::1]:5001': auth('six') },
    }),
  );
  const creds = new r.DockerConfigCredentials({}, file);
  const user = async (registry: string) => ((await creds.resolve(registry)) as { username?: string } | undefined)?.username;
  assert.equal(await user('index.docker.io'), 'hub');
  assert.equal(await user('registry-1.docker.io'), 'hub');
  assert.equal(await user('ghcr.io'), 'gh');
  assert.equal(await user('GHCR.io'), 'gh', 'a host written in upper case is the same registry');
  assert.equal(await user('LOCALHOST:5000'), 'local');
  assert.equal(await user('localhost:5001'), undefined, 'another port is another registry');
  assert.equal(await user('[::1]:5001'), 'six');
});

test('the editor’s log-ins are found by the same key', async () => {
  const session = new domain.resolution.SessionCredentials();
  session.replace([
    { registry: 'https://GHCR.io/', username: 'alice', password: 'pw' },
    { registry: 'docker.io', token: 'tok' },
  ]);
  assert.deepEqual(session.registries.sort(), ['ghcr.io', 'index.docker.io']);
  assert.equal(((await session.resolve('ghcr.io')) as { username?: string }).username, 'alice');
  assert.equal((await session.resolve('registry-1.docker.io'))?.kind, 'registry-token');
});
