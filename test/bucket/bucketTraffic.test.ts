// What the editor sends to an object store, watched through a proxy in front of a real MinIO:
// two files naming the same bucket share one listing (one GET of the root .sourceignore, one
// ListObjectsV2 per page), a hover on what is cached sends nothing, a store that stalls never
// holds a hover past its budget and ends as information after the timeout, and offline sends
// nothing at all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileUri, LspClient } from '../helpers/lspClient.ts';
import { peerBinary, requirePeer } from '../peers/goPeers.ts';
import { startS3Server, type StartedS3Server } from '../peers/s3Server.ts';
import { startFaultProxy, type FaultProxy } from '../peers/faultProxy.ts';

let s3: StartedS3Server | undefined;
let proxy: FaultProxy | undefined;
let ws = '';

before(async () => {
  if (!process.env['CI'] && !peerBinary('minio')) return;
  s3 = await startS3Server();
  await s3.makeBucket('shared');
  const objects: [string, string][] = [];
  for (let i = 0; i < 1200; i++) objects.push([`apps/${i}.yaml`, `n: ${i}\n`]);
  await s3.putObjects('shared', objects);
  proxy = await startFaultProxy({ host: '127.0.0.1', port: s3.port });
  ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-bucket-traffic-'));
});

after(async () => {
  await proxy?.stop();
  await s3?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

const bucket = (name: string, endpoint: string, prefix = '') => `apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  bucketName: shared
  endpoint: ${endpoint}
  insecure: true
${prefix ? `  prefix: ${prefix}\n` : ''}  secretRef:
    name: shared-s3
`;

function write(rel: string, text: string): string {
  mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
  writeFileSync(path.join(ws, rel), text);
  return fileUri(path.join(ws, rel));
}

const hoverText = (h: Awaited<ReturnType<LspClient['hover']>>): string =>
  h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';

test('one listing per bucket, nothing for a cached hover, a stalled store never holds the editor, offline sends nothing', async (t) => {
  if (!requirePeer(t, 'minio') || !s3 || !proxy) return;
  const endpoint = `127.0.0.1:${proxy.port}`;
  write(
    'secret.yaml',
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: shared-s3\n  namespace: flux-system\nstringData:\n  accesskey: ${s3.accessKey}\n  secretkey: ${s3.secretKey}\n`,
  );
  const aText = bucket('a', endpoint);
  const bText = bucket('b', endpoint);
  const a = write('a.yaml', aText);
  const b = write('b.yaml', bText);
  const client = await LspClient.start({
    workspaceFolders: [ws],
    configuration: true,
    settings: { bucket: { maxArtifactFiles: 100 } },
    env: {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_CONFIG_FILE: '/nonexistent',
      FLUX_OCI_REGISTRY_TIMEOUT_MS: '3000',
    },
  });
  try {
    client.open(a, aText);
    client.open(b, bText);
    const many = (d: { code?: string | number }[]) => d.some((x) => x.code === 'bucket/many-files');
    await Promise.all([client.nextDiagnostics(a, many, 30_000), client.nextDiagnostics(b, many, 30_000)]);
    const lists = () => proxy!.log.filter((r) => r.path.includes('list-type=2')).length;
    const ignoreGets = () => proxy!.log.filter((r) => r.method === 'GET' && r.path.startsWith('/shared/.sourceignore')).length;
    assert.equal(lists(), 2, `two pages for 1200 objects, listed once for both files: ${JSON.stringify(proxy.log.map((r) => r.path))}`);
    assert.equal(ignoreGets(), 1);
    const before = proxy.log.length;
    const line = aText.split('\n').findIndex((l) => l.includes('bucketName'));
    const h = await client.hover(a, { line, character: 4 });
    assert.match(hoverText(h), /would pack \*\*1200 files/);
    assert.equal(proxy.log.length, before, 'a cached listing sends nothing');

    // A store that stalls: the hover answers within its budget, the listing ends as information.
    proxy.setRules([{ path: /list-type=2/, fault: { kind: 'stall' } }]);
    const cText = bucket('c', endpoint, 'apps/1');
    const c = write('c.yaml', cText);
    client.open(c, cText);
    const started = Date.now();
    const stalled = await client.hover(c, { line, character: 4 });
    const waited = Date.now() - started;
    assert.ok(waited < 2_500, `the hover waited ${waited} ms`);
    assert.match(hoverText(stalled), /Listing the bucket…/);
    const info = await client.nextDiagnostics(c, (d) => d.some((x) => x.code === 'bucket/not-listed'), 20_000);
    const notListed = info.find((x) => x.code === 'bucket/not-listed')!;
    assert.equal(notListed.severity, 3);
    assert.match(typeof notListed.message === 'string' ? notListed.message : '', /did not answer within 3 s/);
    proxy.setRules([]);

    // Offline: a new Bucket is never listed.
    client.setSettings({ registry: { offline: true }, bucket: { maxArtifactFiles: 100 } });
    await new Promise((r) => setTimeout(r, 500));
    const offlineStart = proxy.log.length;
    const dText = bucket('d', endpoint, 'apps/2');
    const d = write('d.yaml', dText);
    client.open(d, dText);
    const quiet = await client.diagnostics(d, undefined, 15_000);
    assert.ok(!quiet.some((x) => String(x.code ?? '').startsWith('bucket/')));
    const offHover = await client.hover(d, { line, character: 4 });
    assert.match(hoverText(offHover), /offline/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(proxy.log.length, offlineStart, 'offline sends nothing');
    t.diagnostic(`${before} requests for two files naming one bucket of 1200 objects; stalled hover answered in ${waited} ms`);
  } finally {
    await client.stop();
  }
});
