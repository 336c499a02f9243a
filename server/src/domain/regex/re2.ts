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
  try {
    const re = RE2JS.compile(pattern);
    return { ok: true, regex: { source: pattern, test: (input: string) => re.test(input) } };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
