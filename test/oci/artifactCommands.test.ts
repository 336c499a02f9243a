// The story of a CI pipeline and an operator using `flux-oci ... artifact`
// against a real registry (Debian's docker-registry) on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { makeWorkspace, repoRoot, runCli } from './runCli.ts';

const require = createRequire(import.meta.url);
const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
let registry: StartedRegistry;
let ws: string;

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  ws = makeWorkspace();
});
after(async () => {
  await registry?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

test('CI pushes a folder, then an operator pulls identical files back', { skip }, async () => {
  const url = `oci://${registry.host}/team/app:v1.0.0`;
  const push = await runCli(
    ['push', 'artifact', url, '--path', 'deploy', '--source', 'https://github.com/org/app', '--revision', 'main@sha1:0123abc', '-o', 'json'],
    { cwd: ws },
  );
  assert.equal(push.code, 0, push.stderr);
  const pushed = JSON.parse(push.stdout) as { url: string; digest: string; repository: string; tag: string };
  assert.match(pushed.digest, /^sha256:[a-f0-9]{64}$/);
  assert.equal(pushed.url, `oci://${registry.host}/team/app@${pushed.digest}`);
  assert.equal(pushed.tag, 'v1.0.0');
  assert.match(push.stderr, /✔ artifact successfully pushed/);

  const pull = await runCli(['pull', 'artifact', url, '--output', 'out', '--format', 'json'], { cwd: ws });
  assert.equal(pull.code, 0, pull.stderr);
  assert.match(pull.stderr, /source https:\/\/github.com\/org\/app/);
  assert.match(pull.stderr, /revision main@sha1:0123abc/);
  const pulled = JSON.parse(pull.stdout) as { digest: string; files: number };
  assert.equal(pulled.digest, pushed.digest);
  // logo.png is left out by flux's default ignore rules
  assert.deepEqual(listFiles(path.join(ws, 'out')), ['apps/deployment.yaml', 'namespace.yaml']);
  for (const f of ['apps/deployment.yaml', 'namespace.yaml']) {
    assert.equal(readFileSync(path.join(ws, 'out', f), 'utf8'), readFileSync(path.join(ws, 'deploy', f), 'utf8'));
  }
});

test('pulling into a folder that has files refuses and leaves it untouched', { skip }, async () => {
  mkdirSync(path.join(ws, 'busy'), { recursive: true });
  writeFileSync(path.join(ws, 'busy', 'keep.txt'), 'mine');
  const pull = await runCli(['pull', 'artifact', `oci://${registry.host}/team/app:v1.0.0`, '-o', 'busy'], { cwd: ws });
  assert.equal(pull.code, 1);
  assert.match(pull.stderr, /not empty/);
  assert.deepEqual(readdirSync(path.join(ws, 'busy')), ['keep.txt']);
});

test('pulling a tag that does not exist says so and writes nothing', { skip }, async () => {
  const pull = await runCli(['pull', 'artifact', `oci://${registry.host}/team/app:v9.9.9`, '-o', 'nothing'], { cwd: ws });
  assert.equal(pull.code, 1);
  assert.match(pull.stderr, /✗ artifact 127\.0\.0\.1:\d+\/team\/app:v9\.9\.9 not found/);
  assert.equal(existsSync(path.join(ws, 'nothing')), false);
});

test(
  'skopeo, an independent client, reads back exactly the manifest we pushed',
  { skip: skip || (spawnSync('sh', ['-c', 'command -v skopeo']).status !== 0 ? 'skopeo not installed' : false) },
  async () => {
    const push = await runCli(
      ['push', 'artifact', `oci://${registry.host}/team/skopeo:v1`, '-f', 'deploy', '--source', 'https://x/y', '--revision', 'r1', '-o', 'json'],
      { cwd: ws },
    );
    assert.equal(push.code, 0, push.stderr);
    const { digest } = JSON.parse(push.stdout) as { digest: string };
    const raw = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/team/skopeo:v1`], { encoding: 'buffer' });
    assert.equal(raw.status, 0, raw.stderr.toString());
    assert.equal(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`, digest);
    const manifest = JSON.parse(raw.stdout.toString()) as {
      config: { mediaType: string };
      layers: Array<{ mediaType: string }>;
      annotations: Record<string, string>;
    };
    assert.equal(manifest.config.mediaType, 'application/vnd.cncf.flux.config.v1+json');
    assert.deepEqual(
      manifest.layers.map((l) => l.mediaType),
      ['application/vnd.cncf.flux.content.v1.tar+gzip'],
    );
    assert.equal(manifest.annotations['org.opencontainers.image.source'], 'https://x/y');
    const tags = spawnSync('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/team/skopeo`], { encoding: 'utf8' });
    assert.deepEqual((JSON.parse(tags.stdout) as { Tags: string[] }).Tags, ['v1']);
  },
);

test('tagging keeps the digest; list shows every tag with digest, source and revision', { skip }, async () => {
  const base = `oci://${registry.host}/team/app`;
  const first = JSON.parse(
    (
      await runCli(
        ['push', 'artifact', `${base}:v1.0.0`, '-f', 'deploy', '--source', 'https://github.com/org/app', '--revision', 'main@sha1:0123abc', '-o', 'json'],
        { cwd: ws },
      )
    ).stdout,
  ) as { digest: string };
  const tag = await runCli(['tag', 'artifact', `${base}:v1.0.0`, '--tag', 'latest', '-t', 'v1.1.0-rc.1,v2.0.0', '-o', 'json'], { cwd: ws });
  assert.equal(tag.code, 0, tag.stderr);
  assert.equal((JSON.parse(tag.stdout) as { digest: string }).digest, first.digest);
  const list = await runCli(['list', 'artifacts', base, '-o', 'json'], { cwd: ws });
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as Array<{ tag: string; digest: string; source: string; revision: string; created: string }>;
  assert.deepEqual(
    rows.map((r) => r.tag),
    ['v2.0.0', 'v1.1.0-rc.1', 'v1.0.0', 'latest'],
  );
  for (const r of rows) {
    assert.equal(r.digest, first.digest);
    assert.equal(r.source, 'https://github.com/org/app');
    assert.equal(r.revision, 'main@sha1:0123abc');
    assert.match(r.created, /^\d{4}-\d{2}-\d{2}T/);
  }
  const table = await runCli(['list', 'artifacts', base], { cwd: ws });
  assert.match(table.stdout, /^ARTIFACT\s+DIGEST\s+SOURCE\s+REVISION\s+CREATED\n/);
  assert.match(table.stdout, new RegExp(`${registry.host}/team/app:v2\\.0\\.0\\s+${first.digest}`));
});

test('list filters tags with Flux semver rules and RE2 regexes', { skip }, async () => {
  const base = `oci://${registry.host}/team/app`;
  const semver = await runCli(['list', 'artifacts', base, '--filter-semver', '>=1.0.0 <2.0.0', '-o', 'json'], { cwd: ws });
  assert.equal(semver.code, 0, semver.stderr);
  // Masterminds: a prerelease only matches a range that names one
  assert.deepEqual(
    (JSON.parse(semver.stdout) as Array<{ tag: string }>).map((r) => r.tag),
    ['v1.0.0'],
  );
  const pre = await runCli(['list', 'artifacts', base, '--filter-semver', '>=1.0.0-0', '-o', 'json'], { cwd: ws });
  assert.deepEqual(
    (JSON.parse(pre.stdout) as Array<{ tag: string }>).map((r) => r.tag),
    ['v2.0.0', 'v1.1.0-rc.1', 'v1.0.0'],
  );
  const regex = await runCli(['list', 'artifacts', base, '--filter-regex', 'rc', '-o', 'json'], { cwd: ws });
  assert.deepEqual(
    (JSON.parse(regex.stdout) as Array<{ tag: string }>).map((r) => r.tag),
    ['v1.1.0-rc.1'],
  );
  const bad = await runCli(['list', 'artifacts', base, '--filter-semver', '>=x.y'], { cwd: ws });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--filter-semver/);
});

test('diff shows which files changed, file by file', { skip }, async () => {
  const url = `oci://${registry.host}/team/diff:v1`;
  assert.equal((await runCli(['push', 'artifact', url, '-f', 'deploy', '--source', 's', '--revision', 'r'], { cwd: ws })).code, 0);
  const same = await runCli(['diff', 'artifact', url, '-f', 'deploy'], { cwd: ws });
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stderr, /no changes: 2 files identical/);

  const changed = makeWorkspace({ 'deploy/apps/deployment.yaml': 'changed: true\n', 'deploy/extra.yaml': 'new: file\n' });
  rmSync(path.join(changed, 'deploy', 'namespace.yaml'));
  const diff = await runCli(['diff', 'artifact', url, '--path', 'deploy', '--format', 'summary'], { cwd: changed });
  assert.equal(diff.code, 1);
  assert.deepEqual(diff.stdout.trim().split('\n'), ['~ apps/deployment.yaml', '- extra.yaml', '+ namespace.yaml']);
  assert.match(diff.stderr, /differ from the local ones: 3 file/);
  const json = await runCli(['diff', 'artifact', url, '--path', 'deploy', '-o', 'json'], { cwd: changed });
  const result = JSON.parse(json.stdout) as { identical: boolean; changes: Array<{ kind: string; path: string }> };
  assert.equal(result.identical, false);
  assert.deepEqual(
    result.changes.map((c) => `${c.kind} ${c.path}`),
    ['modified apps/deployment.yaml', 'removed extra.yaml', 'added namespace.yaml'],
  );
  rmSync(changed, { recursive: true, force: true });
});

