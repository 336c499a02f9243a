// The real source-controller v1.9.4 (test control plane: etcd, kube-apiserver, Flux's CRDs) packs
// a Bucket from a real MinIO, and the file list (with sizes) of the artifact it stores equals
// what `flux-oci bucket preview` says it would pack — for rules where go-git's matcher and git
// disagree (a negation under an excluded folder, `**` in the middle, character classes,
// anchored and directory-only patterns), a root .sourceignore, folder markers, a prefix, and
// a bucket spanning more than one ListObjectsV2 page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { peerBinary } from '../peers/goPeers.ts';
import { startS3Server, type StartedS3Server } from '../peers/s3Server.ts';
import { makeWorkspace, runCli } from '../oci/runCli.ts';

const ns = 'flux-system';
const pageSpan = 1050;

function objects(): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < pageSpan; i++) out.push([`data/obj-${String(i).padStart(4, '0')}.yaml`, `n: ${i}\n${'#'.repeat(i % 17)}\n`]);
  const add = (k: string, body: string) => out.push([k, body]);
  add('.sourceignore', '# root rules\n*.tmp\n/scratch/\n');
  add('README.md', 'readme');
  add('docs/guide.md', 'guide');
  add('docs/README.md', 'nested readme');
  add('dumps/db.sql', 'x'.repeat(3000));
  add('dumps/keep.sql', 'keep me'); // '!dumps/keep.sql' after 'dumps/': git keeps it out, go-git lets it in
  add('a/b/c/z.yaml', 'deep z');
  add('a/z.yaml', 'shallow z');
  add('a/b/y.yaml', 'y');
  add('logs/1.txt', 'one');
  add('logs/x.txt', 'x');
  add('tmp/cache.tmp', 'cache');
  add('scratch/notes', 'n');
  add('sub/scratch/notes', 'kept: /scratch/ is anchored');
  add('images/logo.png', 'png');
  add('.git/HEAD', 'ref: refs/heads/main');
  add('empty/', '');
  add('app/v1/deploy.yaml', 'kind: Deployment');
  add('app/v1/secret.enc', 'enc');
  return out;
}

const ignore = ['*.md', '!README.md', 'dumps/', '!dumps/keep.sql', 'a/**/z.yaml', 'logs/[0-9].txt', '**/*.enc'].join('\n');

