/**
 * A TypeScript port of Masterminds/semver v3.5.0 `version.go` (the semver
 * library source-controller links). Flux judges tags with these exact rules,
 * which differ from node-semver (lenient `v` prefix, 1- and 2-part versions,
 * leading zeros coerced, uint64 segments), so we port rather than reuse.
 * Only the behaviour Flux relies on is ported: parsing (with the package's
 * default `CoerceNewVersion = true`), strict parsing, and precedence.
 */
import { parseUint64, utf8Length } from './goUint';

/** Error texts are Masterminds' own, so messages match what Flux reports. */
export class SemverError extends Error {
  override readonly name = 'SemverError';
}

export const ErrInvalidSemVer = 'invalid semantic version';
export const ErrEmptyString = 'version string empty';
export const ErrInvalidCharacters = 'invalid characters in version';
export const ErrSegmentStartsZero = 'version segment starts with 0';
export const ErrInvalidMetadata = 'invalid metadata string';
export const ErrInvalidPrerelease = 'invalid prerelease string';
export const MaxVersionLen = 256;
export const ErrVersionTooLong = `version string is too long (max ${MaxVersionLen} bytes)`;

// Go's regexp `\s` is [\t\n\f\r ]; JS's is wider, so spell the class out.
const looseVersionRegex = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

const NUM = '0123456789';
const ALLOWED = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-' + NUM;

export class Version {
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly prerelease: string,
    readonly metadata: string,
    /** The text the version was parsed from (Go's `Original()`). */
    readonly original: string,
  ) {}

  /** Canonical form without a `v` prefix (Go's `String()`). */
  toString(): string {
    let s = `${this.major}.${this.minor}.${this.patch}`;
    if (this.prerelease) s += `-${this.prerelease}`;
    if (this.metadata) s += `+${this.metadata}`;
    return s;
  }

  /** -1, 0 or 1 by semver precedence; build metadata is ignored. */
  compare(o: Version): number {
    const d = compareSegment(this.major, o.major) || compareSegment(this.minor, o.minor) || compareSegment(this.patch, o.patch);
    if (d !== 0) return d;
    const ps = this.prerelease;
    const po = o.prerelease;
    if (ps === '' && po === '') return 0;
    if (ps === '') return 1;
    if (po === '') return -1;
    return comparePrerelease(ps, po);
  }

  lessThan(o: Version): boolean {
    return this.compare(o) < 0;
  }

  equal(o: Version): boolean {
    return this === o || this.compare(o) === 0;
  }
}

/**
 * Masterminds `NewVersion` with `CoerceNewVersion = true` (the default, and what
 * Flux uses): accepts `v1`, `1.2`, `01.002.3`; rejects bad prerelease/metadata.
 */
export function newVersion(v: string): Version {
  if (utf8Length(v) > MaxVersionLen) throw new SemverError(ErrVersionTooLong);
  const m = looseVersionRegex.exec(v);
  if (!m) throw new SemverError(ErrInvalidSemVer);
  const g = (i: number): string => m[i] ?? '';
  const major = segment(g(1));
  const minor = g(2) !== '' ? segment(g(2).slice(1)) : 0n;
  const patch = g(3) !== '' ? segment(g(3).slice(1)) : 0n;
  const pre = g(5);
  const metadata = g(8);
  if (pre !== '') validatePrerelease(pre);
  if (metadata !== '') validateMetadata(metadata);
  return new Version(major, minor, patch, pre, metadata, v);
}

/** Masterminds `StrictNewVersion`: exactly `MAJOR.MINOR.PATCH[-pre][+meta]`, no `v`, no leading zeros. */
export function strictNewVersion(v: string): Version {
  if (v.length === 0) throw new SemverError(ErrEmptyString);
  if (utf8Length(v) > MaxVersionLen) throw new SemverError(ErrVersionTooLong);
  const parts = splitN(v, '.', 3);
  if (parts.length !== 3) throw new SemverError(ErrInvalidSemVer);
  let metadata = '';
  let pre = '';
  let last = parts[2]!;
  if (last.includes('+')) {
    const extra = splitN(last, '+', 2);
    metadata = extra[1]!;
    last = extra[0]!;
    validateMetadata(metadata);
  }
  if (last.includes('-')) {
    const extra = splitN(last, '-', 2);
    pre = extra[1]!;
    last = extra[0]!;
    validatePrerelease(pre);
  }
  parts[2] = last;
  for (const p of parts) {
    if (!containsOnly(p, NUM)) throw new SemverError(ErrInvalidCharacters);
    if (p.length > 1 && p[0] === '0') throw new SemverError(ErrSegmentStartsZero);
  }
  return new Version(segment(parts[0]!), segment(parts[1]!), segment(parts[2]!), pre, metadata, v);
}

function segment(s: string): bigint {
  const n = parseUint64(s);
  if (n === null) {
    // Go wraps strconv's error; the regex guarantees digits, so only overflow (or empty) gets here.
    throw new SemverError(
      s === ''
        ? `error parsing version segment: strconv.ParseUint: parsing "": invalid syntax`
        : `error parsing version segment: strconv.ParseUint: parsing "${s}": value out of range`,
    );
  }
  return n;
}

function compareSegment(v: bigint, o: bigint): number {
  return v < o ? -1 : v > o ? 1 : 0;
}

export function comparePrerelease(v: string, o: string): number {
  const sparts = v.split('.');
  const oparts = o.split('.');
  const l = Math.max(sparts.length, oparts.length);
  for (let i = 0; i < l; i++) {
    const d = comparePrePart(sparts[i] ?? '', oparts[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return -1;
  if (o === '') return 1;
  // Numeric identifiers rank below alphanumeric ones; "numeric" means ParseUint succeeds.
  const oi = parseUint64(o);
  const si = parseUint64(s);
  if (oi === null && si === null) return s > o ? 1 : -1;
  if (oi === null) return -1;
  if (si === null) return 1;
  return si > oi ? 1 : -1;
}

function containsOnly(s: string, comp: string): boolean {
  for (const ch of s) if (!comp.includes(ch)) return false;
  return true;
}

function validatePrerelease(p: string): void {
  for (const part of p.split('.')) {
    if (part === '') throw new SemverError(ErrInvalidPrerelease);
    if (containsOnly(part, NUM)) {
      if (part.length > 1 && part[0] === '0') throw new SemverError(ErrSegmentStartsZero);
    } else if (!containsOnly(part, ALLOWED)) {
      throw new SemverError(ErrInvalidPrerelease);
    }
  }
}

function validateMetadata(m: string): void {
  for (const part of m.split('.')) {
    if (part === '' || !containsOnly(part, ALLOWED)) throw new SemverError(ErrInvalidMetadata);
  }
}

/** Go's `strings.SplitN` for n > 0. */
export function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}
