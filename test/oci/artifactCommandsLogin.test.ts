// One registry path in the editor (issue 13): after "Log In to a Registry", the artifact
// commands reach a registry that needs credentials with the log-in the server already holds,
// the same one live resolution uses; the client sends no password with the command.
// Real docker-registry with Basic auth over TLS (a CA made now) and the real server over stdio.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { LspClient } from '../helpers/lspClient.ts';
import { seed } from '../resolution/stories.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
const user = { name: 'ci', password: 'L0gin-pa55word' };
let secured: StartedRegistry;
let ws = '';
let home = '';

before(async () => {
  if (skip) return;
  secured = await startRegistry({ auth: 'basic', users: { [user.name]: { password: user.password, access: 'push' } } });
  await seed(secured.host, 'team/private', ['v1.0.0'], {}, { SSL_CERT_FILE: secured.caFile! }, ['--creds', `${user.name}:${user.password}`]);
  ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-login-ws-'));
  mkdirSync(path.join(ws, 'deploy'));
  writeFileSync(path.join(ws, 'deploy', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n');
  home = mkdtempSync(path.join(tmpdir(), 'flux-oci-login-home-')); // no docker config.json there
});
after(async () => {
  await secured?.stop();
  for (const d of [ws, home]) if (d) rmSync(d, { recursive: true, force: true });
});

interface Answer {
  ok: boolean;
  error?: string;
  code?: string;
  artifacts?: Array<{ tag: string }>;
  digest?: string;
}

test('after Log In, List and Push Artifact use the log-in the server holds; before it, they say to log in', { skip }, async () => {
  const lsp = await LspClient.start({ workspaceFolders: [ws], env: { SSL_CERT_FILE: secured.caFile!, HOME: home } });
  try {
    const url = `oci://${secured.host}/team/private`;
    const before = await lsp.executeCommand<Answer>('flux-oci.artifact.list', [{ url }]);
    assert.equal(before.ok, false);
    assert.equal(before.code, 'unauthorized');
    assert.match(before.error ?? '', /requires authentication/);

    await lsp.connection.sendNotification('flux-oci/registryCredentials', {
      credentials: [{ registry: secured.host, username: user.name, password: user.password }],
    });
    const listed = await lsp.executeCommand<Answer>('flux-oci.artifact.list', [{ url }]);
    assert.equal(listed.ok, true, listed.error);
    assert.deepEqual(
      listed.artifacts?.map((a) => a.tag),
      ['v1.0.0'],
    );

    const pushed = await lsp.executeCommand<Answer>('flux-oci.artifact.push', [
      { url: `${url}:v1.1.0`, path: 'deploy', source: 'https://github.com/org/app', revision: 'main@sha1:0123abcd' },
    ]);
    assert.equal(pushed.ok, true, pushed.error);
    assert.match(pushed.digest ?? '', /^sha256:/);
    // The password went from the editor to the server once, and never into a log line.
    assert.ok(!lsp.logs.some((l) => l.includes(user.password)));
  } finally {
    await lsp.stop();
  }
});
