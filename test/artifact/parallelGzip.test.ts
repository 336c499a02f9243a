// The layer's gzip is compressed in parallel blocks: any gzip reader must read it
// (GNU gzip here; Go's in the interop suite), and the bytes must depend only on
// the input, never on how it was chunked or which block finished first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { artifact } from './tree.ts';

async function gzip(chunks: Buffer[], opts: { adaptiveOutput?: boolean } = {}): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(new artifact.ParallelGzip(opts))) out.push(c as Buffer);
  return Buffer.concat(out);
}

function chunked(data: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return parts;
}

test('parallel gzip round-trips every size around the block boundary, whatever the chunking', async () => {
  const MiB = 1 << 20;
  const text = Buffer.from('apiVersion: v1\nkind: ConfigMap\n'.repeat(200_000));
  for (const size of [0, 1, MiB - 1, MiB, MiB + 1, 2 * MiB, 3 * MiB + 12345]) {
    const data = Buffer.concat([randomBytes(size >> 1), text.subarray(0, size - (size >> 1))]);
    const whole = await gzip([data]);
    assert.deepEqual(gunzipSync(whole), data, `zlib reads ${size} bytes back`);
    assert.deepEqual(await gzip(chunked(data, 77_777)), whole, `same bytes for ${size} in odd chunks`);
    assert.deepEqual(await gzip(chunked(data, 4 * MiB)), whole, `same bytes for ${size} in big chunks`);
    const gz = spawnSync('gzip', ['-dc'], { input: whole, maxBuffer: 64 * MiB });
    if (gz.status !== null && !gz.error) assert.deepEqual(gz.stdout, data, `GNU gzip reads ${size} bytes back`);
  }
});

test('sizing each block’s output buffer from the last output never changes the bytes', async () => {
  // Blocks that compress ~30x, then ASCII that barely compresses (base64 of random bytes: the
  // buffer sized after a text block is too small, and the block is deflated again), random
  // bytes, and text again.
  const MiB = 1 << 20;
  const text = Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n'.repeat(100_000));
  const base64 = Buffer.from(randomBytes(2 * MiB).toString('base64'));
  const data = Buffer.concat([
    text.subarray(0, 2 * MiB),
    base64,
    text.subarray(0, MiB),
    randomBytes(2 * MiB + 777),
    text.subarray(0, MiB),
    randomBytes(MiB >> 1),
    text.subarray(0, 3 * MiB),
  ]);
  const adaptive = await gzip(chunked(data, 300_000));
  assert.deepEqual(adaptive, await gzip(chunked(data, 300_000), { adaptiveOutput: false }));
  assert.deepEqual(gunzipSync(adaptive), data);
});
