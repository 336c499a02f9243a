/**
 * Reads a tar archive as it streams in, handing each entry's header and data to the caller: the
 * reading side of `tarHeader.ts` (issue 18: pulls of many small files).
 *
 * tar-stream gave every entry a stream of its own, with its events and ticks; a Flux layer of
 * 10 KiB files spent more time there than in inflating and writing them (a 50 MB pull of 5,000
 * files: ~150 ms of tar handling, ~60 ms here). Entries arrive as slices of the inflated chunks,
 * not copies, and a caller's synchronous answer costs no tick.
 *
 * What it reads, as tar-stream did: POSIX ustar (name = prefix/name), GNU ('ustar  ' magic, long
 * names and link names in 'L'/'K' entries, base-256 sizes), PAX extended headers ('x': path,
 * linkpath, size), v7 (a name ending in '/' is a folder). A header whose checksum is wrong is
 * refused; zero records are skipped (the archive's end, or padding), and what follows them is
 * read on, so trailing garbage is seen by the caller's size limits rather than ignored.
 */
import { Writable } from 'node:stream';
import { tarPadding, tarRecordSize } from './tarHeader.ts';

export type TarEntryType =
  'file' | 'contiguous-file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo' | 'pax-global-header' | 'unknown';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  /** The mode field as written (permission and special bits). */
  mode: number;
  size: number;
  linkname: string;
}

/** Where an entry's data goes: skipped, gathered into one Buffer, or handed over piece by piece. */
export type TarEntryUse =
  | { take: 'skip' }
  | { take: 'whole' }
  /** `piece` may answer with a promise to be waited for before the next piece (backpressure); `end` comes after the last. */
  | { take: 'pieces'; piece(bytes: Buffer): void | Promise<void>; end(): void | Promise<void> };

export interface TarVisitor {
  /** A header was read; says what to do with the entry's data. */
  entry(header: TarEntry): TarEntryUse | Promise<TarEntryUse>;
  /** The whole data of an entry taken 'whole' (a slice of the input when it came in one chunk). */
  whole?(header: TarEntry, data: Buffer): void | Promise<void>;
}

const typeOfFlag: Record<number, TarEntryType> = {
  0: 'file',
  0x30: 'file',
  0x31: 'link',
  0x32: 'symlink',
  0x33: 'character-device',
  0x34: 'block-device',
  0x35: 'directory',
  0x36: 'fifo',
  0x37: 'contiguous-file',
  0x67: 'pax-global-header',
};
const paxFlag = 0x78;
/** The most a PAX header or GNU long name may hold. */
const metaMaxBytes = 1 << 20;
const gnuLongNameFlag = 0x4c;
const gnuLongLinkFlag = 0x4b;

function corrupt(what: string): Error {
  return new Error(`Invalid tar header: ${what}; the archive is corrupted, or it is not a tar`);
}

/** A NUL-terminated text field. */
function text(buf: Buffer, start: number, length: number): string {
  let end = start;
  const max = start + length;
  while (end < max && buf[end] !== 0) end++;
  return buf.toString('utf8', start, end);
}

/** An octal number field (leading spaces or NULs, then digits up to a space or NUL), or GNU base-256. */
function numberField(buf: Buffer, start: number, length: number): number {
  if (buf[start]! & 0x80) {
    // Base-256, big-endian, the top bit of the first byte a flag; negative values are refused.
    if (buf[start]! & 0x40) throw corrupt('a negative number');
    let value = buf[start]! & 0x3f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + buf[i]!;
    if (!Number.isSafeInteger(value)) throw corrupt('a number too large');
    return value;
  }
  let i = start;
  const end = start + length;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  let value = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw corrupt(`a non-octal digit in a number field at offset ${start}`);
    value = value * 8 + (c - 0x30);
  }
  return value;
}

function isZeroRecord(buf: Buffer, at: number): boolean {
  for (let i = at; i < at + tarRecordSize; i++) if (buf[i] !== 0) return false;
  return true;
}

