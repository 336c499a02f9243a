/**
 * gzip on several cores, deterministically (the pigz technique).
 *
 * The input is cut at fixed 1 MiB offsets; each block is deflated on zlib's thread
 * pool with the previous block's last 32 KiB as preset dictionary, so matches can
 * still reach back across the cut. Every block but the last ends with a sync flush
 * (byte-aligned, not final), so the raw deflate outputs concatenate into one valid
 * deflate stream; the last block is finished. Header and trailer (CRC-32, size) are
 * written here. Output depends only on the input bytes, never on how the input was
 * chunked or which compression finished first: the same tree gives the same digest.
 *
 * Why: compression is most of the cost of packing an artifact, and one zlib stream
 * uses one core. Any gzip reader (Go's compress/gzip in flux and source-controller,
 * zlib, GNU gzip) reads the result; only the bytes differ from single-stream gzip.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';
import { reclaimBuffers } from '../bufferReclaim.ts';

const blockSize = 1 << 20;
const windowSize = 32 * 1024;
/** Deflate never grows input by more than ~0.03% + a few bytes (stored blocks); this covers it. */
const outputChunkSize = blockSize + 64 * 1024;

// Go's gzip.Writer header: no name, mtime 0, XFL 0 at the default level, OS 255 (unknown).
const gzipHeader = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

function deflateBlock(block: Buffer, dictionary: Buffer | undefined, last: boolean, level: number): Promise<Buffer> {
  const opts: ZlibOptions = {
    level,
    // One output buffer big enough for the whole block: with zlib's 16 KiB default each
    // block took ~60 thread-pool round trips and the main thread spent more time
    // collecting output than the pool spent compressing.
    chunkSize: outputChunkSize,
    finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    ...(dictionary ? { dictionary } : {}),
  };
  return new Promise((resolve, reject) => deflateRaw(block, opts, (err, out) => (err ? reject(err) : resolve(out))));
}

export class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly maxInFlight: number;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** The last full block cut, not yet compressed: we only know it is not last when more input arrives. */
  private held: Buffer | undefined;
  private previousTail: Buffer | undefined;
  private crc = 0;
  private total = 0;
  private headerSent = false;
  private readonly inFlight: Promise<Buffer>[] = [];

  constructor(opts: { level?: number; maxInFlight?: number } = {}) {
    super();
    this.level = opts.level ?? 6;
    this.maxInFlight = opts.maxInFlight ?? 4;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    this.total += chunk.length;
    reclaimBuffers(chunk.length);
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    this.drainBlocks().then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    (async () => {
      const rest = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLength);
      this.pending = [];
      this.pendingLength = 0;
      if (this.held && rest.length > 0) {
        await this.start(this.held, false);
        await this.start(rest, true);
      } else {
        await this.start(this.held ?? rest, true);
      }
      this.held = undefined;
      while (this.inFlight.length > 0) this.emit1(await this.inFlight.shift()!);
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(this.crc >>> 0, 0);
      trailer.writeUInt32LE(this.total % 2 ** 32, 4);
      this.push(trailer);
    })().then(() => cb(), cb);
  }

  /** Cuts every complete block out of the pending input. */
  private async drainBlocks(): Promise<void> {
    while (this.pendingLength > blockSize) {
      const block = this.takeBlock();
      if (this.held) await this.start(this.held, false);
      this.held = block;
    }
  }

  /**
   * The next `blockSize` bytes of pending input, copied at most once: a view when the
   * first chunk holds them all (large file reads), else one copy of the small chunks
   * (tar headers, small files). Every copy is garbage the GC must chase, and with
   * 20,000 small files the old concat-then-copy path doubled it.
   */
  private takeBlock(): Buffer {
    this.pendingLength -= blockSize;
    const first = this.pending[0]!;
    if (first.length >= blockSize) {
      if (first.length === blockSize) this.pending.shift();
      else this.pending[0] = first.subarray(blockSize);
      return first.subarray(0, blockSize);
    }
    const block = Buffer.allocUnsafe(blockSize);
    let offset = 0;
    let used = 0;
    while (offset < blockSize) {
      const chunk = this.pending[used]!;
      const n = Math.min(chunk.length, blockSize - offset);
      chunk.copy(block, offset, 0, n);
      offset += n;
      if (n === chunk.length) used++;
      else this.pending[used] = chunk.subarray(n);
    }
    this.pending = this.pending.slice(used);
    return block;
  }

  /** Starts compressing `block`; waits (emitting in order) while too many are running. */
  private async start(block: Buffer, last: boolean): Promise<void> {
    const dictionary = this.previousTail;
    this.previousTail = block.length >= windowSize ? block.subarray(block.length - windowSize) : block;
    const job = deflateBlock(block, dictionary && dictionary.length > 0 ? dictionary : undefined, last, this.level);
    job.catch(() => undefined); // awaited in order below
    this.inFlight.push(job);
    while (this.inFlight.length >= this.maxInFlight) this.emit1(await this.inFlight.shift()!);
  }

  private emit1(out: Buffer): void {
    if (!this.headerSent) {
      this.push(gzipHeader);
      this.headerSent = true;
    }
    this.push(out);
  }
}
