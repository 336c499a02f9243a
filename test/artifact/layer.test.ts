// Building a Flux content layer: the same tree always gives the same digest, only
// what Flux would pack is packed, and several paths make one sensible artifact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, symlinkSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { archiveEntries, artifact, tempDir, writeTree } from './tree.ts';

const app = {
  'deploy/kustomization.yaml': 'resources: [app.yaml]\n',
  'deploy/app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n',
  'deploy/nested/deep/x.yaml': 'x: 1\n',
  'deploy/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  'deploy/.git/HEAD': 'ref: refs/heads/main\n',
  'deploy/.gitignore': 'tmp/\n',
  'deploy/charts.tar.gz': Buffer.from([0x1f, 0x8b]),
};

async function build(cwd: string, opts: Partial<Parameters<typeof artifact.buildLayer>[0]> = {}) {
  const layer = await artifact.buildLayer({ paths: ['deploy'], cwd, ...opts });
  const entries = await archiveEntries(layer.file);
  await layer.dispose();
  return { ...layer, entries, names: entries.map((e) => e.name) };
}

test('a tree packs like flux: root ".", depth-first, byte order, normalised headers, defaults ignored', async () => {
  using t = tempDir();
  writeTree(t.dir, { ...app, 'deploy/B.yaml': 'b\n', 'deploy/a-b.yaml': 'c\n' });
  const l = await build(t.dir);
  assert.deepEqual(l.names, ['.', 'B.yaml', 'a-b.yaml', 'app.yaml', 'kustomization.yaml', 'nested', 'nested/deep', 'nested/deep/x.yaml']);
  assert.equal(l.fileCount, 5);
  for (const e of l.entries) {
    assert.equal(e.uid, 0);
    assert.equal(e.gid, 0);
    assert.equal(e.uname, '');
    assert.equal(e.gname, '');
    assert.equal(e.mtime, 0, `${e.name} has a zero mtime`);
    assert.ok(['file', 'directory'].includes(e.type));
  }
  assert.match(l.digest, /^sha256:[0-9a-f]{64}$/);
});

test('the same tree gives the same digest across runs, after touching mtimes and owners', async () => {
  using t = tempDir();
  writeTree(t.dir, app);
  const first = await build(t.dir);
  const again = await build(t.dir);
  assert.equal(again.digest, first.digest);
  utimesSync(path.join(t.dir, 'deploy/app.yaml'), new Date('2001-01-01'), new Date('2001-01-01'));
  utimesSync(path.join(t.dir, 'deploy/nested'), new Date('2011-01-01'), new Date('2011-01-01'));
  if (process.getuid?.() === 0) chownSync(path.join(t.dir, 'deploy/app.yaml'), 1234, 5678);
  const touched = await build(t.dir);
  assert.equal(touched.digest, first.digest, 'mtimes and owners do not change the digest');

  // The same content written in another order into another folder: same digest.
  using t2 = tempDir();
  writeTree(t2.dir, Object.fromEntries(Object.entries(app).reverse()));
  assert.equal((await build(t2.dir)).digest, first.digest);
});

test('a permission change gives a different digest and is kept in the header', async () => {
  using t = tempDir();
  writeTree(t.dir, app);
  chmodSync(path.join(t.dir, 'deploy/app.yaml'), 0o644);
  const before = await build(t.dir);
  chmodSync(path.join(t.dir, 'deploy/app.yaml'), 0o755);
  const after = await build(t.dir);
  assert.notEqual(after.digest, before.digest);
  assert.equal(after.entries.find((e) => e.name === 'app.yaml')!.mode, 0o755);
});

test('ignorePaths add to the defaults; replaceDefaultIgnores brings back what flux would', async () => {
  using t = tempDir();
  writeTree(t.dir, { ...app, 'deploy/secrets/s.yaml': 's\n', 'deploy/notes.md': 'n\n' });
  const added = await build(t.dir, { ignorePaths: ['secrets/', '*.md'] });
  assert.ok(!added.names.some((n) => n.startsWith('secrets') || n.endsWith('.md')));
  assert.ok(!added.names.includes('logo.png'), 'defaults still apply');
  assert.ok(!added.names.some((n) => n.startsWith('.git')));

  const replaced = await build(t.dir, { ignorePaths: ['secrets/'], replaceDefaultIgnores: true });
  assert.ok(replaced.names.includes('logo.png'));
  assert.ok(replaced.names.includes('.git/HEAD'));
  assert.ok(replaced.names.includes('notes.md'));
  assert.ok(!replaced.names.some((n) => n.startsWith('secrets')));

  const negated = await build(t.dir, { ignorePaths: ['!logo.png'] });
  assert.ok(negated.names.includes('logo.png'), 'a negation re-includes a default exclude');
});

