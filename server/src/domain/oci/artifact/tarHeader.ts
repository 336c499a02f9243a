/**
 * Tar headers of the Flux content layer, written straight into the caller's buffer.
 *
 * Byte for byte what tar-stream 3's `pack()` wrote for our normalised entries (uid/gid 0,
 * empty owner names, mtime 0, no links): USTAR with the name split into prefix/name at a
 * '/', and for a name that is not ASCII or does not fit, tar-stream's PAX form (a
 * "PaxHeader" entry carrying `path=`, then the entry's own header, also named
 * "PaxHeader"). Layers built before this module existed keep their digests; the test
 * checks it against tar-stream on awkward names, modes and sizes.
 */

export const tarRecordSize = 512;
/** The zero bytes that round an entry's `size` bytes of data up to whole records. */
export function tarPadding(size: number): number {
  return (tarRecordSize - (size % tarRecordSize)) % tarRecordSize;
}
/** The end of an archive: two zero records. */
export const tarEndSize = 2 * tarRecordSize;

export interface TarEntryHeader {
  name: string;
  type: 'file' | 'directory';
  /** Permission bits (with setuid/setgid/sticky); 0 is written as tar-stream's default (0644 / 0755). */
  mode: number;
  size: number;
}

const typeFlag = { file: 0x30, directory: 0x35, pax: 0x78 } as const;

/**
 * The fields every header shares (uid/gid 0, mtime 0, USTAR magic, device 0), and their
 * checksum share with the checksum field counted as spaces: a header is this template
 * plus name, mode, size and type, all written here byte by byte (no native calls).
 */
const template = Buffer.alloc(tarRecordSize);
template.write('000000 ', 108, 'latin1'); // uid
template.write('000000 ', 116, 'latin1'); // gid
template.write('00000000000 ', 136, 'latin1'); // mtime
template.write('ustar\0' + '00', 257, 'latin1');
template.write('000000 ', 329, 'latin1'); // devmajor
template.write('000000 ', 337, 'latin1'); // devminor
const templateSum = template.reduce((sum, b) => sum + b, 0) + 8 * 0x20;

/** ASCII `text` at `offset`; returns the sum of its bytes (for the checksum). */
function writeAscii(buf: Buffer, offset: number, text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    buf[offset + i] = c;
    sum += c;
  }
  return sum;
}

/** `value` in octal, zero-padded to `digits`, then a space (tar-stream's encodeOct); returns the byte sum. */
function writeOctal(buf: Buffer, offset: number, value: number, digits: number): number {
  const text = value.toString(8);
  if (text.length > digits) return writeAscii(buf, offset, '7'.repeat(digits) + ' '); // the field's largest value
  const zeros = digits - text.length;
  buf.fill(0x30, offset, offset + zeros);
  buf[offset + digits] = 0x20;
  return zeros * 0x30 + writeAscii(buf, offset + zeros, text) + 0x20;
}

function writeSize(buf: Buffer, offset: number, size: number): number {
  if (size.toString(8).length <= 11) return writeOctal(buf, offset, size, 11);
  // Over 8 GiB: base-256, as tar-stream and Go's tar do.
  buf[offset] = 0x80;
  let sum = 0x80;
  for (let i = 11; i > 0; i--) {
    buf[offset + i] = size & 0xff;
    sum += size & 0xff;
    size = Math.floor(size / 0x100);
  }
  return sum;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** USTAR name and prefix of an ASCII name, or undefined when it cannot be split to fit. */
function splitName(name: string): { name: string; prefix: string } | undefined {
  let prefix = '';
  while (name.length > 100) {
    const i = name.indexOf('/');
    if (i === -1) return undefined;
    prefix += prefix ? '/' + name.slice(0, i) : name.slice(0, i);
    name = name.slice(i + 1);
  }
  return prefix.length > 155 ? undefined : { name, prefix };
}

function writeRecord(buf: Buffer, offset: number, name: string, prefix: string, flag: number, mode: number, size: number): void {
  template.copy(buf, offset);
  let sum = templateSum + writeAscii(buf, offset, name);
  sum += writeOctal(buf, offset + 100, mode & 0o7777, 6);
  sum += writeSize(buf, offset + 124, size);
  buf[offset + 156] = flag;
  sum += flag;
  if (prefix) sum += writeAscii(buf, offset + 345, prefix);
  writeOctal(buf, offset + 148, sum, 6);
}

function modeOf(h: TarEntryHeader): number {
  return h.mode || (h.type === 'directory' ? 0o755 : 0o644);
}

/**
 * Writes the one-record USTAR header of `h` at `offset` (512 bytes must be free there).
 * Returns false, writing nothing, when the name needs the PAX form (`paxHeaderRecords`).
 */
export function writeUstarHeader(buf: Buffer, offset: number, h: TarEntryHeader): boolean {
  if (!isAscii(h.name)) return false;
  const split = splitName(h.name);
  if (!split) return false;
  writeRecord(buf, offset, split.name, split.prefix, typeFlag[h.type], modeOf(h), h.size);
  return true;
}

/** PAX length-prefixed record: the length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const len = Buffer.byteLength(body);
  let digits = Math.floor(Math.log(len) / Math.log(10)) + 1;
  if (len + digits >= Math.pow(10, digits)) digits++;
  return `${len + digits}${body}`;
}

/** The records of `h` in PAX form (extended header, its data padded to 512, the entry header). */
export function paxHeaderRecords(h: TarEntryHeader): Buffer {
  const data = Buffer.from(paxRecord('path', h.name));
  const padded = Math.ceil(data.length / tarRecordSize) * tarRecordSize;
  const out = Buffer.alloc(tarRecordSize + padded + tarRecordSize);
  const mode = modeOf(h);
  writeRecord(out, 0, 'PaxHeader', '', typeFlag.pax, mode, data.length);
  data.copy(out, tarRecordSize);
  writeRecord(out, tarRecordSize + padded, 'PaxHeader', '', typeFlag[h.type], mode, h.size);
  return out;
}
