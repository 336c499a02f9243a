// The editor side of Bucket previews, over stdio against a real MinIO on 127.0.0.1: hover on a
// Bucket shows what source-controller would pack, bucket/* diagnostics warn past the
// thresholds of the settings and inform (never an error) when the store cannot be listed, and
// the "Preview Bucket Artifact" command (flux-oci.bucket.preview) answers the file list.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileUri, LspClient } from '../helpers/lspClient.ts';
import { peerBinary, requirePeer } from '../peers/goPeers.ts';
import { freePort } from '../peers/loopback.ts';
import { startS3Server, type StartedS3Server } from '../peers/s3Server.ts';
import type { PreviewBucketResult } from '../../server/src/protocol/bucketMessages.ts';
import type { Answer } from '../../server/src/protocol/messages.ts';

let s3: StartedS3Server | undefined;
const dirs: string[] = [];
/** server/src/protocol/bucketMessages.ts previewBucketCommand */
const previewBucketCommand = { command: 'flux-oci.bucket.preview' };
const fileCount = 1500;

before(async () => {
  if (!process.env['CI'] && !peerBinary('minio')) return;
  s3 = await startS3Server();
  await s3.makeBucket('assets');
  const objects: [string, string][] = [];
  for (let i = 0; i < fileCount; i++) objects.push([`manifests/cm-${i}.yaml`, `kind: ConfigMap\n# ${i}\n`]);
  objects.push(['dumps/prod.sql', 'z'.repeat(200_000)]);
  objects.push(['media/intro.mp4', 'v'.repeat(120_000)]);
  await s3.putObjects('assets', objects);
});

after(async () => {
  await s3?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-bucket-ws-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const bucket = (endpoint: string, opts: { secret?: string; ignore?: string } = {}) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: assets
  namespace: flux-system
spec:
  interval: 10m
  provider: generic
  bucketName: assets
  endpoint: ${endpoint}
  insecure: true
${opts.secret ? `  secretRef:\n    name: ${opts.secret}\n` : ''}${
  opts.ignore !== undefined
    ? `  ignore: |\n${opts.ignore
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}\n`
    : ''
}`;

const secret = (s: StartedS3Server) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: assets-s3\n  namespace: flux-system\nstringData:\n  accesskey: ${s.accessKey}\n  secretkey: ${s.secretKey}\n`;

/** Applies LSP text edits (non-overlapping) to `text`. */
function applyEdits(
  text: string,
  edits: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }>,
): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start)))
    out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

const plain = (m: string | { value: string }): string => (typeof m === 'string' ? m : m.value);

const noAws = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' };

test('hover and diagnostics show what the Bucket would pack, warning past the thresholds', async (t) => {
  if (!requirePeer(t, 'minio') || !s3) return;
  const ws = workspace({ 'clusters/bucket.yaml': bucket(s3.endpoint, { secret: 'assets-s3', ignore: '*.mp4' }), 'clusters/secret.yaml': secret(s3) });
  const client = await LspClient.start({ workspaceFolders: [ws], env: noAws, settings: { bucket: { maxArtifactBytes: 100_000, maxArtifactFiles: 1000 } } });
  try {
    const uri = fileUri(path.join(ws, 'clusters/bucket.yaml'));
    const text = bucket(s3.endpoint, { secret: 'assets-s3', ignore: '*.mp4' });
    client.open(uri, text);
    const diags = await client.nextDiagnostics(uri, (d) => d.some((x) => x.code === 'bucket/large-artifact'), 30_000);
    const large = diags.find((d) => d.code === 'bucket/large-artifact')!;
    const many = diags.find((d) => d.code === 'bucket/many-files')!;
    assert.equal(large.severity, 2);
    assert.equal(many.severity, 2);
    assert.equal(
      large.range.start.line,
      text.split('\n').findIndex((l) => l.includes('bucketName:')),
    );
    assert.match(plain(large.message), /dumps\/prod\.sql \(195 KiB\)/);
    assert.match(plain(many.message), new RegExp(`would pack ${fileCount + 1} files`));
    assert.ok(!diags.some((d) => d.severity === 1), 'never an error');

    const line = text.split('\n').findIndex((l) => l.includes('bucketName:'));
    const hover = await client.hover(uri, { line, character: 6 });
    const md = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
    assert.match(md, new RegExp(`would pack \\*\\*${fileCount + 1} files`));
    assert.match(md, /`dumps\/prod\.sql` 195 KiB/);
    assert.match(md, /`\*\.mp4` \(spec\.ignore\): 1, 117 KiB/);
    assert.match(md, /Secret 'assets-s3' \(clusters\/secret\.yaml\)/);
    assert.ok(!md.includes(s3.secretKey));

    const answer = await client.executeCommand<Answer<PreviewBucketResult>>(previewBucketCommand.command, [{ uri }]);
    assert.ok(answer.ok, JSON.stringify(answer));
    if (answer.ok) {
      assert.equal(answer.preview.count, fileCount + 1);
      assert.equal(answer.preview.files[0]!.path, 'dumps/prod.sql');
      assert.deepEqual(answer.bucket, { name: 'assets', namespace: 'flux-system', endpoint: s3.endpoint, bucketName: 'assets', prefix: '' });
      assert.ok(!JSON.stringify(answer).includes(s3.secretKey));
    }
    const byName = await client.executeCommand<Answer<PreviewBucketResult>>(previewBucketCommand.command, [
      { name: 'assets', namespace: 'flux-system', refresh: true },
    ]);
    assert.ok(byName.ok && byName.preview.count === fileCount + 1, JSON.stringify(byName).slice(0, 300));
    // The quick fix on the size warning adds the heaviest folder to spec.ignore; the warning goes, the listing is reused.
    const actions = await client.codeActions(uri, large.range, [large]);
    const fix = actions.find((a) => a.title === "Add '/dumps/' to spec.ignore (195 KiB in 1 file)");
    assert.ok(fix, actions.map((a) => a.title).join(' | '));
    const fixed = applyEdits(text, fix.edit!.changes![uri]!);
    assert.match(fixed, /  ignore: \|\n    \*\.mp4\n    \/dumps\/\n/);
    client.replaceAll(uri, fixed);
    const after = await client.nextDiagnostics(
      uri,
      (d) => d.some((x) => x.code === 'bucket/many-files') && !d.some((x) => x.code === 'bucket/large-artifact'),
      30_000,
    );
    assert.ok(after.every((d) => d.severity !== 1));

    // The ignore-rule helper: patterns picked in the preview, as an edit the client applies.
    const helper = await client.executeCommand<{ ok: true; uri: string; edits: Array<{ range: any; newText: string }> } | { ok: false; error: string }>(
      'flux-oci.bucket.addIgnore',
      [{ uri, patterns: ['/dumps/', 'manifests/cm-1*.yaml'] }],
    );
    assert.ok(helper.ok, JSON.stringify(helper));
    if (helper.ok) {
      const withHelper = applyEdits(fixed, helper.edits);
      assert.match(withHelper, /  ignore: \|\n    \*\.mp4\n    \/dumps\/\n    manifests\/cm-1\*\.yaml\n/);
      client.replaceAll(uri, withHelper);
      const again = await client.executeCommand<Answer<PreviewBucketResult>>(previewBucketCommand.command, [{ uri }]);
      assert.ok(again.ok);
      if (again.ok) assert.equal(again.preview.count, fileCount - 611, 'cm-1.yaml, cm-10..19, cm-100..199, cm-1000..1499 are dropped');
    }

    assert.ok(!client.logs.join('\n').includes(s3.secretKey) && !client.stderr.join('').includes(s3.secretKey), 'no credential in the logs');
  } finally {
    await client.stop();
  }
});

