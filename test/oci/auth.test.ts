// Authentication against real registries: docker-registry with htpasswd Basic
// auth behind TLS (CA made now by openssl), and with Bearer tokens from our
// test token issuer. Secrets must never appear in any output.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { makeWorkspace, runCli, type CliRun } from './runCli.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
const password = 'pa55-w0rd-that-must-not-leak';

function assertNoSecret(run: CliRun): void {
  assert.ok(!run.stdout.includes(password) && !run.stderr.includes(password), 'a password leaked into the output');
  assert.ok(!run.stderr.includes(Buffer.from(`alice:${password}`).toString('base64')), 'a Basic header leaked into the output');
}

describe('Basic auth over TLS', { skip }, () => {
  let registry: StartedRegistry;
  let ws: string;
  before(async () => {
    registry = await startRegistry({ auth: 'basic', users: { alice: { password, access: 'push' } } });
    ws = makeWorkspace();
  });
  after(async () => {
    await registry?.stop();
    rmSync(ws, { recursive: true, force: true });
  });
  const push = (tag: string, extra: string[], env?: NodeJS.ProcessEnv) =>
    runCli(['push', 'artifact', `oci://${registry.host}/secure/app:${tag}`, '-f', 'deploy', '--source', 's', '--revision', 'r', ...extra], {
      cwd: ws,
      ...(env ? { env } : {}),
    });

  test('a registry whose certificate we do not trust is refused, with the fix in the message', async () => {
    const run = await push('v1', ['--creds', `alice:${password}`]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /TLS certificate of 127\.0\.0\.1:\d+ is not trusted.*--ca-file/);
    assertNoSecret(run);
  });

  test('no credentials: a clear error naming where we looked', async () => {
    const run = await push('v1', ['--ca-file', registry.caFile!]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /requires authentication and no credentials were found.*--creds/);
  });

  test('a wrong password is rejected without echoing it', async () => {
    const run = await push('v1', ['--ca-file', registry.caFile!, '--creds', `alice:${password}x`]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /rejected the credentials from --creds/);
    assertNoSecret(run);
  });

  test('--creds and --ca-file push and pull', async () => {
    const ok = await push('v1', ['--ca-file', registry.caFile!, '--creds', `alice:${password}`]);
    assert.equal(ok.code, 0, ok.stderr);
    const pull = await runCli(
      ['pull', 'artifact', `oci://${registry.host}/secure/app:v1`, '-o', 'out1', '--ca-file', registry.caFile!, '--creds', `alice:${password}`],
      { cwd: ws },
    );
    assert.equal(pull.code, 0, pull.stderr);
    assertNoSecret(pull);
  });

  test('docker config auths and SSL_CERT_FILE work without flags', async () => {
    const dockerDir = path.join(ws, 'docker-auths');
    mkdirSync(dockerDir, { recursive: true });
    writeFileSync(
      path.join(dockerDir, 'config.json'),
      JSON.stringify({ auths: { [`https://${registry.host}`]: { auth: Buffer.from(`alice:${password}`).toString('base64') } } }),
    );
    const run = await push('v2', [], { DOCKER_CONFIG: dockerDir, SSL_CERT_FILE: registry.caFile! });
    assert.equal(run.code, 0, run.stderr);
    const list = await runCli(['list', 'artifacts', `oci://${registry.host}/secure/app`, '-o', 'json'], {
      cwd: ws,
      env: { DOCKER_CONFIG: dockerDir, SSL_CERT_FILE: registry.caFile! },
    });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      (JSON.parse(list.stdout) as Array<{ tag: string }>).map((a) => a.tag),
      ['v2', 'v1'],
    );
  });

  test('docker config credHelpers run docker-credential-<name> get', async () => {
    const bin = path.join(ws, 'helper-bin');
    mkdirSync(bin, { recursive: true });
    const helper = path.join(bin, 'docker-credential-testvault');
    // A credential helper speaking docker's protocol: server URL on stdin, JSON on stdout.
    writeFileSync(
      helper,
      `#!/bin/sh\nread server\nif [ "$1" = get ] && [ "$server" = "${registry.host}" ]; then\n  printf '{"ServerURL":"%s","Username":"alice","Secret":"${password}"}' "$server"\nelse\n  echo "credentials not found in native keychain"; exit 1\nfi\n`,
    );
    chmodSync(helper, 0o755);
    const dockerDir = path.join(ws, 'docker-helpers');
    mkdirSync(dockerDir, { recursive: true });
    writeFileSync(path.join(dockerDir, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'testvault' } }));
    const run = await push('v3', ['--ca-file', registry.caFile!], { DOCKER_CONFIG: dockerDir, PATH: `${bin}:${process.env['PATH']}` });
    assert.equal(run.code, 0, run.stderr);
    assertNoSecret(run);
  });

  test('a credsStore whose helper is not installed says which program to install', async () => {
    const dockerDir = path.join(ws, 'docker-missing');
    mkdirSync(dockerDir, { recursive: true });
    writeFileSync(path.join(dockerDir, 'config.json'), JSON.stringify({ credsStore: 'nosuchstore' }));
    const run = await push('v4', ['--ca-file', registry.caFile!], { DOCKER_CONFIG: dockerDir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /docker-credential-nosuchstore is not installed/);
  });
});

