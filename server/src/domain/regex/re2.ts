/**
 * Go RE2 regular expressions (Flux's `semverFilter`, cosign identity
 * matchers) evaluated with re2js, so validity and matching follow Go's
 * `regexp` rather than JavaScript's (no backreferences or lookaround, RE2
 * classes, linear time: a hostile pattern cannot hang the server).
 */
import { RE2JS } from 're2js';

export interface Re2Regex {
  readonly source: string;
  /** Go's `MatchString`: true if the pattern matches anywhere (unanchored). */
  test(input: string): boolean;
}

export type Re2CompileResult = { ok: true; regex: Re2Regex } | { ok: false; error: string };

/**
 * Compiling with re2js costs ~0.5 ms per pattern and the same few patterns recur in
 * every document of a fleet file (cosign identities, semver filters): results are
 * kept per pattern, bounded so a stream of distinct patterns cannot grow memory.
 */
const cacheLimit = 512;
const cache = new Map<string, Re2CompileResult>();

/** Compiles like Go's `regexp.Compile`; on failure returns the reason. */
export function compileRe2(pattern: string): Re2CompileResult {
  const hit = cache.get(pattern);
  if (hit) {
    // Refresh recency: Map iteration order is insertion order, so the first key is the least recent.
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit;
  }
  const result = compileUncached(pattern);
  if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value!);
  cache.set(pattern, result);
  return result;
}

function compileUncached(pattern: string): Re2CompileResult {
  // Most patterns in Flux objects are literals with `.`, `.*` and escaped dots (cosign
  // identities, one per repository in a fleet file, each distinct): their validity is plain
  // from the text, so the re2js program (~0.3 ms) is built only when something matches.
  if (plainlyValid(pattern)) {
    let re: RE2JS | undefined;
    return { ok: true, regex: { source: pattern, test: (input: string) => (re ??= RE2JS.compile(pattern)).test(input) } };
  }
  try {
    const re = RE2JS.compile(pattern);
    return { ok: true, regex: { source: pattern, test: (input: string) => re.test(input) } };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * True for patterns Go's `regexp.Compile` surely accepts: printable ASCII literals, `\` before
 * ASCII punctuation (always that character in RE2), `.`, `^`, `$`, and one `*`, `+` or `?`
 * (optionally made lazy by a `?`) after a literal, escape or `.`. Anything else (groups,
 * classes, braces, alternation) is left to re2js. False says nothing: re2js decides.
 */
function plainlyValid(pattern: string): boolean {
  let quantifiable = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
    switch (c) {
      case 0x5c: {
        // backslash
        const next = pattern.charCodeAt(i + 1);
        if (!isAsciiPunctuation(next)) return false;
        i++;
        quantifiable = true;
        break;
      }
      case 0x2a: // *
      case 0x2b: // +
      case 0x3f: // ?
        if (!quantifiable) return false;
        if (pattern.charCodeAt(i + 1) === 0x3f) i++; // lazy
        quantifiable = false;
        break;
      case 0x5e: // ^
      case 0x24: // $
        quantifiable = false;
        break;
      case 0x28: // (
      case 0x29: // )
      case 0x5b: // [
      case 0x5d: // ]
      case 0x7b: // {
      case 0x7d: // }
      case 0x7c: // |
        return false;
      default: // a literal, or `.`
        quantifiable = true;
    }
  }
  return true;
}

function isAsciiPunctuation(c: number): boolean {
  return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}
