// A Bucket on an HTTPS store whose certificate comes from a private CA, against a real MinIO
// serving TLS with a CA made at test time: the CA in the spec.certSecretRef Secret (ca.crt) is
// trusted besides the system roots, as source-controller does; without it the listing refuses
// the certificate and says what to do; a certSecretRef Secret the workspace lacks is said first.
// HTTPS_PROXY is honoured (CONNECT through a forward proxy), NO_PROXY goes direct.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { peerBinary, requirePeer } from '../peers/goPeers.ts';
import { startS3Server, type StartedS3Server } from '../peers/s3Server.ts';
import { makeWorkspace, runCli } from '../oci/runCli.ts';
import { startForwardProxy } from '../peers/forwardProxy.ts';

let s3: StartedS3Server | undefined;
const dirs: string[] = [];

before(async () => {
  if (!process.env['CI'] && !peerBinary('minio')) return;
  s3 = await startS3Server({ tls: true });
  await s3.makeBucket('secure');
  await s3.putObjects('secure', [
    ['app/deploy.yaml', 'kind: Deployment\n'],
    ['app/service.yaml', 'kind: Service\n'],
  ]);
});

after(async () => {
  await s3?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const indent = (text: string, n: number) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

test('spec.certSecretRef ca.crt is trusted for an HTTPS store; without it the certificate is refused with what to do', async (t) => {
  if (!requirePeer(t, 'minio') || !s3) return;
  const bucket = (cert: boolean) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: secure
  namespace: flux-system
spec:
  interval: 10m
  bucketName: secure
  endpoint: ${s3!.endpoint}
  secretRef:
    name: s3-keys
${cert ? '  certSecretRef:\n    name: s3-ca\n' : ''}`;
  const keys = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s3-keys\n  namespace: flux-system\nstringData:\n  accesskey: ${s3.accessKey}\n  secretkey: ${s3.secretKey}\n`;
  const ca = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s3-ca\n  namespace: flux-system\nstringData:\n  ca.crt: |\n${indent(s3.caPem!, 4)}\n`;
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', NODE_EXTRA_CA_CERTS: '' };

  const trusted = makeWorkspace({ 'bucket.yaml': bucket(true), 'keys.yaml': keys, 'ca.yaml': ca });
  dirs.push(trusted);
  const ok = await runCli(['bucket', 'preview', 'secure', '--format', 'json'], { cwd: trusted, env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(
    JSON.parse(ok.stdout).files.map((f: { path: string }) => f.path),
    ['app/deploy.yaml', 'app/service.yaml'],
  );

  // Through HTTPS_PROXY (a CONNECT tunnel), unless NO_PROXY names the host, as registry requests do.
  const proxy = await startForwardProxy();
  try {
    const noProxyEnv = { HTTP_PROXY: '', http_proxy: '', https_proxy: '', no_proxy: '' };
    const via = await runCli(['bucket', 'preview', 'secure', '--format', 'json'], {
      cwd: trusted,
      env: { ...env, ...noProxyEnv, HTTPS_PROXY: proxy.url, NO_PROXY: '' },
    });
    assert.equal(via.code, 0, via.stderr);
    assert.equal(JSON.parse(via.stdout).count, 2);
    assert.ok(proxy.targets.includes(s3.endpoint), `the proxy carried ${JSON.stringify(proxy.targets)}`);
    const carried = proxy.targets.length;
    const direct = await runCli(['bucket', 'preview', 'secure', '--format', 'json'], {
      cwd: trusted,
      env: { ...env, ...noProxyEnv, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' },
    });
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(proxy.targets.length, carried, 'NO_PROXY goes direct');
  } finally {
    await proxy.stop();
  }

  const untrusted = makeWorkspace({ 'bucket.yaml': bucket(false), 'keys.yaml': keys });
  dirs.push(untrusted);
  const refused = await runCli(['bucket', 'preview', 'secure'], { cwd: untrusted, env });
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /TLS certificate is not trusted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\); give spec.certSecretRef a Secret with the CA as ca.crt/,
  );

  const missing = makeWorkspace({ 'bucket.yaml': bucket(true), 'keys.yaml': keys });
  dirs.push(missing);
  const noCa = await runCli(['bucket', 'preview', 'secure'], { cwd: missing, env });
  assert.equal(noCa.code, 1);
  assert.match(noCa.stderr, /the certSecretRef Secret 's3-ca' is not in the workspace/);
});