/** The checksum as tar writes it: every byte of the header, the checksum field counted as spaces. */
function checksumOk(buf: Buffer, at: number): boolean {
  let sum = 8 * 0x20;
  for (let i = at; i < at + 148; i++) sum += buf[i]!;
  for (let i = at + 156; i < at + tarRecordSize; i++) sum += buf[i]!;
  return sum === numberField(buf, at + 148, 8);
}

/** PAX records, "<length> <key>=<value>\n" each. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = space > at ? Number(data.toString('latin1', at, space)) : NaN;
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length) throw corrupt('a malformed PAX record');
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

type State =
  | { at: 'header' }
  | { at: 'data'; header: TarEntry; use: TarEntryUse | { take: 'meta'; flag: number }; left: number; parts: Buffer[]; padding: number }
  | { at: 'padding'; left: number };

/**
 * A Writable to pipe the inflated archive into; `visitor` hears every entry in order. The stream
 * fails on a malformed archive, or if it ends inside an entry or header.
 */
export class TarReader extends Writable {
  private state: State = { at: 'header' };
  /** A header cut by a chunk boundary, gathered here. */
  private partial: Buffer | undefined;
  private partialLength = 0;
  /** What the last PAX or GNU entries said of the next entry. */
  private pending: { name?: string; linkname?: string; size?: number } = {};