describe('source-controller packs what bucket preview says', { timeout: 600_000 }, () => {
  let cp: ControlPlane | undefined;
  let s3: StartedS3Server | undefined;
  let ws = '';
  let missing = '';
  let ready = false;

  before(async () => {
    if (!peerBinary('minio')) {
      missing = 'minio is not built; run: bash scripts/peers/build.sh minio';
      if (process.env['CI']) throw new Error(`${missing} (CI must build every peer)`);
      return;
    }
    if (!requireControlPlane({ skip: (m) => void (missing = m ?? 'control plane peers missing') }, ['source-controller'])) return;
    [cp, s3] = await Promise.all([startControlPlane({ controllers: ['source-controller'] }), startS3Server()]);
    await s3.makeBucket('fleet');
    await s3.putObjects('fleet', objects());
    const secret = await cp.api('POST', `/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'fleet-s3', namespace: ns },
      stringData: { accesskey: s3.accessKey, secretkey: s3.secretKey },
    });
    assert.equal(secret.status, 201, JSON.stringify(secret.body));
    ws = makeWorkspace({
      'flux/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: fleet-s3\n  namespace: ${ns}\nstringData:\n  accesskey: ${s3.accessKey}\n  secretkey: ${s3.secretKey}\n`,
    });
    ready = true;
  });

  after(async () => {
    await Promise.all([cp?.stop(), s3?.stop()]);
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  function bucketObject(name: string, spec: Record<string, unknown>) {
    return {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'Bucket',
      metadata: { name, namespace: ns },
      spec: { interval: '10m', provider: 'generic', bucketName: 'fleet', endpoint: s3!.endpoint, insecure: true, secretRef: { name: 'fleet-s3' }, ...spec },
    };
  }

  /** source-controller's artifact: [path, size] of every regular file in the tarball it stored. */
  async function controllerFiles(name: string, spec: Record<string, unknown>): Promise<{ files: [string, number][]; seconds: number }> {
    const t0 = Date.now();
    const created = await cp!.api('POST', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/buckets`, bucketObject(name, spec));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    let artifact: { path: string } | undefined;
    let last = '';
    const deadline = Date.now() + 180_000;
    while (!artifact) {
      const r = await cp!.api('GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/buckets/${name}`);
      const ready = (r.body?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
      last = JSON.stringify(ready ?? r.body?.status ?? {});
      if (ready?.status === 'True' && r.body.status.artifact) artifact = r.body.status.artifact;
      else if (Date.now() > deadline) assert.fail(`Bucket ${name} not Ready after 180 s: ${last}\n${cp!.logTail('source-controller', 2000)}`);
      else await new Promise((res) => setTimeout(res, 500));
    }
    const file = path.join(cp!.dir, 'storage', artifact.path);
    const tar = spawnSync('tar', ['-tvzf', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(tar.status, 0, tar.stderr);
    const files: [string, number][] = [];
    for (const line of tar.stdout.split('\n')) {
      const m = /^(\S+)\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.*)$/.exec(line);
      if (!m || !m[1]!.startsWith('-')) continue; // regular files only
      files.push([m[3]!.replace(/^\.\//, ''), Number(m[2])]);
    }
    files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { files, seconds: (Date.now() - t0) / 1000 };
  }

  async function previewFiles(name: string, specYaml: string): Promise<[string, number][]> {
    const file = `flux/${name}.yaml`;
    const yaml = `apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  interval: 10m
  provider: generic
  bucketName: fleet
  endpoint: ${s3!.endpoint}
  insecure: true
  secretRef:
    name: fleet-s3
${specYaml}`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(ws, file), yaml);
    const r = await runCli(['bucket', 'preview', name, '-n', ns, '--format', 'json'], {
      cwd: ws,
      env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    });
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { files: { path: string; size: number }[] }).files.map((f) => [f.path, f.size]);
  }

  const block = (s: string) =>
    `  ignore: |\n${s
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`;

  it('with spec.ignore rules where go-git and git disagree, over two listing pages', async (t) => {
    if (!ready) return t.skip(missing);
    const [controller, ours] = await Promise.all([controllerFiles('rules', { ignore }), previewFiles('rules', block(ignore))]);
    assert.deepEqual(ours, controller.files);
    const paths = ours.map(([p]) => p);
    assert.ok(paths.includes('dumps/keep.sql'), 'go-git re-includes under an excluded folder');
    assert.ok(paths.includes('a/z.yaml') === false && paths.includes('a/b/c/z.yaml') === false && paths.includes('a/b/y.yaml'));
    assert.ok(paths.includes('.sourceignore') && paths.includes('sub/scratch/notes') && !paths.includes('scratch/notes'));
    t.diagnostic(`${controller.files.length} files: source-controller packed them in ${controller.seconds.toFixed(1)} s; the lists are equal`);
  });

  it('without spec.ignore (only the root .sourceignore) and with a prefix', async (t) => {
    if (!ready) return t.skip(missing);
    const [all, allOurs] = await Promise.all([controllerFiles('everything', {}), previewFiles('everything', '')]);
    assert.deepEqual(allOurs, all.files);
    assert.ok(allOurs.some(([p]) => p === '.git/HEAD') && allOurs.some(([p]) => p === 'images/logo.png'), 'no default excludes for Buckets');
    const [pre, preOurs] = await Promise.all([
      controllerFiles('prefixed', { prefix: 'app/', ignore: '*.enc' }),
      previewFiles('prefixed', `  prefix: app/\n${block('*.enc')}`),
    ]);
    assert.deepEqual(preOurs, pre.files);
    assert.deepEqual(
      preOurs.map(([p]) => p),
      ['.sourceignore', 'app/v1/deploy.yaml'],
    );
  });
});
