// The layer's tar is written in place into the gzip blocks, headers included. Its bytes must
// stay what tar-stream wrote before (the same tree keeps its digest across flux-oci versions),
// for plain, long, non-ASCII and awkward names, modes and sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { artifact, tempDir } from './tree.ts';

const tar = createRequire(import.meta.url)('tar-stream') as typeof import('tar-stream');

/** What tar-stream's pack wrote for one entry with `size` zero bytes of content. */
async function tarStreamBytes(h: { name: string; type: 'file' | 'directory'; mode: number; size: number }): Promise<Buffer> {
  const pack = tar.pack();
  const header = { name: h.name, type: h.type, mode: h.mode, size: h.size, uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(0) };
  if (h.type === 'file') pack.entry(header, Buffer.alloc(h.size));
  else pack.entry(header);
  pack.finalize();
  const out: Buffer[] = [];
  for await (const c of pack) out.push(c as Buffer);
  return Buffer.concat(out);
}

function ourBytes(h: { name: string; type: 'file' | 'directory'; mode: number; size: number }): Buffer {
  const record = Buffer.alloc(512, 0xaa); // dirty, as a reused block is
  const head = artifact.writeUstarHeader(record, 0, h) ? record : artifact.paxHeaderRecords(h);
  const padded = Math.ceil(h.size / 512) * 512;
  return Buffer.concat([head, Buffer.alloc(padded), Buffer.alloc(1024)]);
}

test('tar headers are byte for byte what tar-stream wrote, whatever the name, mode or size', async () => {
  const names = [
    'app.yaml',
    '.',
    'a/b/c.yaml',
    'x'.repeat(100),
    'x'.repeat(101),
    'd'.repeat(90) + '/' + 'f'.repeat(99) + '.yaml',
    'p'.repeat(155) + '/' + 'n'.repeat(100),
    'p'.repeat(156) + '/' + 'n'.repeat(10),
    'deep/' + Array.from({ length: 40 }, (_, i) => `segment-${i}`).join('/') + '/file.yaml',
    'ünïcode/naïve.yaml',
    'emoji-😀.txt',
    '\uE000-private-use',
  ];
  for (const name of names) {
    for (const [type, mode, size] of [
      ['file', 0o644, 0],
      ['file', 0o755, 1],
      ['file', 0, 511],
      ['file', 0o4755, 512],
      ['file', 0o600, 12_345],
      ['directory', 0o755, 0],
      ['directory', 0, 0],
      ['directory', 0o1777, 0],
    ] as const) {
      const h = { name, type, mode, size };
      assert.deepEqual(ourBytes(h), await tarStreamBytes(h), `${type} ${JSON.stringify(name)} mode ${mode.toString(8)} size ${size}`);
    }
  }
});

test('a tree keeps the layer digest flux-oci gave it before the tar was written in place', async () => {
  using t = tempDir();
  const pattern = (n: number, seed: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = (i % 251 === 0 ? seed + i / 251 : i * 7 + seed) & 0xff;
    return b;
  };
  const files: Array<[string, Buffer | string, number]> = [
    ['kustomization.yaml', 'resources: [app.yaml]\n', 0o644],
    ['app.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n', 0o644],
    ['run.sh', '#!/bin/sh\necho hi\n', 0o755],
    ['empty', '', 0o600],
    ['ünïcode/naïve.yaml', 'x: 1\n', 0o644],
    ['d'.repeat(90) + '/' + 'f'.repeat(99) + '.yaml', 'long: true\n', 0o644],
    ['n'.repeat(120), 'pax: true\n', 0o644],
    ['sizes/511', pattern(511, 1), 0o644],
    ['sizes/512', pattern(512, 2), 0o644],
    ['sizes/513', pattern(513, 3), 0o644],
    ['sizes/block-1', pattern((1 << 20) - 1, 4), 0o644],
    ['sizes/block', pattern(1 << 20, 5), 0o644],
    ['sizes/block+1', pattern((1 << 20) + 1, 6), 0o644],
    ['sizes/large', pattern(2_621_447, 7), 0o644],
  ];
  for (let i = 0; i < 300; i++) files.push([`many/object-${i}.yaml`, `# ${i}\n` + 'kind: ConfigMap\n'.repeat(i % 97), 0o644]);
  const root = path.join(t.dir, 'deploy');
  for (const [rel, content, mode] of files) {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, mode);
  }
  for (const dir of ['', 'ünïcode', 'd'.repeat(90), 'sizes', 'many']) chmodSync(path.join(root, dir), 0o755);
  const layer = await artifact.buildLayer({ paths: ['deploy'], cwd: t.dir });
  await layer.dispose();
  assert.equal(layer.fileCount, files.length);
  assert.equal(layer.digest, 'sha256:40d88fc9b442d81af78240785578c96b3292ebaaef60b95b686931d7df10698b');
});
