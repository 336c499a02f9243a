/**
 * Go's `strconv.ParseUint(s, 10, 64)` and byte length, which the Masterminds
 * port needs bit-for-bit: version segments are uint64 (beyond JS numbers) and
 * Go measures string limits in UTF-8 bytes.
 */

const MAX_UINT64 = (1n << 64n) - 1n;

/** The uint64 value of a base-10 digit string, or null where Go would return an error. */
export function parseUint64(s: string): bigint | null {
  if (s.length === 0) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s);
  return v > MAX_UINT64 ? null : v;
}

const encoder = new TextEncoder();

/** Length in UTF-8 bytes, what Go's `len(string)` reports. */
export function utf8Length(s: string): number {
  // Fast path: ASCII is one byte per code unit.
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s.length : encoder.encode(s).length;
}
