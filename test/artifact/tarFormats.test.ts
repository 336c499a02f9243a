// A pulled layer may come from any tar writer: flux's (Go's archive/tar, PAX for long names),
// oras, or a CI script calling GNU tar. Each of GNU tar's formats (gnu: long names in 'L'
// entries; posix: PAX headers; ustar: names split into prefix and name) unpacks to the same
// tree, however the bytes are cut into chunks on the way in, and a corrupted or truncated
// archive is refused as one. GNU tar is the real writer here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { artifact, listTree, tempDir, writeTree } from './tree.ts';
import { seededRandom } from '../helpers/seededRandom.ts';

const gnuTar = spawnSync('tar', ['--version'], { encoding: 'utf8' });
const skip = gnuTar.status === 0 && /GNU tar/.test(gnuTar.stdout) ? false : 'GNU tar is not installed';

const longFolder = `${'team-'.repeat(12)}x/${'env-'.repeat(15)}y/${'app-'.repeat(15)}z`; // ~190 characters, no part over 100
const files: Record<string, string | Buffer> = {
  'app.yaml': 'a: 1\n',
  'empty.yaml': '',
  'bin/run.sh': '#!/bin/sh\necho hi\n',
  [`${longFolder}/kustomization.yaml`]: 'resources: []\n',
  [`${'a'.repeat(120)}.yaml`]: 'long file name\n',
  'données/café.yaml': 'non-ASCII names\n',
  'charts/big.tgz': Buffer.alloc(3 * (1 << 20) + 123, 7), // over the in-memory limit: written piece by piece
  ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`many/f-${i}.yaml`, `n: ${i}\n${'x'.repeat(i * 37)}\n`])),
};

/** The tar+gzip GNU tar writes of `files` in `format`. */
function gnuTarLayer(format: 'gnu' | 'posix' | 'ustar', root: string): Buffer {
  const r = spawnSync('tar', [`--format=${format}`, '--sort=name', '--owner=0', '--group=0', '-cf', '-', '-C', root, '.'], { maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, r.stderr.toString());
  return gzipSync(r.stdout);
}

/** `bytes` cut into pieces of random sizes (1 byte to 200 KiB), the way a network hands them over. */
function chunked(bytes: Buffer, seed: number): Buffer[] {
  const random = seededRandom(seed);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = random() < 0.2 ? 1 + Math.floor(random() * 600) : 1 + Math.floor(random() * 200 * 1024);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

for (const format of ['gnu', 'posix', 'ustar'] as const) {
  test(`a layer GNU tar wrote in its ${format} format unpacks to the tree it was made from`, { skip }, async () => {
    using src = tempDir();
    // ustar holds a name of at most 100 characters after the last '/' it splits at.
    const tree = format === 'ustar' ? Object.fromEntries(Object.entries(files).filter(([rel]) => path.basename(rel).length <= 100)) : files;
    writeTree(src.dir, tree);
    chmodSync(path.join(src.dir, 'bin/run.sh'), 0o755);
    const layer = gnuTarLayer(format, src.dir);
    for (const seed of [1, 2, 3]) {
      using out = tempDir();
      const target = path.join(out.dir, 'out');
      const r = await artifact.extractLayer(Readable.from(chunked(layer, seed)), target, { expectedDigest: artifact.sha256Digest(layer) });
      assert.equal(r.files, Object.keys(tree).length);
      assert.deepEqual(listTree(target), listTree(src.dir));
      for (const [rel, content] of Object.entries(tree)) assert.ok(readFileSync(path.join(target, rel)).equals(Buffer.from(content)), rel);
      assert.equal(statSync(path.join(target, 'bin/run.sh')).mode & 0o777, 0o755);
    }
  });
}

test('a layer with a corrupted header or cut short is refused, and nothing is left', { skip }, async () => {
  using src = tempDir();
  writeTree(src.dir, { 'a.yaml': 'a: 1\n', 'b.yaml': 'b'.repeat(5000) });
  // ustar, sorted: the folder's header, a.yaml's header and content, then b.yaml's header (record 3) and content.
  const tar = spawnSync('tar', ['--format=ustar', '--sort=name', '-cf', '-', '-C', src.dir, '.'], { maxBuffer: 1 << 30 }).stdout;
  assert.equal(tar.toString('latin1', 512 * 3, 512 * 3 + 8), './b.yaml');
  const flipped = Buffer.from(tar);
  flipped[512 * 3 + 4] = flipped[512 * 3 + 4]! ^ 0x20; // a byte of b.yaml's name: the header's checksum no longer matches
  const cut = tar.subarray(0, 512 * 4 + 1000); // ends inside b.yaml's content
  for (const [what, bytes] of [
    ['corrupted', flipped],
    ['cut short', cut],
  ] as const) {
    using out = tempDir();
    await assert.rejects(artifact.extractLayer(Readable.from([gzipSync(bytes)]), path.join(out.dir, 'out')), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'bad-archive', `${what}: ${e.message}`);
      return true;
    });
    assert.deepEqual(listTree(out.dir), [], `${what}: nothing left behind`);
  }
});
