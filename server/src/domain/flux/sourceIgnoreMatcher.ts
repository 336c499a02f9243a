/**
 * Flux's own ignore matcher, line for line: fluxcd/pkg/sourceignore v0.18.0 (`ReadPatterns`,
 * `NewMatcher`) and its `gitignore` package (a copy of go-git's plumbing/format/gitignore:
 * `ParsePattern`, `pattern.Match`, `simpleNameMatch`, `globMatch`, `matcher.Match`), with Go's
 * `path/filepath.Match` under it. source-controller matches Bucket keys with exactly this
 * (bucket_controller.go `fetchEtagIndex`: `matcher.Match(strings.Split(key, "/"), false)`).
 *
 * It differs from git (and the `ignore` package) where go-git does: the last matching pattern
 * wins even under an excluded folder (`dir/` then `!dir/keep.yaml` keeps the file), a
 * directory-only pattern excludes the keys under a folder of that name but not a key with that
 * name, and a pattern part containing `**` beside other characters never matches. A preview of
 * what a Bucket packs must agree with the controller, not with git.
 */

export type MatchResult = 'none' | 'exclude' | 'include';

export interface SourceIgnorePattern {
  /** The line as written (for telling which rule dropped a key). */
  readonly source: string;
  match(path: readonly string[], isDir: boolean): MatchResult;
}

class GoGitPattern implements SourceIgnorePattern {
  readonly source: string;
  private readonly domain: readonly string[];
  private readonly parts: string[];
  private readonly inclusion: boolean;
  private readonly dirOnly: boolean;
  private readonly isGlob: boolean;

  constructor(line: string, domain: readonly string[]) {
    this.source = line;
    this.domain = [...domain];
    let p = line;
    this.inclusion = p.startsWith('!');
    if (this.inclusion) p = p.slice(1);
    if (!p.endsWith('\\ ')) p = p.replace(/ +$/, '');
    this.dirOnly = p.endsWith('/');
    if (this.dirOnly) p = p.slice(0, -1);
    this.isGlob = p.includes('/');
    this.parts = p.split('/');
  }

  match(path: readonly string[], isDir: boolean): MatchResult {
    if (path.length <= this.domain.length) return 'none';
    for (let i = 0; i < this.domain.length; i++) if (path[i] !== this.domain[i]) return 'none';
    const rest = path.slice(this.domain.length);
    if (this.isGlob ? !this.globMatch(rest, isDir) : !this.simpleNameMatch(rest, isDir)) return 'none';
    return this.inclusion ? 'include' : 'exclude';
  }

  private simpleNameMatch(path: readonly string[], isDir: boolean): boolean {
    for (let i = 0; i < path.length; i++) {
      const m = goFilepathMatch(this.parts[0]!, path[i]!);
      if (m === 'error') return false;
      if (!m) continue;
      if (this.dirOnly && !isDir && i === path.length - 1) return false;
      return true;
    }
    return false;
  }

  private globMatch(pathIn: readonly string[], isDir: boolean): boolean {
    let path = pathIn;
    let matched = false;
    let canTraverse = false;
    for (let i = 0; i < this.parts.length; i++) {
      const pattern = this.parts[i]!;
      if (pattern === '') {
        canTraverse = false;
        continue;
      }
      if (pattern === '**') {
        if (i === this.parts.length - 1) break;
        canTraverse = true;
        continue;
      }
      if (pattern.includes('**')) return false;
      if (path.length === 0) return false;
      if (canTraverse) {
        canTraverse = false;
        while (path.length > 0) {
          const e = path[0]!;
          path = path.slice(1);
          const m = goFilepathMatch(pattern, e);
          if (m === 'error') return false;
          if (m) {
            matched = true;
            break;
          } else if (path.length === 0) {
            matched = false;
          }
        }
      } else {
        const m = goFilepathMatch(pattern, path[0]!);
        if (m === 'error' || !m) return false;
        matched = true;
        path = path.slice(1);
      }
    }
    if (matched && this.dirOnly && !isDir && path.length === 0) matched = false;
    return matched;
  }
}

/** go-git `ParsePattern(line, domain)`. */
export function parseSourceIgnorePattern(line: string, domain: readonly string[] = []): SourceIgnorePattern {
  return new GoGitPattern(line, domain);
}

/** sourceignore `ReadPatterns`: one pattern per line; lines starting with `#` and blank lines are skipped. */
export function readSourceIgnorePatterns(text: string, domain: readonly string[] = []): SourceIgnorePattern[] {
  // bufio.Scanner's ScanLines drops a trailing \r of each line.
  return text
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => !l.startsWith('#') && l.trim().length > 0)
    .map((l) => parseSourceIgnorePattern(l, domain));
}

