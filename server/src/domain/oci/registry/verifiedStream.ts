/**
 * Content addressing: every byte read from a registry is hashed and the
 * stream fails (instead of ending) when the digest or size differs, so a
 * consumer never mistakes corrupted content for a complete download.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { RegistryError } from './errors';
import { checkDigest } from '../../digest/digest';
import { reclaimBuffers } from '../bufferReclaim';

/** A hasher for content named by `digest`: the algorithms and hex lengths `checkDigest` accepts (node names them alike). */
export function hasherFor(digest: string): { hash: Hash; algorithm: string; hex: string } {
  const checked = checkDigest(digest);
  if (!checked.ok) {
    throw new RegistryError(`unsupported or malformed digest "${digest}": ${checked.problem}`, {
      code: 'invalid-response',
      action: 'expected sha256:<hex>, sha384:<hex> or sha512:<hex>',
    });
  }
  return { hash: createHash(checked.algorithm), algorithm: checked.algorithm, hex: checked.hex };
}

export function digestOf(bytes: Buffer | string, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export class VerifiedStream extends Transform {
  private readonly expectedDigest: string;
  private readonly expectedSize: number | undefined;
  private readonly hash: Hash;
  private readonly algorithm: string;
  private readonly what: string;
  private readonly onBytes: ((n: number) => void) | undefined;
  private seen = 0;

  /** `onBytes` hears each chunk's size as it passes (progress), without a stream of its own. */
  constructor(expected: { digest: string; size?: number }, what: string, onBytes?: (n: number) => void) {
    super();
    this.onBytes = onBytes;
    const { hash, algorithm } = hasherFor(expected.digest);
    this.hash = hash;
    this.algorithm = algorithm;
    this.expectedDigest = expected.digest;
    this.expectedSize = expected.size;
    this.what = what;
  }

  get bytesSeen(): number {
    return this.seen;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.expectedSize !== undefined && this.seen > this.expectedSize) {
      done(this.sizeError());
      return;
    }
    this.hash.update(chunk);
    this.onBytes?.(chunk.length);
    reclaimBuffers(chunk.length);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.expectedSize !== undefined && this.seen !== this.expectedSize) {
      done(this.sizeError());
      return;
    }
    const actual = `${this.algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.expectedDigest) {
      done(
        new RegistryError(`${this.what}: content does not match its digest (expected ${this.expectedDigest}, got ${actual})`, {
          code: 'digest-mismatch',
          action: 'the bytes were corrupted in transit or in the registry; try again, and report it if it persists',
        }),
      );
      return;
    }
    done();
  }

  private sizeError(): RegistryError {
    return new RegistryError(`${this.what}: expected ${this.expectedSize} bytes, got ${this.seen}${this.seen > (this.expectedSize ?? 0) ? ' or more' : ''}`, {
      code: 'digest-mismatch',
      action: 'the transfer was cut or corrupted; try again',
    });
  }
}
