// Issue 14: `flux-oci diff artifact A B` and `A -f folder` as a process against Debian's
// docker-registry on 127.0.0.1 with two pushed tags: a unified diff of what changed (binary
// files summarised), summary and JSON formats, exit 1 when different and 0 when equal; the
// artifact cache lets a digest comparison run with the registry gone, and a tag falls back
// to the digest it last had.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { makeWorkspace, runCli } from './runCli.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
let registry: StartedRegistry;
let ws: string;
let cacheDir: string;
let base: string;
const digests: Record<string, string> = {};

const cli = (args: string[], cwd = ws) => runCli(args, { cwd, env: { FLUX_OCI_ARTIFACT_CACHE: cacheDir } });

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  cacheDir = mkdtempSync(path.join(tmpdir(), 'flux-oci-artifact-cache-'));
  ws = makeWorkspace({
    'deploy/apps/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n',
    'deploy/old.yaml': 'kind: ConfigMap\n',
    'deploy/blob.dat': Buffer.from([0, 1, 2, 3]).toString('latin1'),
  });
  base = `oci://${registry.host}/team/diffs`;
  const push = async (tag: string) => {
    const r = await cli([
      'push',
      'artifact',
      `${base}:${tag}`,
      '-f',
      'deploy',
      '--source',
      'https://github.com/org/app',
      '--revision',
      `${tag}@sha1:0123abc`,
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    digests[tag] = (JSON.parse(r.stdout) as { digest: string }).digest;
  };
  await push('v1');
  writeFileSync(path.join(ws, 'deploy/apps/deployment.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n');
  unlinkSync(path.join(ws, 'deploy/old.yaml'));
  writeFileSync(path.join(ws, 'deploy/new.yaml'), 'kind: Secret\n');
  writeFileSync(path.join(ws, 'deploy/blob.dat'), Buffer.from([0, 9, 9, 9]));
  await push('v2');
});
after(async () => {
  await registry?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

test('tag to tag: a unified diff of the changed files, binary ones summarised, exit 1', { skip }, async () => {
  const r = await cli(['diff', 'artifact', `${base}:v1`, `${base}:v2`]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stdout,
    [
      'diff --git a/apps/deployment.yaml b/apps/deployment.yaml',
      '--- a/apps/deployment.yaml',
      '+++ b/apps/deployment.yaml',
      '@@ -3,4 +3,4 @@',
      ' metadata:',
      '   name: web',
      ' spec:',
      '-  replicas: 1',
      '+  replicas: 3',
      'diff --git a/blob.dat b/blob.dat',
      'Binary files a/blob.dat and b/blob.dat differ',
      'diff --git a/new.yaml b/new.yaml',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/new.yaml',
      '@@ -0,0 +1 @@',
      '+kind: Secret',
      'diff --git a/old.yaml b/old.yaml',
      'deleted file mode 100644',
      '--- a/old.yaml',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-kind: ConfigMap',
      '',
    ].join('\n'),
  );
  assert.match(r.stderr, /✗ 127\.0\.0\.1:\d+\/team\/diffs:v1 and 127\.0\.0\.1:\d+\/team\/diffs:v2 differ: 4 files changed/);
});

test('the same artifact twice is identical: exit 0 and nothing on stdout', { skip }, async () => {
  const r = await cli(['diff', 'artifact', `${base}:v2`, `${base}@${digests['v2']}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /✔ no changes: .* hold the same 4 files/);
});

test('digest to digest in summary and json formats', { skip }, async () => {
  const a = `${base}@${digests['v1']}`;
  const b = `${base}@${digests['v2']}`;
  const summary = await cli(['diff', 'artifact', a, b, '--format', 'summary']);
  assert.equal(summary.code, 1);
  assert.deepEqual(summary.stdout.trim().split('\n'), ['~ apps/deployment.yaml', '~ blob.dat', '+ new.yaml', '- old.yaml']);
  const json = await cli(['diff', 'artifact', a, b, '--format', 'json']);
  assert.equal(json.code, 1);
  const result = JSON.parse(json.stdout) as {
    identical: boolean;
    before: { digest: string; revision: string };
    after: { digest: string };
    changes: Array<{ kind: string; path: string; content: string }>;
  };
  assert.equal(result.identical, false);
  assert.equal(result.before.digest, digests['v1']);
  assert.equal(result.before.revision, 'v1@sha1:0123abc');
  assert.equal(result.after.digest, digests['v2']);
  assert.deepEqual(
    result.changes.map((c) => `${c.kind} ${c.path} ${c.content}`),
    ['modified apps/deployment.yaml text', 'modified blob.dat binary', 'added new.yaml text', 'removed old.yaml text'],
  );
});

test('tag to folder: the folder is read with push ignore rules, the artifact is the new side', { skip }, async () => {
  // deploy/ now holds v2's files (logo.png is ignored by flux's defaults on the folder side).
  const same = await cli(['diff', 'artifact', `${base}:v2`, '-f', 'deploy']);
  assert.equal(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stderr, /no changes: 4 files identical/);
  const older = await cli(['diff', 'artifact', `${base}:v1`, '--path', 'deploy']);
  assert.equal(older.code, 1);
  assert.match(older.stdout, /^-  replicas: 3\n\+  replicas: 1$/m);
  assert.match(older.stdout, /^diff --git a\/old.yaml b\/old.yaml\nnew file mode 100644$/m, 'only in the artifact = added');
  assert.match(older.stderr, /differ from the local ones: 4 files changed/);
  const json = await cli(['diff', 'artifact', `${base}:v1`, '-f', 'deploy', '-o', 'json']);
  const r = JSON.parse(json.stdout) as {
    url: string;
    digest: string;
    identical: boolean;
    localFiles: number;
    remoteFiles: number;
    changes: Array<{ kind: string; path: string; local?: unknown; remote?: unknown }>;
  };
  assert.equal(r.digest, digests['v1']);
  assert.equal(r.localFiles, 4);
  assert.deepEqual(
    r.changes.map((c) => `${c.kind} ${c.path} ${c.local ? 'L' : ''}${c.remote ? 'R' : ''}`),
    ['modified apps/deployment.yaml LR', 'modified blob.dat LR', 'removed new.yaml L', 'added old.yaml R'],
  );
});

test('usage errors say what to give', { skip }, async () => {
  const none = await cli(['diff', 'artifact', `${base}:v1`]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--path is required with one URL/);
  const both = await cli(['diff', 'artifact', `${base}:v1`, `${base}:v2`, '-f', 'deploy']);
  assert.equal(both.code, 2);
  const fmt = await cli(['diff', 'artifact', `${base}:v1`, `${base}:v2`, '--format', 'html']);
  assert.equal(fmt.code, 2);
  assert.match(fmt.stderr, /--format must be unified, summary or json/);
  const size = await runCli(['diff', 'artifact', `${base}:v1`, `${base}:v2`], {
    cwd: ws,
    env: { FLUX_OCI_ARTIFACT_CACHE: cacheDir, FLUX_OCI_ARTIFACT_CACHE_SIZE: 'lots' },
  });
  assert.equal(size.code, 2);
  assert.match(size.stderr, /FLUX_OCI_ARTIFACT_CACHE_SIZE must be a size such as/);
});

test('with the registry gone, cached digests still compare and tags use the digest they last had', { skip }, async () => {
  await registry.stop();
  const byDigest = await cli(['diff', 'artifact', `${base}@${digests['v1']}`, `${base}@${digests['v2']}`, '--format', 'summary']);
  assert.equal(byDigest.code, 1, byDigest.stderr);
  assert.equal(byDigest.stdout.trim().split('\n').length, 4);
  const byTag = await cli(['diff', 'artifact', `${base}:v1`, `${base}:v2`, '--format', 'summary', '--timeout', '20s']);
  assert.equal(byTag.code, 1, byTag.stderr);
  assert.match(byTag.stderr, /the registry cannot be reached: .*:v1 is read as it was on/);
  // The cache holds only its own folders.
  assert.deepEqual(readdirSync(cacheDir).sort(), ['layers', 'manifests', 'refs', 'staging']);
  assert.equal(readdirSync(path.join(cacheDir, 'layers')).length, 2);
});
