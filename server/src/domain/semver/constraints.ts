/**
 * Port of Masterminds/semver v3.5.0 `constraints.go`: `NewConstraint` and
 * `Check`, including the v3.4+ prerelease rule (a prerelease version only
 * satisfies an AND group that itself names a prerelease).
 *
 * The regexes are Masterminds' own. Three run on JS RegExp with Go's `\s`
 * spelled out; the whole-segment validator has nested, ambiguous repetition
 * that backtracks exponentially in JS, so it runs on re2js (linear time, the
 * same RE2 semantics Go uses).
 */
import { RE2JS } from 're2js';
import { Version, newVersion, strictNewVersion, comparePrerelease, SemverError } from './version';
import { utf8Length } from './goUint';

export const MaxConstraintLen = 512;
export const MaxConstraintGroups = 32;
export const ErrConstraintTooLong = `constraint string is too long (max ${MaxConstraintLen} bytes)`;
export const ErrTooManyConstraintGroups = `too many constraint groups (max ${MaxConstraintGroups})`;

const OPS = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;
const CV =
  String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?` +
  String.raw`(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?` +
  String.raw`(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const WS = String.raw`[\t\n\f\r ]`;

const constraintRegex = new RegExp(`^${WS}*(${OPS})${WS}*(${CV})${WS}*$`);
const constraintRangeSource = `${WS}*(${CV})${WS}+-${WS}+(${CV})${WS}*`;
const findConstraintSource = `(${OPS})${WS}*(${CV})`;
// Compiled at its first use, not at load: RE2JS takes ~10 ms over it, which every start of the
// language server and of `check` paid before reading a single constraint (issue 18: start-up).
let validConstraintRegex: RE2JS | undefined;
const validConstraint = (): RE2JS => (validConstraintRegex ??= RE2JS.compile(String.raw`^(\s*(${OPS})\s*(${CV})\s*)((?:\s+|,\s*)(${OPS})\s*(${CV})\s*)*$`));

type Op = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

interface Constraint {
  con: Version;
  orig: string;
  op: Op;
  minorDirty: boolean;
  patchDirty: boolean;
  dirty: boolean;
}

/** A parsed constraint expression: OR groups of AND-ed comparators. */
export class Constraints {
  /** @internal */
  constructor(
    readonly groups: readonly (readonly Constraint[])[],
    /** Per OR group: does it name a prerelease (which lets prerelease versions in)? */
    readonly containsPre: readonly boolean[],
    readonly source: string,
  ) {}

  /** Masterminds `Check` (with `IncludePrerelease` false, as Flux leaves it). */
  check(v: Version): boolean {
    for (let i = 0; i < this.groups.length; i++) {
      const includePre = this.containsPre[i]!;
      if (this.groups[i]!.every((c) => checkOne(v, c, includePre))) return true;
    }
    return false;
  }
}

/** Masterminds `NewConstraint`. Throws SemverError with Masterminds' message. */
export function newConstraint(c: string): Constraints {
  if (utf8Length(c) > MaxConstraintLen) throw new SemverError(ErrConstraintTooLong);
  const source = c;
  c = rewriteRange(c);
  const ors = c.split('||');
  if (ors.length > MaxConstraintGroups) throw new SemverError(ErrTooManyConstraintGroups);
  const groups: Constraint[][] = [];
  const hasPre: boolean[] = [];
  for (const v of ors) {
    if (!validConstraint().testExact(v)) throw new SemverError(`improper constraint: ${goQuote(v)}`);
    let cs = [...v.matchAll(new RegExp(findConstraintSource, 'g'))].map((m) => m[0]);
    if (cs.length === 0) cs = [v];
    let pre = false;
    const result = cs.map((s) => {
      const pc = parseConstraint(s);
      if (pc.con.prerelease !== '') pre = true;
      return pc;
    });
    groups.push(result);
    hasPre.push(pre);
  }
  return new Constraints(groups, hasPre, source);
}

/** `newConstraint` that reports the error text instead of throwing. */
export function parseConstraintExpression(c: string): { constraints: Constraints } | { error: string } {
  try {
    return { constraints: newConstraint(c) };
  } catch (e) {
    if (e instanceof SemverError) return { error: e.message };
    throw e;
  }
}

function parseConstraint(c: string): Constraint {
  if (c.length > 0) {
    const m = constraintRegex.exec(c);
    if (!m) throw new SemverError(`improper constraint: ${goQuote(c)}`);
    const g = (i: number): string => m[i] ?? '';
    let ver = g(2);
    let minorDirty = false;
    let patchDirty = false;
    let dirty = false;
    if (isX(g(3)) || g(3) === '') {
      ver = `0.0.0${g(6)}`;
      dirty = true;
    } else if (isX(trimDot(g(4))) || g(4) === '') {
      minorDirty = true;
      dirty = true;
      ver = `${g(3)}.0.0${g(6)}`;
    } else if (isX(trimDot(g(5))) || g(5) === '') {
      dirty = true;
      patchDirty = true;
      ver = `${g(3)}${g(4)}.0${g(6)}`;
    }
    let con: Version;
    try {
      con = newVersion(ver);
    } catch {
      throw new SemverError('constraint parser error');
    }
    return { con, orig: g(2), op: g(1) as Op, minorDirty, patchDirty, dirty };
  }
  // An empty constraint means `*` (>= 0.0.0).
  return { con: strictNewVersion('0.0.0'), orig: c, op: '', minorDirty: false, patchDirty: false, dirty: true };
}

function trimDot(s: string): string {
  return s.startsWith('.') ? s.slice(1) : s;
}

function isX(x: string): boolean {
  return x === 'x' || x === '*' || x === 'X';
}

function rewriteRange(i: string): string {
  const matches = [...i.matchAll(new RegExp(constraintRangeSource, 'g'))];
  let o = i;
  for (const v of matches) {
    const t = `>= ${v[1] ?? ''}, <= ${v[11] ?? ''} `;
    // Go's strings.Replace(o, v[0], t, 1): the first occurrence in the current text.
    const at = o.indexOf(v[0]);
    if (at >= 0) o = o.slice(0, at) + t + o.slice(at + v[0].length);
  }
  return o;
}

function checkOne(v: Version, c: Constraint, includePre: boolean): boolean {
  // Prereleases are decided per AND group and passed in.
  if (v.prerelease !== '' && !includePre) return false;
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde(v, c) : v.equal(c.con);
    case '!=':
      return notEqual(v, c);
    case '>':
      return greaterThan(v, c);
    case '<':
      return v.compare(c.con) < 0;
    case '>=':
    case '=>':
      return v.compare(c.con) >= 0;
    case '<=':
    case '=<':
      return lessThanEqual(v, c);
    case '~':
    case '~>':
      return tilde(v, c);
    case '^':
      return caret(v, c);
  }
}

function notEqual(v: Version, c: Constraint): boolean {
  if (c.dirty) {
    if (c.con.major !== v.major) return true;
    if (c.con.minor !== v.minor && !c.minorDirty) return true;
    else if (c.minorDirty) return false;
    else if (c.con.patch !== v.patch && !c.patchDirty) return true;
    else if (c.patchDirty) {
      if (v.prerelease !== '' || c.con.prerelease !== '') return comparePrerelease(v.prerelease, c.con.prerelease) !== 0;
      return false;
    }
  }
  return !v.equal(c.con);
}

function greaterThan(v: Version, c: Constraint): boolean {
  if (!c.dirty) return v.compare(c.con) === 1;
  if (v.major > c.con.major) return true;
  if (v.major < c.con.major) return false;
  // `>11` means 12 or higher; `>11.1` means 11.2 or higher.
  if (c.minorDirty) return false;
  if (c.patchDirty) return v.minor > c.con.minor;
  return v.compare(c.con) === 1;
}

function lessThanEqual(v: Version, c: Constraint): boolean {
  if (!c.dirty) return v.compare(c.con) <= 0;
  if (v.major > c.con.major) return false;
  if (v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty) return false;
  return true;
}

function tilde(v: Version, c: Constraint): boolean {
  if (v.lessThan(c.con)) return false;
  // ~0.0.0 accepts everything.
  if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.con.major) return false;
  if (v.minor !== c.con.minor && !c.minorDirty) return false;
  return true;
}

function caret(v: Version, c: Constraint): boolean {
  if (v.lessThan(c.con)) return false;
  if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
  if (c.con.major === 0n && v.major > 0n) return false;
  if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
  if (c.con.minor === 0n && v.minor > 0n) return false;
  return c.con.patch === v.patch;
}

/** Go's `%q` for the ASCII-ish strings constraints are made of. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}
