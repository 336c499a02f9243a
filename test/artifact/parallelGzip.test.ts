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

async function gzip(chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(new artifact.ParallelGzip())) out.push(c as Buffer);
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