describe('Bearer tokens', { skip }, () => {
  let registry: StartedRegistry;
  let ws: string;
  before(async () => {
    registry = await startRegistry({
      auth: 'token',
      users: { ci: { password, access: 'push', refreshToken: `refresh-${password}` }, reader: { password, access: 'pull' } },
    });
    ws = makeWorkspace();
  });
  after(async () => {
    await registry?.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  test('CI pushes with a push token; one token covers the whole push', async () => {
    const before = registry.tokenRequests.length;
    const run = await runCli(
      ['push', 'artifact', `oci://${registry.host}/tok/app:v1`, '-f', 'deploy', '--source', 's', '--revision', 'r', '--creds', `ci:${password}`],
      { cwd: ws },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(registry.tokenRequests.length - before, 1, 'tokens are cached per scope');
    assert.deepEqual(registry.tokenRequests.at(-1)!.scope, ['repository:tok/app:pull,push']);
    assertNoSecret(run);
  });

  test('a pull-only user can pull', async () => {
    const run = await runCli(['pull', 'artifact', `oci://${registry.host}/tok/app:v1`, '-o', 'out', '--creds', `reader:${password}`], { cwd: ws });
    assert.equal(run.code, 0, run.stderr);
  });

  test('a pull-only user trying to push gets a clear denial', async () => {
    const run = await runCli(
      ['push', 'artifact', `oci://${registry.host}/tok/app:v2`, '-f', 'deploy', '--source', 's', '--revision', 'r', '--creds', `reader:${password}`],
      { cwd: ws },
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /denied access \(tok\/app:pull,push\) to the credentials from --creds/);
    assertNoSecret(run);
  });

  test('anonymous users are told to authenticate', async () => {
    const run = await runCli(['list', 'artifacts', `oci://${registry.host}/tok/app`], { cwd: ws });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /requires authentication and no credentials were found/);
  });

  test('a wrong password is rejected by the token service without echoing it', async () => {
    const run = await runCli(['list', 'artifacts', `oci://${registry.host}/tok/app`, '--creds', `ci:${password}-wrong`], { cwd: ws });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /rejected the credentials from --creds/);
    assertNoSecret(run);
  });

  test('a docker config identity token is exchanged for access tokens (OAuth2 refresh grant)', async () => {
    const dockerDir = path.join(ws, 'docker-identity');
    mkdirSync(dockerDir, { recursive: true });
    writeFileSync(path.join(dockerDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { identitytoken: `refresh-${password}` } } }));
    const run = await runCli(['push', 'artifact', `oci://${registry.host}/tok/app:v3`, '-f', 'deploy', '--source', 's', '--revision', 'r'], {
      cwd: ws,
      env: { DOCKER_CONFIG: dockerDir },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(registry.tokenRequests.at(-1)!.user, 'ci');
    assertNoSecret(run);
    assert.ok(!run.stderr.includes(`refresh-${password}`));
  });
});