test('missing credentials and an unreachable endpoint are information, and offline lists nothing', async (t) => {
  if (!requirePeer(t, 'minio') || !s3) return;
  const closed = `127.0.0.1:${await freePort()}`;
  // Also: a store off loopback (the suite's gate refuses it) and a gcp Bucket are never asked, and get no diagnostic.
  const faraway = bucket('s3.amazonaws.com')
    .replace('name: assets\n  namespace', 'name: faraway\n  namespace')
    .replace('provider: generic', 'provider: aws')
    .replace('  insecure: true\n', '');
  const gcp = bucket('storage.googleapis.com').replace('name: assets\n  namespace', 'name: gcs\n  namespace').replace('provider: generic', 'provider: gcp');
  const text = `${bucket(s3.endpoint, { secret: 'not-here' })}---\n${bucket(closed).replace('name: assets\n  namespace', 'name: offline-store\n  namespace')}---\n${faraway}---\n${gcp}`;
  const ws = workspace({ 'b.yaml': text });
  const client = await LspClient.start({ workspaceFolders: [ws], env: noAws, configuration: true, settings: {} });
  try {
    const uri = fileUri(path.join(ws, 'b.yaml'));
    client.open(uri, text);
    const diags = await client.nextDiagnostics(uri, (d) => d.filter((x) => x.code === 'bucket/not-listed').length === 2, 30_000);
    const infos = diags.filter((d) => d.code === 'bucket/not-listed');
    assert.ok(infos.every((d) => d.severity === 3));
    assert.match(plain(infos[0]!.message), /Secret 'not-here' is not in the workspace, and no AWS credentials are set here/);
    assert.match(plain(infos[1]!.message), /unreachable \(ECONNREFUSED\)/);
    assert.equal(diags.filter((d) => String(d.code ?? '').startsWith('bucket/')).length, 2, 'nothing for the store off loopback nor the gcp Bucket');
    const lines = text.split('\n');
    const farStart = lines.findIndex((l) => l.includes('name: faraway'));
    const farBucket = lines.findIndex((l, i) => i > farStart && l.includes('bucketName:'));
    const farHover = await client.hover(uri, { line: farBucket, character: 4 });
    assert.match(
      farHover && typeof farHover.contents === 'object' && 'value' in farHover.contents ? farHover.contents.value : '',
      /limited to loopback .*s3\.amazonaws\.com is not asked/,
    );

    client.setSettings({ registry: { offline: true } });
    const quiet = await client.nextDiagnostics(uri, (d) => !d.some((x) => String(x.code ?? '').startsWith('bucket/')), 15_000);
    assert.ok(!quiet.some((d) => String(d.code ?? '').startsWith('bucket/')));
    const answer = await client.executeCommand<Answer<PreviewBucketResult>>(previewBucketCommand.command, [{ uri }]);
    assert.deepEqual(answer.ok ? 'ok' : answer.code, 'offline');
  } finally {
    await client.stop();
  }
});
