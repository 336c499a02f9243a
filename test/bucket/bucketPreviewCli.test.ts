// `flux-oci bucket preview` against a real MinIO on 127.0.0.1: the listing walks every page of a
// bucket large in object count, applies the root .sourceignore then spec.ignore with Flux's
// matcher (no default excludes), takes credentials from the workspace Secret, and says what to
// do when it cannot list, never printing a credential.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { requirePeer } from '../peers/goPeers.ts';
import { startS3Server, type StartedS3Server } from '../peers/s3Server.ts';
import { makeWorkspace, runCli } from '../oci/runCli.ts';

let s3: StartedS3Server | undefined;
const workspaces: string[] = [];
const manyCount = 2300; // more than two ListObjectsV2 pages of 1000

/** What the bucket holds, key → content. */
function bucketObjects(): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < manyCount; i++) out.push([`data/part-${String(i).padStart(5, '0')}.yaml`, `i: ${i}\n`]);
  out.push(['apps/podinfo.yaml', 'kind: Deployment\n'.repeat(40)]);
  out.push(['apps/logo.png', 'png bytes']);
  out.push(['apps/keep.png', 'kept by a negation']);
  out.push(['.git/config', '[core]\n']);
  out.push(['.git/objects/ab/cdef', 'blob']);
  out.push(['dumps/db.bak', 'x'.repeat(5000)]);
  out.push(['dumps/notes.txt', 'notes']);
  out.push(['big/model.bin', 'y'.repeat(300_000)]);
  out.push(['empty/', '']);
  out.push(['.sourceignore', '# read from the bucket root\n*.bak\n']);
  out.push(['build/', '']);
  return out;
}

/**
 * What Flux keeps, by the rules written out: .sourceignore `*.bak`, spec.ignore `.git/`, `*.png`, `!keep.png`, `/big/`;
 * the .sourceignore itself is packed (the controller downloads it into the folder it archives).
 */
function expectedFiles(objects: [string, string][]): string[] {
  return objects
    .map(([k]) => k)
    .filter((k) => !k.endsWith('/'))
    .filter((k) => !k.endsWith('.bak') && !k.startsWith('.git/') && !k.startsWith('big/') && !(k.endsWith('.png') && k !== 'apps/keep.png'))
    .sort();
}

const bucketYaml = (endpoint: string, extra = '') => `apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: fleet
  namespace: flux-system
spec:
  interval: 5m
  provider: generic
  bucketName: fleet-data
  endpoint: ${endpoint}
  insecure: true
  secretRef:
    name: minio-creds
  ignore: |
    .git/
    *.png
    !keep.png
    /big/
${extra}`;

before(async () => {
  if (!process.env['CI'] && !(await import('../peers/goPeers.ts')).peerBinary('minio')) return;
  s3 = await startS3Server();
  await s3.makeBucket('fleet-data');
  await s3.putObjects('fleet-data', bucketObjects());
});

