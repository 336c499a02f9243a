// Pulling is unpacking someone else's archive: hostile ones are refused with a clear
// error, nothing is written outside the target, and a failure leaves no trace
// (no half-extracted target, no temporary folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { artifact, listTree, tempDir } from './tree.ts';

const require = createRequire(import.meta.url);
const tar = require('tar-stream') as typeof import('tar-stream');

type Entry = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  body?: string;
  linkname?: string;
  size?: number;
  mode?: number;
};

/** A tar (uncompressed) made by tar-stream from raw headers: anything goes, like in an attacker's archive. */
async function tarOf(entries: Entry[]): Promise<Buffer> {
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
  return Buffer.concat(chunks);
}

async function tgzOf(entries: Entry[]): Promise<Buffer> {
  return gzipSync(await tarOf(entries));
}

function setup() {
  const t = tempDir();
  const sandbox = t.dir;
  const parent = path.join(sandbox, 'work');
  mkdirSync(parent);
  writeFileSync(path.join(sandbox, 'precious.txt'), 'untouched');
  return { t, sandbox, parent, target: path.join(parent, 'out') };
}

/** Asserts the refusal and that nothing was left: no target, no temp folder, sandbox unchanged. */
async function assertRefused(source: Buffer | Readable, code: string, message: RegExp, opts: Record<string, unknown> = {}) {
  const s = setup();
  using _ = s.t;
  const before = listTree(s.sandbox);
  await assert.rejects(artifact.extractLayer(Buffer.isBuffer(source) ? Readable.from([source]) : source, s.target, opts), (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `error code for: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });
  assert.equal(existsSync(s.target), false, 'no target folder');
  assert.deepEqual(readdirSync(s.parent), [], 'no temporary folder left next to the target');
  assert.deepEqual(listTree(s.sandbox), before, 'nothing written anywhere else');
  assert.equal(readFileSync(path.join(s.sandbox, 'precious.txt'), 'utf8'), 'untouched');
}

test('a good layer unpacks into a new folder with content and permission bits', async () => {
  const s = setup();
  using _ = s.t;
  const tgz = await tgzOf([
    { name: '.', type: 'directory', mode: 0o755 },
    { name: 'app.yaml', body: 'a: 1\n' },
    { name: 'bin', type: 'directory', mode: 0o755 },
    { name: 'bin/run.sh', body: '#!/bin/sh\n', mode: 0o755 },
    { name: 'deep/er/x.yaml', body: 'implicit parents\n' },
  ]);
  const digest = artifact.sha256Digest(tgz);
  const r = await artifact.extractLayer(Readable.from([tgz]), s.target, { expectedDigest: digest });
  assert.equal(r.files, 3);
  assert.equal(r.digest, digest);
  assert.deepEqual(listTree(s.target), ['app.yaml', 'bin/', 'bin/run.sh', 'deep/', 'deep/er/', 'deep/er/x.yaml']);
  assert.equal(statSync(path.join(s.target, 'bin/run.sh')).mode & 0o111, 0o111);
  assert.deepEqual(readdirSync(s.parent), ['out'], 'only the target, no temp folder');
});

test('an existing empty folder is filled; a non-empty one is refused untouched', async () => {
  const s = setup();
  using _ = s.t;
  const tgz = await tgzOf([{ name: 'a.yaml', body: 'a\n' }]);
  mkdirSync(s.target);
  await artifact.extractLayer(Readable.from([tgz]), s.target);
  assert.deepEqual(listTree(s.target), ['a.yaml']);
  await assert.rejects(
    artifact.extractLayer(Readable.from([tgz]), s.target),
    (e: Error & { code?: string }) => e.code === 'target-not-empty' && /not empty/.test(e.message),
  );
  assert.deepEqual(listTree(s.target), ['a.yaml']);
  assert.deepEqual(readdirSync(s.parent), ['out']);
});

test('path traversal with ".." is refused', async () => {
  await assertRefused(
    await tgzOf([
      { name: 'ok.yaml', body: 'ok' },
      { name: '../precious.txt', body: 'pwned' },
    ]),
    'unsafe-path',
    /"\.\.\/precious\.txt" climbs out/,
  );
  await assertRefused(await tgzOf([{ name: 'a/../../../escape.txt', body: 'x' }]), 'unsafe-path', /climbs out/);
});

test('absolute paths and backslashes are refused', async () => {
  const s = setup();
  using _ = s.t;
  const abs = path.join(s.sandbox, 'abs-escape.txt');
  await assertRefused(await tgzOf([{ name: abs, body: 'x' }]), 'unsafe-path', /absolute path/);
  assert.equal(existsSync(abs), false);
  await assertRefused(await tgzOf([{ name: '/etc/flux-oci-should-not-exist', body: 'x' }]), 'unsafe-path', /absolute path/);
  assert.equal(existsSync('/etc/flux-oci-should-not-exist'), false);
  await assertRefused(await tgzOf([{ name: '..\\..\\evil.txt', body: 'x' }]), 'unsafe-path', /backslash/);
});

test('symlinks and hard links leaving the target are refused; links inside are skipped', async () => {
  await assertRefused(
    await tgzOf([
      { name: 'evil', type: 'symlink', linkname: '../../..' },
      { name: 'evil/x', body: 'x' },
    ]),
    'unsafe-link',
    /symlink to "\.\.\/\.\.\/\.\.", outside/,
  );
  await assertRefused(await tgzOf([{ name: 'sub/etc', type: 'symlink', linkname: '/etc' }]), 'unsafe-link', /symlink/);
  await assertRefused(await tgzOf([{ name: 'passwd', type: 'link', linkname: '../precious.txt' }]), 'unsafe-link', /hard link/);
  await assertRefused(await tgzOf([{ name: 'shadow', type: 'link', linkname: '/etc/shadow' }]), 'unsafe-link', /hard link/);

  const s = setup();
  using _ = s.t;
  const tgz = await tgzOf([
    { name: 'a.yaml', body: 'a' },
    { name: 'dir/b.yaml', type: 'symlink', linkname: '../a.yaml' },
    { name: 'c.yaml', type: 'link', linkname: 'a.yaml' },
  ]);
  const r = await artifact.extractLayer(Readable.from([tgz]), s.target);
  assert.deepEqual(r.skippedLinks.sort(), ['c.yaml', 'dir/b.yaml']);
  assert.deepEqual(listTree(s.target), ['a.yaml']);
});

test('character devices, block devices and fifos are refused', async () => {
  await assertRefused(await tgzOf([{ name: 'null', type: 'character-device' }]), 'unsupported-entry', /character-device/);
  await assertRefused(await tgzOf([{ name: 'sda', type: 'block-device' }]), 'unsupported-entry', /block-device/);
  await assertRefused(
    await tgzOf([
      { name: 'ok.yaml', body: 'ok' },
      { name: 'pipe', type: 'fifo' },
    ]),
    'unsupported-entry',
    /fifo/,
  );
});

/** gzip members can be concatenated: a few KB that inflate to `copies` x `member` bytes. */
function repeatedMember(bytes: Buffer, copies: number): Buffer[] {
  const member = gzipSync(bytes, { level: 9 });
  return Array.from({ length: copies }, () => member);
}

test('a decompression bomb stops early: one huge entry, many big entries, or garbage after the archive', async () => {
  const MiB = 1 << 20;
  const zeros = Buffer.alloc(16 * MiB);
  // (1) one entry announcing 1 GiB: refused at its header, before inflating it.
  const header = (await tarOf([{ name: 'big.bin', body: 'x' }])).subarray(0, 512);
  const hugeHeader = Buffer.from(header);
  hugeHeader.write('10000000000\0', 124, 'ascii'); // size = 1 GiB (octal)
  hugeHeader.write('        ', 148, 'ascii');
  let sum = 0;
  for (const b of hugeHeader) sum += b;
  hugeHeader.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  const bomb1 = [gzipSync(hugeHeader), ...repeatedMember(zeros, 64)];
  assert.ok(Buffer.concat(bomb1).length < 2 * MiB, 'the bomb is small');
  await assertRefused(Readable.from(bomb1), 'too-large', /more than 20971520 bytes/, { maxBytes: 20 * MiB });

  // (2) many 8 MiB entries of zeros: refused once the running total passes maxBytes.
  const eight = await tarOf([{ name: 'f', body: '' }]);
  const members: Buffer[] = [];
  for (let i = 0; i < 8; i++) {
    const h = Buffer.from(eight.subarray(0, 512));
    h.write(`f${i}`.padEnd(100, '\0'), 0, 'ascii');
    h.write('00040000000\0', 124, 'ascii'); // 8 MiB
    h.write('        ', 148, 'ascii');
    let s = 0;
    for (const b of h) s += b;
    h.write(s.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    members.push(gzipSync(h), gzipSync(Buffer.alloc(8 * MiB), { level: 9 }));
  }
  await assertRefused(Readable.from(members), 'too-large', /more than/, { maxBytes: 20 * MiB });

  // (3) a valid small archive followed by 1 GiB of zeros.
  const small = await tarOf([{ name: 'a.yaml', body: 'a' }]);
  await assertRefused(Readable.from([gzipSync(small), ...repeatedMember(zeros, 64)]), 'too-large', /more than/, { maxBytes: 20 * MiB });
});

test('a layer whose bytes do not match the expected digest is not put in place', async () => {
  const tgz = await tgzOf([{ name: 'a.yaml', body: 'a' }]);
  await assertRefused(tgz, 'digest-mismatch', /does not match its digest/, { expectedDigest: 'sha256:' + '0'.repeat(64) });
});

test('a layer that is not gzip is refused with a hint to copy it instead', async () => {
  await assertRefused(Buffer.from('just some text, not an archive'), 'not-gzip', /not gzip-compressed.*copy it instead/);
  await assertRefused(gzipSync(Buffer.from('gzip but not a tar'.repeat(100))), 'bad-archive', /not a valid tar/);
});

test('copyLayer stores the raw layer atomically and checks its digest', async () => {
  const s = setup();
  using _ = s.t;
  const blob = Buffer.from('a helm chart .tgz, kept as it is');
  const file = path.join(s.parent, 'chart.tgz');
  const r = await artifact.copyLayer(Readable.from([blob]), file, { expectedDigest: artifact.sha256Digest(blob) });
  assert.equal(r.bytes, blob.length);
  assert.deepEqual(readFileSync(file), blob);
  await assert.rejects(artifact.copyLayer(Readable.from([blob]), file), (e: Error & { code?: string }) => e.code === 'target-not-empty');
  const other = path.join(s.parent, 'other.tgz');
  await assert.rejects(
    artifact.copyLayer(Readable.from([blob]), other, { expectedDigest: 'sha256:' + '1'.repeat(64) }),
    (e: Error & { code?: string }) => e.code === 'digest-mismatch',
  );
  assert.deepEqual(readdirSync(s.parent).sort(), ['chart.tgz'], 'no temp file, no half-written copy');
});

test('cancelling a pull midway leaves nothing behind', async () => {
  const s = setup();
  using _ = s.t;
  const tgz = await tgzOf([{ name: 'a.yaml', body: 'a'.repeat(100_000) }]);
  const ac = new AbortController();
  // Half the layer, then a stream that never ends: like a stalled download.
  const stalled = new Readable({ read() {} });
  stalled.push(tgz.subarray(0, tgz.length >> 1));
  const pending = artifact.extractLayer(stalled, s.target, { signal: ac.signal });
  setTimeout(() => ac.abort(new Error('user pressed Ctrl-C')), 50);
  await assert.rejects(pending);
  assert.equal(existsSync(s.target), false);
  assert.deepEqual(readdirSync(s.parent), [], 'no temporary folder left');
});
