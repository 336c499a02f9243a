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

/** Compiles like Go's `regexp.Compile`; on failure returns the reason. */
export function compileRe2(pattern: string): Re2CompileResult {
  try {
    const re = RE2JS.compile(pattern);
    return { ok: true, regex: { source: pattern, test: (input: string) => re.test(input) } };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
