/**
 * Builds the Flux content layer (application/vnd.cncf.flux.content.v1.tar+gzip):
 * a deterministic tar of the local tree, gzip'd, written to a temporary file
 * while it is hashed. Memory stays flat whatever the artifact size.
 *
 * Determinism (same tree => same digest): entries in Flux's walk order, uid/gid 0,
 * empty user/group names, zero mtime, permission bits kept as on disk. Headers are
 * USTAR, PAX for long or non-ASCII names (tarHeader.ts, as tar-stream wrote them).
 * The gzip bytes come from zlib in parallel blocks (parallelGzip.ts), not Go's
 * compress/gzip, so the digest is stable for flux-oci but not equal to what
 * `flux build artifact` makes for the same tree.
 *
 * The tar is written straight into the gzip engine's 1 MiB blocks: headers are encoded
 * in place and file contents are read into the block (a few pooled blocks, reused), so a
 * byte is never copied between reading and compressing. With thousands of small files,
 * a Buffer per file and per header, their copies into blocks and the streams between
 * were most of the main thread's work and of the process's memory (issue 18).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ArtifactError } from './artifactError.ts';
import { GzipBlocks, gzipBlockSize } from './parallelGzip.ts';
import type { BuildLayerOptions, BuiltLayer } from './contract.ts';
import { walkLocalTree, type SkippedEntry } from './localTree.ts';
import { paxHeaderRecords, tarEndSize, tarPadding, tarRecordSize, writeUstarHeader, type TarEntryHeader } from './tarHeader.ts';
import { describeWriteFailure, isDiskFull, type WriteContext } from './writeFailure.ts';

/** Files up to this size are read synchronously; bigger ones through the thread pool, a block at a time. */
const smallFileLimit = 1 << 20;

export interface BuildLayerExtras {
  /** Folder for the temporary layer file (default: the OS temp folder). */
  tempDir?: string;
}

export interface BuiltLayerDetails extends BuiltLayer {
  /** Symlinks and special files left out (flux drops them too). */
  skipped: SkippedEntry[];
  /** Bytes of file content packed (before compression). */
  contentBytes: number;
}

function sourceChanged(file: string, size: number): ArtifactError {
  return new ArtifactError(
    'source-changed',
    `${file} changed size while it was being packed (${size} bytes expected); retry once it is no longer being written`,
  );
}

/**
 * The tar stream, written in place into gzip blocks. Every tar record is 512 bytes and a
 * block holds 2,048 of them, so a header never straddles two blocks; file contents do.
 * Writing is synchronous: filled blocks wait in `full` until `send()` hands them to the
 * gzip engine, so packing a small file costs no promise unless it completes a block.
 */
class TarBlockWriter {
  private readonly free: Buffer[] = [];
  private readonly full: Buffer[] = [];
  private block: Buffer;
  private offset = 0;
  private readonly gzip: GzipBlocks;
  /** One byte past a file's expected end: reading into it tells a file that grew. */
  private readonly probe = Buffer.alloc(1);

  constructor(out: (chunk: Buffer) => Promise<void>) {
    this.gzip = new GzipBlocks(out, { level: 6, release: (b) => this.free.push(b) });
    this.block = this.take();
  }

