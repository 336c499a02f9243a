/** A pass-through stream that counts, optionally hashes (sha256) and caps the bytes it sees. */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { reclaimBuffers } from '../bufferReclaim.ts';

export class Meter extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  private readonly hashing: boolean;
  private readonly limit: () => number;
  private readonly onLimit: () => Error;

  constructor(opts: { hash?: boolean; limit?: () => number; onLimit?: () => Error } = {}) {
    super();
    this.hashing = opts.hash ?? true;
    this.limit = opts.limit ?? (() => Infinity);
    this.onLimit = opts.onLimit ?? (() => new Error('size limit reached'));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit()) return cb(this.onLimit());
    if (this.hashing) this.hash.update(chunk);
    reclaimBuffers(chunk.length);
    cb(null, chunk);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/**
 * Gathers small writes into chunks of at least `size` bytes. zlib runs one
 * thread-pool job per write; a tar of many small files arrives in 512-byte headers
 * and ~10 KiB bodies, and job overhead would otherwise dominate the compression.
 */
export class Coalescer extends Transform {
  private parts: Buffer[] = [];
  private length = 0;
  private readonly size: number;

  constructor(size = 1 << 20) {
    super();
    this.size = size;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(chunk);
    this.length += chunk.length;
    if (this.length >= this.size) this.flushParts();
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.flushParts();
    cb();
  }

  private flushParts(): void {
    if (this.length === 0) return;
    this.push(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length));
    this.parts = [];
    this.length = 0;
  }
}
