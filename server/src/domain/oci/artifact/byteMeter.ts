/** A pass-through stream that counts, optionally hashes (sha256) and caps the bytes it sees. */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

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
    cb(null, chunk);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