  private take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(gzipBlockSize);
  }

  /** Marks `n` bytes written at the offset; a full block is queued for the gzip engine. */
  private advance(n: number): void {
    this.offset += n;
    if (this.offset < gzipBlockSize) return;
    this.full.push(this.block);
    this.block = this.take();
    this.offset = 0;
  }

  /** Hands the filled blocks to the gzip engine (which waits while too many are compressing). */
  async send(): Promise<void> {
    while (this.full.length > 0) await this.gzip.add(this.full.shift()!);
  }

  get hasFullBlocks(): boolean {
    return this.full.length > 0;
  }

  private bytes(data: Buffer): void {
    for (let at = 0; at < data.length;) {
      const n = data.copy(this.block, this.offset, at);
      at += n;
      this.advance(n);
    }
  }

  /** Zeros up to the next record boundary after `size` bytes of content. */
  private pad(size: number): void {
    const n = tarPadding(size);
    if (n === 0) return;
    this.block.fill(0, this.offset, this.offset + n);
    this.advance(n);
  }

  header(h: TarEntryHeader): void {
    if (writeUstarHeader(this.block, this.offset, h)) this.advance(tarRecordSize);
    else this.bytes(paxHeaderRecords(h));
  }

  /**
   * A file of at most `smallFileLimit` bytes, read synchronously into the blocks: each call
   * takes microseconds, where a thread-pool round trip per small file dominated the packing.
   */
  smallFile(file: string, size: number): void {
    const fd = openSync(file, 'r');
    try {
      let left = size;
      while (left > 0) {
        const room = gzipBlockSize - this.offset;
        // Ask for one byte more when it fits: a file that grew since the walk shows itself without a second read.
        const n = readSync(fd, this.block, this.offset, left < room ? left + 1 : room, null);
        if (n === 0 || n > left) throw sourceChanged(file, size);
        left -= n;
        this.advance(n);
      }
      if (this.offset === 0 && size > 0 && readSync(fd, this.probe, 0, 1, null) !== 0) throw sourceChanged(file, size);
    } finally {
      closeSync(fd);
    }
    this.pad(size);
  }

  /** A larger file, read a block at a time through the thread pool (compression overlaps the reads). */
  async largeFile(file: string, size: number, signal?: AbortSignal): Promise<void> {
    const fh = await open(file, 'r');
    try {
      let left = size;
      while (left > 0) {
        signal?.throwIfAborted();
        const room = gzipBlockSize - this.offset;
        const { bytesRead: n } = await fh.read(this.block, this.offset, left < room ? left + 1 : room, null);
        if (n === 0 || n > left) throw sourceChanged(file, size);
        left -= n;
        this.advance(n);
        await this.send();
      }
      if (this.offset === 0 && (await fh.read(this.probe, 0, 1, null)).bytesRead !== 0) throw sourceChanged(file, size);
    } finally {
      await fh.close();
    }
    this.pad(size);
  }

  /** The end-of-archive records, then the last block and the gzip trailer. */
  async finish(): Promise<void> {
    this.bytes(Buffer.alloc(tarEndSize));
    await this.send();
    await this.gzip.finish(this.block.subarray(0, this.offset));
  }
}

/** Builds the layer of `opts`; the caller owns the returned temp file (`dispose()`). */
export async function buildLayer(opts: BuildLayerOptions & BuildLayerExtras): Promise<BuiltLayerDetails> {
  const tempRoot = opts.tempDir ?? tmpdir();
  const elsewhere = opts.tempDir ? 'choose a temp folder' : 'set TMPDIR to a folder';
  const writeContext: WriteContext = {
    target: tempRoot,
    writing: `the layer to ${tempRoot}`,
    cannotWrite: `cannot write the layer to ${tempRoot}`,
    whenFull: `free some space, raise the limit (ulimit -f) or ${elsewhere} with more room`,
    whenUnwritable: opts.tempDir ? 'choose a writable temp folder' : 'set TMPDIR to a writable folder',
  };
  opts.signal?.throwIfAborted();
  const dir = await mkdtemp(path.join(tempRoot, 'flux-oci-layer-')).catch((e: unknown) => Promise.reject(describeWriteFailure(e, writeContext)));
  const file = path.join(dir, 'layer.tar.gz');
  const dispose = () => rm(dir, { recursive: true, force: true });
  const skipped: SkippedEntry[] = [];
  let fileCount = 0;
  let contentBytes = 0;

  const hash = createHash('sha256');
  let size = 0;
  let out: FileHandle | undefined;
  let writeError: unknown;
  try {
    out = await open(file, 'w', 0o600);
    const layerFile = out;
    const tar = new TarBlockWriter(async (chunk) => {
      hash.update(chunk);
      size += chunk.length;
      // Noted here too: a full disk must be reported as such even if the caller sees another error first.
      await layerFile.write(chunk).catch((e: unknown) => Promise.reject((writeError = e)));
    });
    for await (const e of walkLocalTree(opts, skipped)) {
      // Small files are packed without awaiting anything that listens to the signal.
      opts.signal?.throwIfAborted();
      tar.header({ name: e.name, type: e.type, mode: e.mode, size: e.type === 'file' ? e.size : 0 });
      if (e.type === 'file') {
        if (e.size <= smallFileLimit) tar.smallFile(e.absPath!, e.size);
        else await tar.largeFile(e.absPath!, e.size, opts.signal);
        contentBytes += e.size;
        fileCount++;
      }
      if (tar.hasFullBlocks) await tar.send();
    }
    await tar.finish();
    await out.close().catch((e: unknown) => Promise.reject((writeError = e)));
    out = undefined;
  } catch (e) {
    await out?.close().catch(() => undefined);
    await dispose();
    const cause = writeError ?? e;
    // A full disk fails the temp file's write; the producer may notice first, with a vaguer error.
    throw isDiskFull(cause) ? describeWriteFailure(cause, writeContext) : e;
  }

  return {
    file,
    digest: `sha256:${hash.digest('hex')}`,
    size,
    fileCount,
    contentBytes,
    skipped,
    dispose,
  };
}
