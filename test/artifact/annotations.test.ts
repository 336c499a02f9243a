// The manifest annotations: source and revision come from the workspace's git
// repository when not given, and a token in the remote URL never reaches them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { artifact, tempDir, writeTree } from './tree.ts';

const created = 'org.opencontainers.image.created';
const source = 'org.opencontainers.image.source';
const revision = 'org.opencontainers.image.revision';

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: cwd,
    },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

function repoWithCommit(remote: string) {
  const t = tempDir();
  writeTree(t.dir, { 'deploy/app.yaml': 'a: 1\n' });
  git(t.dir, 'init', '-q', '-b', 'main');
  git(t.dir, 'add', '.');
  git(t.dir, 'commit', '-q', '-m', 'init');
  git(t.dir, 'remote', 'add', 'origin', remote);
  return { t, sha: git(t.dir, 'rev-parse', 'HEAD') };
}

test('source and revision are read from git: origin URL and <branch>@sha1:<HEAD>', async () => {
  const { t, sha } = repoWithCommit('https://github.com/example/fleet.git');
  using _ = t;
  const a = await artifact.artifactAnnotations({ cwd: t.dir, env: {} });
  assert.equal(a[source], 'https://github.com/example/fleet.git');
  assert.equal(a[revision], `main@sha1:${sha}`);
  assert.match(a[created]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'RFC 3339, UTC, whole seconds like flux');
  assert.deepEqual(Object.keys(a), [...Object.keys(a)].sort(), 'keys sorted as Go writes them');
});

test('a token in the remote URL is stripped; ssh users are kept', async () => {
  const { t } = repoWithCommit('https://x-access-token:ghs_SECRET123@github.com/example/fleet.git');
  using _ = t;
  const a = await artifact.artifactAnnotations({ cwd: t.dir, env: {} });
  assert.equal(a[source], 'https://github.com/example/fleet.git');
  assert.ok(!JSON.stringify(a).includes('SECRET'), 'no token anywhere');
  assert.equal(artifact.stripUrlCredentials('https://TOKEN@gitlab.example/g/p.git'), 'https://gitlab.example/g/p.git');
  assert.equal(artifact.stripUrlCredentials('ssh://git:pw@host.example/r.git'), 'ssh://git@host.example/r.git');
  assert.equal(artifact.stripUrlCredentials('git@github.com:org/repo.git'), 'git@github.com:org/repo.git');
  const explicit = await artifact.artifactAnnotations({ cwd: t.dir, source: 'https://u:p@host.example/r', revision: 'v1' });
  assert.equal(explicit[source], 'https://host.example/r');
});

test('a detached HEAD uses the exact tag, else the CI ref name', async () => {
  const { t, sha } = repoWithCommit('https://github.com/example/fleet.git');
  using _ = t;
  git(t.dir, 'checkout', '-q', '--detach');
  assert.equal((await artifact.artifactAnnotations({ cwd: t.dir, env: {} }))[revision], `sha1:${sha}`);
  assert.equal((await artifact.artifactAnnotations({ cwd: t.dir, env: { GITHUB_REF_NAME: 'release-1' } }))[revision], `release-1@sha1:${sha}`);
  git(t.dir, 'tag', 'v1.2.3');
  assert.equal((await artifact.artifactAnnotations({ cwd: t.dir, env: {} }))[revision], `v1.2.3@sha1:${sha}`);
});

test('outside a git repository, a clear error says to pass --source/--revision', async () => {
  using t = tempDir();
  await assert.rejects(
    artifact.artifactAnnotations({ cwd: t.dir }),
    (e: Error & { code?: string }) => e.code === 'not-a-git-repo' && /not inside a git repository.*pass --source/.test(e.message),
  );
  const given = await artifact.artifactAnnotations({
    cwd: t.dir,
    source: 'https://example.invalid/r',
    revision: 'main@sha1:abc',
    created: new Date('2024-05-06T07:08:09.123Z'),
  });
  assert.deepEqual(given, { [created]: '2024-05-06T07:08:09Z', [source]: 'https://example.invalid/r', [revision]: 'main@sha1:abc' });
});

test('extra annotations are validated k=v and may override the defaults (created must stay RFC 3339)', async () => {
  using t = tempDir();
  const base = { cwd: t.dir, source: 's', revision: 'r' };
  const a = await artifact.artifactAnnotations({ ...base, annotations: ['team=platform', 'query=a=b', `${revision}=override`] });
  assert.equal(a['team'], 'platform');
  assert.equal(a['query'], 'a=b', 'a value may contain "="');
  assert.equal(a[revision], 'override');
  for (const bad of ['novalue', '=x', 'has space=x']) {
    await assert.rejects(
      artifact.artifactAnnotations({ ...base, annotations: [bad] }),
      (e: Error & { code?: string }) => e.code === 'bad-annotation' && e.message.includes(bad),
    );
  }
  await assert.rejects(artifact.artifactAnnotations({ ...base, annotations: [`${created}=yesterday`] }), /RFC 3339/);
  const ok = await artifact.artifactAnnotations({ ...base, annotations: [`${created}=1970-01-01T00:00:00Z`] });
  assert.equal(ok[created], '1970-01-01T00:00:00Z');
});

test('config blob and manifest are the compact JSON flux writes', () => {
  const cfg = artifact.fluxConfigBlob('2024-01-02T03:04:05Z');
  // Byte for byte what `flux push artifact` v2.9.4 uploads (seen on a real push).
  assert.equal(cfg.bytes.toString(), '{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}');
  assert.equal(cfg.descriptor.digest, 'sha256:5b943e2b943f6c81dbbd4e2eca5121f4fcc39139e3d1219d6d89bd925b77d9fe');
  assert.equal(cfg.descriptor.size, 115);
  const layer = artifact.fluxLayerDescriptor({ digest: 'sha256:' + 'a'.repeat(64), size: 42 });
  const m = artifact.fluxManifest(cfg.descriptor, layer, { z: '1', a: '<&>' });
  assert.equal(
    m.bytes.toString(),
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.cncf.flux.config.v1+json","size":${cfg.bytes.length},"digest":"${cfg.descriptor.digest}"},` +
      `"layers":[{"mediaType":"application/vnd.cncf.flux.content.v1.tar+gzip","size":42,"digest":"sha256:${'a'.repeat(64)}"}],"annotations":{"a":"\\u003c\\u0026\\u003e","z":"1"}}`,
  );
  assert.equal(m.digest, artifact.sha256Digest(m.bytes));
});