test('--ignore-paths adds to the default ignores; --replace-default-ignores gives flux behaviour', { skip }, async () => {
  const url = `oci://${registry.host}/team/ignores`;
  await runCli(['push', 'artifact', `${url}:add`, '-f', 'deploy', '--source', 's', '--revision', 'r', '--ignore-paths', 'apps/'], { cwd: ws });
  await runCli(['pull', 'artifact', `${url}:add`, '-o', 'ign-add'], { cwd: ws });
  assert.deepEqual(listFiles(path.join(ws, 'ign-add')), ['namespace.yaml']);
  await runCli(
    ['push', 'artifact', `${url}:replace`, '-f', 'deploy', '--source', 's', '--revision', 'r', '--ignore-paths', 'apps/', '--replace-default-ignores'],
    { cwd: ws },
  );
  await runCli(['pull', 'artifact', `${url}:replace`, '-o', 'ign-replace'], { cwd: ws });
  assert.deepEqual(listFiles(path.join(ws, 'ign-replace')), ['logo.png', 'namespace.yaml']);
});

test('build writes the layer push would upload, and --reproducible pushes give one digest', { skip }, async () => {
  const build = await runCli(['build', 'artifact', '-p', 'deploy', '-o', 'artifact.tgz', '--format', 'json'], { cwd: ws });
  assert.equal(build.code, 0, build.stderr);
  const built = JSON.parse(build.stdout) as { digest: string; files: number };
  assert.equal(
    `sha256:${createHash('sha256')
      .update(readFileSync(path.join(ws, 'artifact.tgz')))
      .digest('hex')}`,
    built.digest,
  );
  assert.equal(built.files, 2);
  const args = (tag: string) => [
    'push',
    'artifact',
    `oci://${registry.host}/team/repro:${tag}`,
    '-f',
    'deploy',
    '--source',
    's',
    '--revision',
    'r',
    '--reproducible',
    '-o',
    'json',
  ];
  const a = JSON.parse((await runCli(args('a'), { cwd: ws })).stdout) as { digest: string; layer: { digest: string } };
  const b = JSON.parse((await runCli(args('b'), { cwd: ws })).stdout) as { digest: string; layer: { digest: string; upload: string } };
  assert.equal(a.digest, b.digest);
  assert.equal(a.layer.digest, built.digest);
  assert.equal(b.layer.upload, 'exists');
});