  constructor(private readonly visitor: TarVisitor) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    // Read on the next tick, not inside the write: gunzip hands over a chunk from its thread-pool
    // callback and starts inflating the next one only after this returns, so the files this chunk
    // holds are written while the next is inflated instead of before (issue 18: 50 MB of small
    // files pulled, the main thread waited on every chunk).
    process.nextTick(() => this.consumeWrite(chunk, done));
  }

  private consumeWrite(chunk: Buffer, done: (error?: Error | null) => void): void {
    let result: Promise<void> | undefined;
    try {
      result = this.consume(chunk, 0);
    } catch (e) {
      done(e as Error);
      return;
    }
    if (result) result.then(() => done(), done);
    else done();
  }

  override _final(done: (error?: Error | null) => void): void {
    const midway = this.state.at === 'data' || (this.state.at === 'padding' && this.state.left > 0) || this.partialLength > 0;
    done(midway ? new Error('Unexpected end of the tar archive: it stops inside an entry') : null);
  }

  /** Reads `chunk` from `at`; a promise only when the visitor answered with one. */
  private consume(chunk: Buffer, at: number): Promise<void> | undefined {
    while (at < chunk.length) {
      // Torn down (cancelled, or a stream before failed) while the visitor was waited for: the
      // caller is cleaning up, and must not be handed another entry that would write again.
      if (this.destroyed) return undefined;
      const state = this.state;
      if (state.at === 'padding') {
        const n = Math.min(state.left, chunk.length - at);
        at += n;
        state.left -= n;
        if (state.left === 0) this.state = { at: 'header' };
        continue;
      }
      if (state.at === 'data') {
        const n = Math.min(state.left, chunk.length - at);
        const piece = chunk.subarray(at, at + n);
        at += n;
        state.left -= n;
        const use = state.use;
        let wait: void | Promise<void> = undefined;
        if (use.take === 'pieces') wait = use.piece(piece);
        else if (use.take !== 'skip') state.parts.push(piece);
        if (state.left === 0) {
          this.state = state.padding > 0 ? { at: 'padding', left: state.padding } : { at: 'header' };
          if (wait) return wait.then(() => this.finishEntry(state)).then(() => this.consume(chunk, at));
          wait = this.finishEntry(state);
        }
        if (wait) return wait.then(() => this.consume(chunk, at));
        continue;
      }
      // A header: whole in this chunk, or gathered across chunks.
      let buf = chunk;
      let start = at;
      if (this.partialLength > 0 || chunk.length - at < tarRecordSize) {
        this.partial ??= Buffer.allocUnsafe(tarRecordSize);
        const n = Math.min(tarRecordSize - this.partialLength, chunk.length - at);
        chunk.copy(this.partial, this.partialLength, at, at + n);
        this.partialLength += n;
        at += n;
        if (this.partialLength < tarRecordSize) continue;
        this.partialLength = 0;
        buf = this.partial;
        start = 0;
      } else at += tarRecordSize;
      const answer = this.header(buf, start);
      if (answer) return answer.then(() => this.consume(chunk, at));
    }
    return undefined;
  }

  /** Reads the header at `buf[at]`; a promise when the visitor answered with one. */
  private header(buf: Buffer, at: number): Promise<void> | undefined {
    if (isZeroRecord(buf, at)) return undefined;
    if (!checksumOk(buf, at)) throw corrupt('its checksum does not match');
    const flag = buf[at + 156]!;
    let size = numberField(buf, at + 124, 12);
    if (flag === paxFlag || flag === gnuLongNameFlag || flag === gnuLongLinkFlag) {
      // Held in memory whole: a name or a few records, never content.
      if (size > metaMaxBytes) throw corrupt(`a ${flag === paxFlag ? 'PAX' : 'GNU long name'} entry of ${size} bytes`);
      return this.startData({ name: '', type: 'unknown', mode: 0, size, linkname: '' }, { take: 'meta', flag }, size, tarPadding(size));
    }
    let name = text(buf, at, 100);
    // POSIX ustar ("ustar\0") keeps a prefix; GNU's "ustar  " uses those bytes for other things.
    if (buf.toString('latin1', at + 257, at + 263) === 'ustar\0') {
      const prefix = text(buf, at + 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let type = typeOfFlag[flag] ?? 'unknown';
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    let linkname = text(buf, at + 157, 100);
    const { pending } = this;
    this.pending = {};
    if (pending.name !== undefined) name = pending.name;
    if (pending.linkname !== undefined) linkname = pending.linkname;
    if (pending.size !== undefined) size = pending.size;
    const header: TarEntry = { name, type, mode: numberField(buf, at + 100, 8), size, linkname };
    const use = this.visitor.entry(header);
    if (use instanceof Promise) return use.then((u) => this.startData(header, u, size, tarPadding(size)));
    return this.startData(header, use, size, tarPadding(size));
  }

  /** Reads the entry's data next; an empty entry is done at once (a promise when the visitor answered with one). */
  private startData(header: TarEntry, use: TarEntryUse | { take: 'meta'; flag: number }, size: number, padding: number): Promise<void> | undefined {
    if (size > 0) {
      this.state = { at: 'data', header, use, left: size, parts: [], padding };
      return undefined;
    }
    this.state = padding > 0 ? { at: 'padding', left: padding } : { at: 'header' };
    return this.finishEntry({ at: 'data', header, use, left: 0, parts: [], padding }) ?? undefined;
  }

  /** The entry's data is all read: handed over, or applied to the next entry (PAX, GNU long names). */
  private finishEntry(state: Extract<State, { at: 'data' }>): void | Promise<void> {
    const use = state.use;
    if (use.take === 'pieces') return use.end();
    if (use.take === 'meta') this.applyMeta(use.flag, concat(state.parts));
    else if (use.take === 'whole') return this.visitor.whole?.(state.header, concat(state.parts));
    return undefined;
  }

  private applyMeta(flag: number, data: Buffer): void {
    if (flag === paxFlag) {
      const records = paxRecords(data);
      const path = records.get('path');
      const linkpath = records.get('linkpath');
      const size = records.get('size');
      if (path !== undefined) this.pending.name = path;
      if (linkpath !== undefined) this.pending.linkname = linkpath;
      if (size !== undefined) {
        const n = Number(size);
        if (!Number.isSafeInteger(n) || n < 0) throw corrupt(`a PAX size of "${size}"`);
        this.pending.size = n;
      }
    } else {
      const end = data.indexOf(0);
      const value = data.toString('utf8', 0, end < 0 ? data.length : end);
      if (flag === gnuLongNameFlag) this.pending.name = value;
      else this.pending.linkname = value;
    }
  }
}

function concat(parts: Buffer[]): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
