/**
 * A file written piece by piece on the thread pool, a few MiB at a time in flight, while the caller
 * goes on reading (a large file of a pulled layer: the next chunk is inflated and read meanwhile).
 */
import { closeSync, openSync, write } from 'node:fs';

/** Bytes handed to the thread pool and not yet written. */
const maxInFlight = 4 * 1024 * 1024;

export class QueuedFileWriter {
  private fd: number | undefined;
  private position = 0;
  private inFlight = 0;
  private failure: unknown;
  private readonly writes = new Set<Promise<void>>();

  /** Creates (or truncates) `file` with permission bits `mode`. */
  constructor(file: string, mode: number) {
    this.fd = openSync(file, 'w', mode);
  }

  /** Queues `data` after what came before; a promise to wait for when too much is in flight. */
  write(data: Buffer): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    const done: Promise<void> = writeAt(this.fd!, data, this.position).then(
      () => {
        this.inFlight -= data.length;
        this.writes.delete(done);
      },
      (e: unknown) => {
        this.failure ??= e;
        this.writes.delete(done);
      },
    );
    this.writes.add(done);
    this.position += data.length;
    this.inFlight += data.length;
    if (this.inFlight <= maxInFlight) return undefined;
    return Promise.race(this.writes).then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Waits for every write, then closes the file; throws the first write's failure. */
  async finish(): Promise<void> {
    await Promise.all(this.writes);
    if (this.failure) throw this.failure;
    this.close();
  }

  /** Closes the file without failing, once no write is queued on it: a number closed too early could be reused by the next open. */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.writes);
    this.close();
  }

  /** Once: the entry's end and a failure's clean-up may both get here. */
  private close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes all of `data` at `position` of the open file `fd`, on the thread pool. */
function writeAt(fd: number, data: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = (offset: number): void =>
      write(fd, data, offset, data.length - offset, position + offset, (err, n) => {
        if (err) reject(err);
        else if (offset + n < data.length) from(offset + n);
        else resolve();
      });
    from(0);
  });
}
