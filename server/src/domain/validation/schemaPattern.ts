import { RE2JS } from 're2js';

/**
 * CRD `pattern`s are Go RE2 expressions, matched unanchored like the API server
 * does. re2js runs them in linear time, so a hostile value can never make the
 * server backtrack for seconds; each pattern is compiled once and cached.
 */
const compiled = new Map<string, RE2JS | null>();

/** True/false when the value matches; undefined when the pattern cannot be compiled (then we stay silent). */
export function matchesSchemaPattern(pattern: string, value: string): boolean | undefined {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch {
      re = null;
    }
    compiled.set(pattern, re);
  }
  return re ? re.test(value) : undefined;
}
