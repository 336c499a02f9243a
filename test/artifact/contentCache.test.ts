// The artifact content cache (issue 14): layers are unpacked once by digest and served
// from disk; a hostile layer writes nothing anywhere; the cache stays under its size by
// dropping the least recently used layers; two artifacts diff as git would print them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { artifact, listTree, tempDir } from './tree.ts';

const require = createRequire(import.meta.url);
const tar = require('tar-stream') as typeof import('tar-stream');

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink'; body?: string | Buffer; linkname?: string; mode?: number };

async function tgzOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const ended = (async () => {
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? 'file', mode: e.mode ?? 0o644, mtime: new Date(0), ...(e.linkname ? { linkname: e.linkname } : {}) };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if ((e.type ?? 'file') === 'file') pack.entry(header, e.body ?? '', cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const opener = (b: Buffer) => async () => Readable.from([b]);

test('a layer is stored once by digest and its files are served from disk, modes from the tar headers', async () => {
  using t = tempDir();
  const cache = new artifact.ArtifactContentCache({ root: path.join(t.dir, 'cache') });
  const tgz = await tgzOf([
    { name: 'apps/', type: 'directory', mode: 0o755 },
    { name: 'apps/web.yaml', body: 'kind: Deployment\n' },
    { name: 'run.sh', body: '#!/bin/sh\n', mode: 0o755 },
  ]);
  const d = digestOf(tgz);
  assert.equal(await cache.layer(d), undefined);
  const stored = await cache.storeLayer(d, opener(tgz));
  assert.deepEqual(
    stored.files.map((f) => [f.path, f.mode.toString(8), f.size]),
    [
      ['apps/web.yaml', '644', 17],
      ['run.sh', '755', 10],
    ],
  );
  let opened = 0;
  const again = await cache.storeLayer(d, async () => {
    opened++;
    return Readable.from([tgz]);
  });
  assert.equal(opened, 0, 'a cached layer is not fetched again');
  assert.deepEqual(again.files, stored.files);
  assert.equal((await cache.readFile(d, 'apps/web.yaml'))?.toString(), 'kind: Deployment\n');
  assert.equal(await cache.readFile(d, 'apps'), undefined, 'folders are not files');
  assert.equal(await cache.readFile(d, 'missing.yaml'), undefined);
  await assert.rejects(cache.readFile(d, '../../../etc/passwd'), /climbs out/);
  assert.deepEqual(readdirSync(path.join(t.dir, 'cache')).sort(), ['layers', 'staging']);
  assert.deepEqual(readdirSync(path.join(t.dir, 'cache', 'staging')), [], 'no staging leftovers');
});

test('hostile layers and wrong digests are refused and leave nothing, inside or outside the cache', async () => {
  using t = tempDir();
  const root = path.join(t.dir, 'cache');
  writeFileSync(path.join(t.dir, 'precious.txt'), 'untouched');
  const cache = new artifact.ArtifactContentCache({ root });
  const hostile: Array<[Entry[], RegExp]> = [
    [[{ name: '../escape.yaml', body: 'x' }], /climbs out/],
    [[{ name: '/abs.yaml', body: 'x' }], /absolute path/],
    [[{ name: 'link', type: 'symlink', linkname: '../../precious.txt' }], /outside the target folder/],
  ];
  for (const [entries, error] of hostile) {
    const tgz = await tgzOf(entries);
    await assert.rejects(cache.storeLayer(digestOf(tgz), opener(tgz)), error);
  }
  const good = await tgzOf([{ name: 'a.yaml', body: 'a' }]);
  const wrong = digestOf(Buffer.from('something else'));
  await assert.rejects(cache.storeLayer(wrong, opener(good)), /does not match its digest/);
  await assert.rejects(cache.storeLayer('sha256:../../x', opener(good)), /not a content digest/);
  assert.deepEqual(listTree(t.dir), ['cache/', 'cache/layers/', 'cache/staging/', 'precious.txt']);
});

test('the cache is trimmed to its size, least recently used first, keeping the layers in use', async () => {
  using t = tempDir();
  const cache = new artifact.ArtifactContentCache({ root: path.join(t.dir, 'cache'), maxBytes: 2500 });
  const layers: string[] = [];
  for (let i = 0; i < 3; i++) {
    const tgz = await tgzOf([{ name: `f${i}.bin`, body: Buffer.alloc(1000, i + 1) }]);
    const d = digestOf(tgz);
    layers.push(d);
    await cache.storeLayer(d, opener(tgz));
    // Make the order of use unambiguous on coarse file-time clocks.
    const index = path.join(t.dir, 'cache', 'layers', d.replace(':', '-'), 'index.json');
    utimesSync(index, new Date(1_000_000 + i * 1000), new Date(1_000_000 + i * 1000));
  }
  // Three 1000-byte layers in a 2500-byte cache: the oldest went when the third arrived.
  assert.equal(await cache.size(), 2000);
  assert.equal(await cache.layer(layers[0]!), undefined);
  assert.ok(await cache.layer(layers[1]!));
  // Using layer 1 makes layer 2 the least recently used...
  const tgz = await tgzOf([{ name: 'f3.bin', body: Buffer.alloc(1000, 9) }]);
  utimesSync(path.join(t.dir, 'cache', 'layers', layers[2]!.replace(':', '-'), 'index.json'), new Date(0), new Date(0));
  await cache.storeLayer(digestOf(tgz), opener(tgz));
  assert.ok(await cache.layer(layers[1]!));
  assert.equal(await cache.layer(layers[2]!), undefined);
  assert.equal(await cache.size(), 2000);
  // ...unless the caller still needs it.
  const big = await tgzOf([{ name: 'big.bin', body: Buffer.alloc(2400, 7) }]);
  const bigDigest = digestOf(big);
  await cache.storeLayer(bigDigest, opener(big), { keep: [digestOf(tgz)] });
  assert.ok(await cache.layer(digestOf(tgz)), 'kept');
  assert.ok(await cache.layer(bigDigest));
  // A layer larger than the whole cache is refused with what to do.
  const huge = await tgzOf([{ name: 'huge.bin', body: Buffer.alloc(3000, 1) }]);
  await assert.rejects(
    cache.storeLayer(digestOf(huge), opener(huge)),
    /more than the artifact cache holds \(2500\); raise the cache size \(FLUX_OCI_ARTIFACT_CACHE_SIZE/,
  );
  // Staging leftovers of a dead process are cleaned.
  const stale = path.join(t.dir, 'cache', 'staging', '0123456789abcdef');
  mkdirSync(stale, { recursive: true });
  utimesSync(stale, new Date(0), new Date(0));
  await cache.prune();
  assert.deepEqual(readdirSync(path.join(t.dir, 'cache', 'staging')), []);
});

test('the default cache folder is the OS cache folder, or FLUX_OCI_ARTIFACT_CACHE', () => {
  assert.equal(artifact.defaultArtifactCacheDir({ HOME: '/home/u' }, 'linux'), '/home/u/.cache/flux-oci/artifacts');
  assert.equal(artifact.defaultArtifactCacheDir({ HOME: '/home/u', XDG_CACHE_HOME: '/x' }, 'linux'), '/x/flux-oci/artifacts');
  assert.equal(artifact.defaultArtifactCacheDir({ HOME: '/Users/u' }, 'darwin'), '/Users/u/Library/Caches/flux-oci/artifacts');
  assert.equal(artifact.defaultArtifactCacheDir({ FLUX_OCI_ARTIFACT_CACHE: '/tmp/c' }, 'linux'), '/tmp/c');
  assert.equal(artifact.artifactCacheBytes({}), 512 * 1024 * 1024);
  assert.equal(artifact.artifactCacheBytes({ FLUX_OCI_ARTIFACT_CACHE_SIZE: '2G' }), 2 * 1024 ** 3);
  assert.equal(artifact.artifactCacheBytes({ FLUX_OCI_ARTIFACT_CACHE_SIZE: '300MiB' }), 300 * 1024 ** 2);
  assert.equal(artifact.artifactCacheBytes({ FLUX_OCI_ARTIFACT_CACHE_SIZE: '4096' }), 4096);
  assert.equal(artifact.artifactCacheBytes({ FLUX_OCI_ARTIFACT_CACHE_SIZE: 'lots' }), undefined);
});

test('a changed file reads as git prints it; binary and large files are summarised', () => {
  const e = (p: string, content: string | Buffer, mode = 0o644) => {
    const b = Buffer.from(content);
    return { path: p, size: b.length, digest: digestOf(b), mode };
  };
  const before = 'a: 1\nb: 2\nc: 3\n';
  const after = 'a: 1\nb: 20\nc: 3\n';
  assert.equal(
    artifact.renderFileDiff({
      kind: 'modified',
      path: 'x.yaml',
      before: e('x.yaml', before),
      after: e('x.yaml', after),
      beforeContent: Buffer.from(before),
      afterContent: Buffer.from(after),
    }),
    'diff --git a/x.yaml b/x.yaml\n--- a/x.yaml\n+++ b/x.yaml\n@@ -1,3 +1,3 @@\n a: 1\n-b: 2\n+b: 20\n c: 3\n',
  );
  assert.equal(
    artifact.renderFileDiff({ kind: 'added', path: 'n.yaml', after: e('n.yaml', 'n: 1\n'), afterContent: Buffer.from('n: 1\n') }),
    'diff --git a/n.yaml b/n.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/n.yaml\n@@ -0,0 +1 @@\n+n: 1\n',
  );
  const bin = Buffer.from([1, 0, 2]);
  assert.equal(
    artifact.renderFileDiff({ kind: 'removed', path: 'p.bin', before: e('p.bin', bin), beforeContent: bin }),
    'diff --git a/p.bin b/p.bin\ndeleted file mode 100644\nBinary files a/p.bin and /dev/null differ\n',
  );
  assert.match(
    artifact.renderFileDiff({ kind: 'modified', path: 'l.txt', before: e('l.txt', 'x'.repeat(20)), after: e('l.txt', 'y'.repeat(20)), limit: 10 }),
    /Large files a\/l.txt \(20 bytes\) and b\/l.txt \(20 bytes\) differ; not shown/,
  );
  assert.equal(
    artifact.renderFileDiff({ kind: 'modified', path: 'r.sh', before: e('r.sh', 'x', 0o644), after: e('r.sh', 'x', 0o755) }),
    'diff --git a/r.sh b/r.sh\nold mode 100644\nnew mode 100755\n',
  );
  assert.equal(artifact.contentKind(Buffer.from([0xff, 0xfe, 0x41]), 3), 'binary', 'not UTF-8');
});
