import { RE2JS } from 're2js';

/**
 * CRD `pattern`s are Go RE2 expressions, matched unanchored like the API server
 * does. re2js runs them in linear time, so a hostile value can never make the
 * server backtrack for seconds; each pattern is compiled once and cached.
 * The same values recur across a fleet file (`interval: 5m`, `timeout: 60s`), so
 * each pattern also keeps its latest verdicts, a bounded few.
 */
interface CompiledPattern {
  re: RE2JS | null;
  verdicts: Map<string, boolean>;
}
const compiled = new Map<string, CompiledPattern>();
const verdictsPerPattern = 256;

/** True/false when the value matches; undefined when the pattern cannot be compiled (then we stay silent). */
export function matchesSchemaPattern(pattern: string, value: string): boolean | undefined {
  let c = compiled.get(pattern);
  if (c === undefined) {
    let re: RE2JS | null;
    try {
      re = RE2JS.compile(pattern);
    } catch {
      re = null;
    }
    c = { re, verdicts: new Map() };
    compiled.set(pattern, c);
  }
  if (!c.re) return undefined;
  let verdict = c.verdicts.get(value);
  if (verdict === undefined) {
    verdict = c.re.test(value);
    if (c.verdicts.size >= verdictsPerPattern) c.verdicts.clear();
    c.verdicts.set(value, verdict);
  }
  return verdict;
}
