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
 *
 * `GzipBlocks` takes whole blocks (the layer builder fills them in place, no copies);
 * `ParallelGzip` is the same engine as a Transform over arbitrary chunks.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';
import { reclaimBuffers } from '../bufferReclaim.ts';

/** Every block but the last is exactly this long; the cut points fix the output bytes. */
export const gzipBlockSize = 1 << 20;
const windowSize = 32 * 1024;
/** Deflate never grows input by more than ~0.03% + a few bytes (stored blocks); this covers it. */
const outputChunkSize = gzipBlockSize + 64 * 1024;

// Go's gzip.Writer header: no name, mtime 0, XFL 0 at the default level, OS 255 (unknown).
const gzipHeader = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

/** Output room a block's deflate must leave unused for its output to be the one-pass output (see `deflateOnce`). */
const outputMargin = 64;

function deflateBlock(block: Buffer, dictionary: Buffer | undefined, last: boolean, level: number, room: number): Promise<Buffer> {
  const opts: ZlibOptions = {
    level,
    // One output buffer for the whole block: with zlib's 16 KiB default each block took ~60
    // thread-pool round trips and the main thread spent more time collecting output than
    // the pool spent compressing.
    chunkSize: room,
    finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    ...(dictionary ? { dictionary } : {}),
  };
  return new Promise((resolve, reject) => deflateRaw(block, opts, (err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * Whether a block looks like text: at most 1 byte in 16 above 0x7f in three 1 KiB samples.
 * Compressed or random data (half its bytes are) gets a whole block's output buffer at once
 * rather than a small one it would overflow and a second deflate.
 */
function looksLikeText(block: Buffer): boolean {
  if (block.length < 3 * 1024) return true;
  let high = 0;
  for (const start of [0, block.length >> 1, block.length - 1024]) {
    for (let i = start; i < start + 1024; i++) if (block[i]! > 0x7f) high++;
  }
  return high * 16 <= 3 * 1024;
}

/**
 * Deflates a block into an output buffer of `room` bytes, or again into a whole block's worth
 * when the output did not fit with `outputMargin` to spare. The bytes are always those of one
 * deflate call that never ran out of output space (as with the whole-block buffer every layer
 * used before): zlib's output depends on where it runs out (a sync flush that ends exactly at
 * the buffer's end is written twice), never on how much room is left over.
 */
async function deflateOnce(block: Buffer, dictionary: Buffer | undefined, last: boolean, level: number, room: number): Promise<Buffer> {
  if (room < outputChunkSize) {
    const out = await deflateBlock(block, dictionary, last, level, room);
    if (out.length <= room - outputMargin) return out;
  }
  return deflateBlock(block, dictionary, last, level, outputChunkSize);
}

export interface GzipBlocksOptions {
  /** Default 6, Go's gzip.DefaultCompression. */
  level?: number;
  /** Blocks compressing at once (default 4). */
  maxInFlight?: number;
  /** Called with each block once zlib is done with it, for reuse. */
  release?: (block: Buffer) => void;
  /** Size each block's output buffer from the last output (default); false: always a whole block's worth. */
  adaptiveOutput?: boolean;
}

/** The engine: whole blocks in, gzip bytes out in order through `out` (awaited: it is the backpressure). */
export class GzipBlocks {
  private readonly level: number;
  private readonly maxInFlight: number;
  private readonly release: (block: Buffer) => void;
  /** The last full block given, not yet compressed: it is the last one only if nothing follows. */
  private held: Buffer | undefined;
  /** A copy of the previous block's tail (zlib copies a dictionary when a stream starts, so one copy per block suffices). */
  private dictionary: Buffer | undefined;
  private crc = 0;
  private total = 0;
  private headerSent = false;
  private readonly inFlight: Array<{ job: Promise<Buffer>; block: Buffer }> = [];
  private readonly out: (chunk: Buffer) => void | Promise<void>;
  private readonly adaptiveOutput: boolean;
  /**
   * Output buffer for the next block: twice the last block's output plus 64 KiB. zlib's output
   * buffer is 1 MiB of V8 external memory per block however little is written into it, and for
   * well-compressing trees (a few % of that is used) its churn set off most of a push's full
   * GCs. Random data gets the whole block's worth after its first block.
   */
  private outputRoom = outputChunkSize;

  constructor(out: (chunk: Buffer) => void | Promise<void>, opts: GzipBlocksOptions = {}) {
    this.out = out;
    this.level = opts.level ?? 6;
    this.maxInFlight = opts.maxInFlight ?? 4;
    this.release = opts.release ?? (() => undefined);
    this.adaptiveOutput = opts.adaptiveOutput ?? true;
  }

  /** Adds the next `gzipBlockSize` bytes of input; the engine owns `block` until `release`. */
  async add(block: Buffer): Promise<void> {
    if (block.length !== gzipBlockSize) throw new Error(`gzip block of ${block.length} bytes, expected ${gzipBlockSize}`);
    this.crc = crc32(block, this.crc);
    this.total += block.length;
    const previous = this.held;
    this.held = block;
    if (previous) await this.start(previous, false);
  }

  /** Adds the input's last bytes (fewer than a block, maybe none) and writes the rest, trailer included. */
  async finish(rest: Buffer): Promise<void> {
    this.crc = crc32(rest, this.crc);
    this.total += rest.length;
    const held = this.held;
    this.held = undefined;
    if (held && rest.length > 0) {
      await this.start(held, false);
      await this.start(rest, true);
    } else {
      await this.start(held ?? rest, true);
    }
    while (this.inFlight.length > 0) await this.emitOldest();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.total % 2 ** 32, 4);
    await this.out(trailer);
  }

  /** Starts compressing `block`; waits (emitting in order) while too many are running. */
  private async start(block: Buffer, last: boolean): Promise<void> {
    const dictionary = this.dictionary;
    this.dictionary = block.length === 0 ? dictionary : Buffer.from(block.subarray(Math.max(0, block.length - windowSize)));
    const room = looksLikeText(block) ? this.outputRoom : outputChunkSize;
    const job = deflateOnce(block, dictionary, last, this.level, room).then((out) => {
      if (this.adaptiveOutput) this.outputRoom = Math.min(outputChunkSize, 2 * out.length + 64 * 1024);
      return out;
    });
    job.catch(() => undefined); // awaited in order below
    this.inFlight.push({ job, block });
    while (this.inFlight.length >= this.maxInFlight) await this.emitOldest();
  }

  private async emitOldest(): Promise<void> {
    const { job, block } = this.inFlight.shift()!;
    const out = await job;
    this.release(block);
    // The output is a view of zlib's output buffer: count it all towards the next young GC.
    reclaimBuffers(out.buffer.byteLength);
    if (!this.headerSent) {
      this.headerSent = true;
      await this.out(gzipHeader);
    }
    await this.out(out);
  }
}

/** `GzipBlocks` over a stream of arbitrary chunks (blocks cut at the same offsets, so the same bytes). */
export class ParallelGzip extends Transform {
  private readonly engine: GzipBlocks;
  private pending: Buffer[] = [];
  private pendingLength = 0;

  constructor(opts: Omit<GzipBlocksOptions, 'release'> = {}) {
    super();
    this.engine = new GzipBlocks((chunk) => void this.push(chunk), opts);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    reclaimBuffers(chunk.length);
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    this.drainBlocks().then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    this.engine.finish(rest).then(() => cb(), cb);
  }

  /** Hands every complete block of the pending input to the engine. */
  private async drainBlocks(): Promise<void> {
    while (this.pendingLength >= gzipBlockSize) await this.engine.add(this.takeBlock());
  }

  /** The next block of pending input: a view when one chunk holds it, else one copy of the small chunks. */
  private takeBlock(): Buffer {
    this.pendingLength -= gzipBlockSize;
    const first = this.pending[0]!;
    if (first.length >= gzipBlockSize) {
      if (first.length === gzipBlockSize) this.pending.shift();
      else this.pending[0] = first.subarray(gzipBlockSize);
      return first.subarray(0, gzipBlockSize);
    }
    const block = Buffer.allocUnsafe(gzipBlockSize);
    let offset = 0;
    let used = 0;
    while (offset < gzipBlockSize) {
      const chunk = this.pending[used]!;
      const n = Math.min(chunk.length, gzipBlockSize - offset);
      chunk.copy(block, offset, 0, n);
      offset += n;
      if (n === chunk.length) used++;
      else this.pending[used] = chunk.subarray(n);
    }
    this.pending = this.pending.slice(used);
    return block;
  }
}