export class SourceIgnoreMatcher {
  readonly patterns: readonly SourceIgnorePattern[];

  constructor(patterns: readonly SourceIgnorePattern[]) {
    this.patterns = patterns;
  }

  /** go-git `matcher.Match`: the last pattern that matches decides. */
  match(path: readonly string[], isDir: boolean): boolean {
    return this.decidingPattern(path, isDir)?.result === 'exclude';
  }

  /** The pattern that decides for `path`, or undefined when none matches (kept). */
  decidingPattern(path: readonly string[], isDir: boolean): { pattern: SourceIgnorePattern; result: 'exclude' | 'include' } | undefined {
    for (let i = this.patterns.length - 1; i >= 0; i--) {
      const r = this.patterns[i]!.match(path, isDir);
      if (r !== 'none') return { pattern: this.patterns[i]!, result: r };
    }
    return undefined;
  }
}

// ---------- Go's path/filepath.Match (Unix: '/' separates, '\\' escapes) ----------

type Chars = readonly string[];

/** true/false, or 'error' for a malformed pattern (Go's ErrBadPattern). */
export function goFilepathMatch(pattern: string, name: string): boolean | 'error' {
  let pat: Chars = Array.from(pattern);
  let nm: Chars = Array.from(name);
  outer: while (pat.length > 0) {
    const { star, chunk, rest } = scanChunk(pat);
    pat = rest;
    if (star && chunk.length === 0) return !nm.includes('/');
    const first = matchChunk(chunk, nm);
    if (first.ok && (first.rest.length === 0 || pat.length > 0)) {
      nm = first.rest;
      continue;
    }
    if (first.err) return 'error';
    if (star) {
      for (let i = 0; i < nm.length && nm[i] !== '/'; i++) {
        const t = matchChunk(chunk, nm.slice(i + 1));
        if (t.ok) {
          if (pat.length === 0 && t.rest.length > 0) continue;
          nm = t.rest;
          continue outer;
        }
        if (t.err) return 'error';
      }
    }
    return false;
  }
  return nm.length === 0;
}

function scanChunk(patternIn: Chars): { star: boolean; chunk: Chars; rest: Chars } {
  let pattern = patternIn;
  let star = false;
  while (pattern.length > 0 && pattern[0] === '*') {
    pattern = pattern.slice(1);
    star = true;
  }
  let inrange = false;
  for (let i = 0; i < pattern.length; i++) {
    switch (pattern[i]) {
      case '\\':
        if (i + 1 < pattern.length) i++;
        break;
      case '[':
        inrange = true;
        break;
      case ']':
        inrange = false;
        break;
      case '*':
        if (!inrange) return { star, chunk: pattern.slice(0, i), rest: pattern.slice(i) };
        break;
    }
  }
  return { star, chunk: pattern, rest: [] };
}

function matchChunk(chunkIn: Chars, sIn: Chars): { rest: Chars; ok: boolean; err?: true } {
  let chunk = chunkIn;
  let s = sIn;
  let failed = false;
  while (chunk.length > 0) {
    failed = failed || s.length === 0;
    const c = chunk[0]!;
    if (c === '[') {
      let r = '';
      if (!failed) {
        r = s[0]!;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
      let negated = false;
      if (chunk.length > 0 && chunk[0] === '^') {
        negated = true;
        chunk = chunk.slice(1);
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (chunk.length > 0 && chunk[0] === ']' && nrange > 0) {
          chunk = chunk.slice(1);
          break;
        }
        const lo = getEsc(chunk);
        if (!lo) return { rest: [], ok: false, err: true };
        chunk = lo.rest;
        let hi = lo;
        if (chunk[0] === '-') {
          const h = getEsc(chunk.slice(1));
          if (!h) return { rest: [], ok: false, err: true };
          hi = h;
          chunk = h.rest;
        }
        const rc = r === '' ? -1 : r.codePointAt(0)!;
        match = match || (lo.code <= rc && rc <= hi.code);
        nrange++;
      }
      failed = failed || match === negated;
    } else if (c === '?') {
      if (!failed) {
        failed = s[0] === '/';
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    } else {
      if (c === '\\') {
        chunk = chunk.slice(1);
        if (chunk.length === 0) return { rest: [], ok: false, err: true };
      }
      if (!failed) {
        failed = chunk[0] !== s[0];
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    }
  }
  if (failed) return { rest: [], ok: false };
  return { rest: s, ok: true };
}

function getEsc(chunkIn: Chars): { code: number; rest: Chars } | undefined {
  let chunk = chunkIn;
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') return undefined;
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) return undefined;
  }
  const code = chunk[0]!.codePointAt(0)!;
  const rest = chunk.slice(1);
  if (rest.length === 0) return undefined;
  return { code, rest };
}
