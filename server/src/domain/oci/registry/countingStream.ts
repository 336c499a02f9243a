/**
 * Reports bytes as they pass, without switching the source into flowing mode
 * (a 'data' listener would, and bytes would be lost before the consumer attaches).
 */
import { Transform, type Readable } from 'node:stream';

export function countBytes(source: Readable, onBytes: (n: number) => void): Readable {
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  source.on('error', (e) => tap.destroy(e));
  return source.pipe(tap);
}