after(async () => {
  await s3?.stop();
  for (const w of workspaces) rmSync(w, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const dir = makeWorkspace(files);
  workspaces.push(dir);
  return dir;
}

const noAws = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' };

test('bucket preview lists every page and applies .sourceignore then spec.ignore like source-controller', async (t) => {
  if (!requirePeer(t, 'minio') || !s3) return;
  const ws = workspace({
    'clusters/bucket.yaml': bucketYaml(s3.endpoint),
    'clusters/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: minio-creds\n  namespace: flux-system\nstringData:\n  accesskey: ${s3.accessKey}\n  secretkey: ${s3.secretKey}\n`,
  });
  const started = Date.now();
  const r = await runCli(['bucket', 'preview', 'fleet', '--format', 'json'], { cwd: ws, env: { ...process.env, ...noAws } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const want = expectedFiles(bucketObjects());
  assert.deepEqual(
    out.files.map((f: { path: string }) => f.path),
    want,
  );
  assert.equal(out.count, want.length);
  assert.equal(out.truncated, false);
  assert.equal(out.skipped, 3, 'two folder markers and the .sourceignore key (its file is packed all the same)');
  assert.equal(out.largest[0].path, 'apps/podinfo.yaml');
  const rules = Object.fromEntries(out.dropped.map((d: { rule: string; count: number; from: string }) => [d.rule, `${d.count} ${d.from}`]));
  assert.deepEqual(rules, { '/big/': '1 spec.ignore', '*.bak': '1 .sourceignore', '.git/': '2 spec.ignore', '*.png': '1 spec.ignore' });
  assert.match(out.credentials, /Secret 'minio-creds' \(clusters\/secret\.yaml\)/);
  assert.ok(!r.stdout.includes(s3.secretKey) && !r.stderr.includes(s3.secretKey));
  t.diagnostic(`${bucketObjects().length} objects listed and previewed in ${Date.now() - started} ms (CLI process included)`);

  const text = await runCli(['bucket', 'preview', '-f', 'clusters/bucket.yaml'], { cwd: ws, env: { ...process.env, ...noAws } });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`would pack ${want.length} file\\(s\\)`));
  assert.match(text.stdout, /\*\.bak {2}\(\.sourceignore\) {2}1/);
});

test('without spec.ignore every object is packed, .git/ and images included', async (t) => {
  if (!requirePeer(t, 'minio') || !s3) return;
  const yaml = bucketYaml(s3.endpoint).replace(/ {2}ignore: \|[\s\S]*$/, '');
  const ws = workspace({
    'bucket.yaml': yaml,
    'secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: minio-creds\n  namespace: flux-system\ndata:\n  accesskey: ${Buffer.from(s3.accessKey).toString('base64')}\n  secretkey: ${Buffer.from(s3.secretKey).toString('base64')}\n`,
  });
  const r = await runCli(['bucket', 'preview', 'fleet', '-o', 'json'], { cwd: ws, env: { ...process.env, ...noAws } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const paths: string[] = out.files.map((f: { path: string }) => f.path);
  assert.ok(paths.includes('.git/config') && paths.includes('apps/logo.png') && paths.includes('big/model.bin'));
  assert.ok(!paths.includes('dumps/db.bak'), 'the root .sourceignore still applies');
  assert.equal(out.count, bucketObjects().length - 2 - 1, 'all but the two folder markers and the .bak the root .sourceignore drops');
});

test('credentials: AWS environment when the Secret is not in the workspace; clear refusals otherwise', async (t) => {
  if (!requirePeer(t, 'minio') || !s3) return;
  const ws = workspace({ 'bucket.yaml': bucketYaml(s3.endpoint, '  prefix: apps/\n') });
  const viaEnv = await runCli(['bucket', 'preview', 'fleet', '--format', 'json'], {
    cwd: ws,
    env: { ...process.env, ...noAws, AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey },
  });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  const out = JSON.parse(viaEnv.stdout);
  assert.deepEqual(
    out.files.map((f: { path: string }) => f.path),
    ['.sourceignore', 'apps/keep.png', 'apps/podinfo.yaml'], // the root .sourceignore is fetched whatever the prefix
  );
  assert.match(out.credentials, /not in the workspace; using AWS_ACCESS_KEY_ID/);

  const none = await runCli(['bucket', 'preview', 'fleet'], { cwd: ws, env: { ...process.env, ...noAws } });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /Secret 'minio-creds' is not in the workspace, and no AWS credentials are set here/);

  const wrong = await runCli(['bucket', 'preview', 'fleet'], {
    cwd: ws,
    env: { ...process.env, ...noAws, AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: 'not-the-secret-key' },
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /access denied \(SignatureDoesNotMatch\)/);
  assert.ok(!wrong.stderr.includes('not-the-secret-key'));

  // provider aws without secretRef: the AWS credentials of the environment (or ~/.aws), like the controller's AWS SDK chain.
  const aws = workspace({
    'bucket.yaml': bucketYaml(s3.endpoint, '  region: us-east-1\n  prefix: apps/\n')
      .replace('provider: generic', 'provider: aws')
      .replace(/  secretRef:\n    name: minio-creds\n/, ''),
  });
  const home = workspace({
    '.aws/credentials': `[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n[ci]\naws_access_key_id = ${s3.accessKey}\naws_secret_access_key = ${s3.secretKey}\n`,
  });
  const viaProfile = await runCli(['bucket', 'preview', 'fleet', '--format', 'json'], {
    cwd: aws,
    env: { ...process.env, ...noAws, AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws/credentials'), AWS_PROFILE: 'ci' },
  });
  assert.equal(viaProfile.code, 0, viaProfile.stderr);
  assert.equal(JSON.parse(viaProfile.stdout).count, 3);
  assert.match(JSON.parse(viaProfile.stdout).credentials, /profile 'ci' of .*credentials/);
  const noneAws = await runCli(['bucket', 'preview', 'fleet'], { cwd: aws, env: { ...process.env, ...noAws } });
  assert.equal(noneAws.code, 1);
  assert.match(noneAws.stderr, /provider aws without spec.secretRef uses the cluster's AWS identity, and no AWS credentials are set here/);

  const missingBucket = workspace({ 'bucket.yaml': bucketYaml(s3.endpoint).replace('fleet-data', 'no-such-bucket') });
  const nb = await runCli(['bucket', 'preview', 'fleet'], {
    cwd: missingBucket,
    env: { ...process.env, ...noAws, AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey },
  });
  assert.equal(nb.code, 1);
  assert.match(nb.stderr, /bucket 'no-such-bucket' not found/);
});

test('a Bucket off loopback is never asked under the test gate', async (t) => {
  const ws = workspace({ 'bucket.yaml': bucketYaml('s3.amazonaws.com').replace('insecure: true', 'insecure: false') });
  const r = await runCli(['bucket', 'preview', 'fleet'], {
    cwd: ws,
    env: { ...process.env, ...noAws, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', FLUX_OCI_REGISTRY_LOOPBACK_ONLY: '1' },
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /limited to loopback .* s3\.amazonaws\.com is not asked/);
  void t;
});