test('.sourceignore files apply to their own folder and below, like source-controller', async () => {
  using t = tempDir();
  writeTree(t.dir, {
    ...app,
    'deploy/.sourceignore': '# local overlays\n*.local.yaml\n',
    'deploy/a.local.yaml': 'x\n',
    'deploy/team/.sourceignore': 'draft/\n!keep.local.yaml\n',
    'deploy/team/draft/d.yaml': 'd\n',
    'deploy/team/keep.local.yaml': 'k\n',
    'deploy/team/ok.yaml': 'o\n',
    'deploy/other/draft/d.yaml': 'kept: only team/ ignores draft/\n',
  });
  const l = await build(t.dir);
  assert.ok(!l.names.includes('a.local.yaml'));
  assert.ok(!l.names.some((n) => n.startsWith('team/draft')));
  assert.ok(l.names.includes('team/keep.local.yaml'), 'a deeper negation wins');
  assert.ok(l.names.includes('team/ok.yaml'));
  assert.ok(l.names.includes('other/draft/d.yaml'));
});

test('symlinks and fifos are left out (as flux does) and reported', async () => {
  using t = tempDir();
  writeTree(t.dir, app);
  symlinkSync('app.yaml', path.join(t.dir, 'deploy/link.yaml'));
  symlinkSync('/etc', path.join(t.dir, 'deploy/etc'));
  assert.equal(spawnSync('mkfifo', [path.join(t.dir, 'deploy/pipe')]).status, 0, 'mkfifo works');
  const layer = await artifact.buildLayer({ paths: ['deploy'], cwd: t.dir });
  const names = (await archiveEntries(layer.file)).map((e) => e.name);
  await layer.dispose();
  assert.ok(!names.includes('link.yaml') && !names.includes('etc') && !names.includes('pipe'));
  assert.deepEqual(layer.skipped.map((s) => [path.basename(s.path), s.reason]).sort(), [
    ['etc', 'symlink'],
    ['link.yaml', 'symlink'],
    ['pipe', 'special-file'],
  ]);
});

test('one file packs as that file at the root', async () => {
  using t = tempDir();
  writeTree(t.dir, app);
  const l = await build(t.dir, { paths: ['deploy/app.yaml'] });
  assert.deepEqual(l.names, ['.', 'app.yaml']);
});

test('several paths: each base name becomes a top-level folder, "." merges at the root, order does not matter', async () => {
  using t = tempDir();
  writeTree(t.dir, {
    'clusters/prod/infra/kustomization.yaml': 'k\n',
    'clusters/prod/apps/app.yaml': 'a\n',
    'README.yaml': 'r\n',
  });
  const a = await build(t.dir, { paths: ['clusters/prod/infra', 'clusters/prod/apps', 'README.yaml'] });
  assert.deepEqual(a.names, ['.', 'README.yaml', 'apps', 'apps/app.yaml', 'infra', 'infra/kustomization.yaml']);
  const b = await build(t.dir, { paths: ['README.yaml', 'clusters/prod/apps', 'clusters/prod/infra'] });
  assert.equal(b.digest, a.digest);

  using w = tempDir();
  writeTree(w.dir, { 'base/x.yaml': 'x\n', 'top.yaml': 't\n', 'extra/e.yaml': 'e\n' });
  const merged = await build(w.dir, { paths: ['.', 'extra'], ignorePaths: ['extra/'] });
  assert.deepEqual(merged.names, ['.', 'base', 'base/x.yaml', 'extra', 'extra/e.yaml', 'top.yaml']);
});

test('two paths with the same base name are refused instead of overwriting each other', async () => {
  using t = tempDir();
  writeTree(t.dir, { 'a/app/x.yaml': 'x\n', 'b/app/y.yaml': 'y\n' });
  await assert.rejects(
    artifact.buildLayer({ paths: ['a/app', 'b/app'], cwd: t.dir }),
    (e: Error & { code?: string }) => e.code === 'source-conflict' && /both be packed as "app"/.test(e.message),
  );
});

test('a missing path gets an error naming it', async () => {
  using t = tempDir();
  await assert.rejects(
    artifact.buildLayer({ paths: ['nope'], cwd: t.dir }),
    (e: Error & { code?: string }) => e.code === 'source-missing' && e.message.includes('"nope" does not exist'),
  );
});

test('a large file is streamed into the layer and unpacks identically', async () => {
  using t = tempDir();
  const big = Buffer.alloc(5 * 1024 * 1024 + 123);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  writeTree(t.dir, { 'deploy/big.bin': big, 'deploy/small.yaml': 's\n' });
  const layer = await artifact.buildLayer({ paths: ['deploy'], cwd: t.dir });
  const { createReadStream } = await import('node:fs');
  const tree = await artifact.readLayerTree(createReadStream(layer.file));
  await layer.dispose();
  const local = await artifact.readLocalTree({ paths: ['deploy'], cwd: t.dir });
  assert.deepEqual(tree, local);
  assert.equal(tree.find((e) => e.path === 'big.bin')!.size, big.length);
});