test('usage mistakes get exit code 2 and a pointer to --help', { skip }, async () => {
  const noPath = await runCli(['push', 'artifact', `oci://${registry.host}/x:v1`], { cwd: ws });
  assert.equal(noPath.code, 2);
  assert.match(noPath.stderr, /--path is required/);
  const badUrl = await runCli(['pull', 'artifact', `${registry.host}/x:v1`, '-o', 'o'], { cwd: ws });
  assert.equal(badUrl.code, 1);
  assert.match(badUrl.stderr, /URL must be in format 'oci:\/\/<domain>\/<org>\/<repo>'/);
  const unknown = await runCli(['tag', 'artifact', `oci://${registry.host}/x:v1`, '--tags', 'a'], { cwd: ws });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--help/);
  const help = await runCli(['push', 'artifact', '--help'], { cwd: ws });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--replace-default-ignores/);
});

test('a Helm chart artifact: the chart layer is selected by media type and copied as it is', { skip }, async () => {
  const domain = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
  const { RegistryClient, digestOf } = domain.registry;
  const client = new RegistryClient({ registry: registry.host });
  const chart = spawnSync('sh', ['-c', 'cd "$0" && tar czf - deploy', ws], { encoding: 'buffer' }).stdout;
  const prov = Buffer.from('-----BEGIN PGP SIGNED MESSAGE-----\nprovenance\n');
  const config = Buffer.from('{"name":"app","version":"1.2.3"}');
  const blob = (b: Buffer) => ({ digest: digestOf(b), size: b.length, open: () => Readable.from([b]) });
  try {
    for (const b of [chart, prov, config]) await client.uploadBlob('charts/app', blob(b));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: digestOf(config), size: config.length },
        // charts pushed with provenance often list it first
        layers: [
          { mediaType: 'application/vnd.cncf.helm.chart.provenance.v1.prov', digest: digestOf(prov), size: prov.length },
          { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: digestOf(chart), size: chart.length },
        ],
      }),
    );
    await client.putManifest('charts/app', '1.2.3', manifest, 'application/vnd.oci.image.manifest.v1+json');
  } finally {
    await client.close();
  }
  const url = `oci://${registry.host}/charts/app:1.2.3`;
  const copy = await runCli(
    ['pull', 'artifact', url, '-o', 'app-1.2.3.tgz', '--layer-media-type', 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', '--layer-operation', 'copy'],
    { cwd: ws },
  );
  assert.equal(copy.code, 0, copy.stderr);
  assert.deepEqual(readFileSync(path.join(ws, 'app-1.2.3.tgz')), chart);
  // Without a selector the first layer (provenance, not gzip) is stored as it is, like flux pull.
  mkdirSync(path.join(ws, 'first-layer'));
  const first = await runCli(['pull', 'artifact', url, '-o', 'first-layer'], { cwd: ws });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(readdirSync(path.join(ws, 'first-layer')), ['app']);
  assert.deepEqual(readFileSync(path.join(ws, 'first-layer', 'app')), prov);
  const missing = await runCli(['pull', 'artifact', url, '-o', 'none', '--layer-media-type', 'application/vnd.cncf.flux.content.v1.tar+gzip'], { cwd: ws });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /failed to find layer with media type application\/vnd\.cncf\.flux\.content\.v1\.tar\+gzip/);
});
