/**
 * Reports bytes as they pass, without switching the source into flowing mode
 * (a 'data' listener would, and bytes would be lost before the consumer attaches).
 * Linked with pipeline() so errors and early closes travel both ways and a late
 * error never becomes an unhandled 'error' event.
 */
import { Transform, pipeline, type Readable } from 'node:stream';
import { reclaimBuffers } from '../bufferReclaim';

export function countBytes(source: Readable, onBytes: (n: number) => void): Readable {
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      reclaimBuffers(chunk.length);
      done(null, chunk);
    },
  });
  pipeline(source, tap, () => undefined);
  return tap;
}
