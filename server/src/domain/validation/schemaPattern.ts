import { RE2JS } from 're2js';
import { rememberPerText } from '../text/rememberPerText';

/**
 * CRD `pattern`s are Go RE2 expressions, matched unanchored like the API server
 * does. re2js runs them in linear time, so a hostile value can never make the
 * server backtrack for seconds; each pattern is compiled once and cached.
 * The same values recur across a fleet file (`interval: 5m`, `timeout: 60s`), so
 * each pattern also keeps its latest verdicts, a bounded few.
 */
const compiled = new Map<string, ((value: string) => boolean) | null>();

/** True/false when the value matches; undefined when the pattern cannot be compiled (then we stay silent). */
export function matchesSchemaPattern(pattern: string, value: string): boolean | undefined {
  let matches = compiled.get(pattern);
  if (matches === undefined) {
    try {
      const re = RE2JS.compile(pattern);
      matches = rememberPerText((v) => re.test(v), 256);
    } catch {
      matches = null;
    }
    compiled.set(pattern, matches);
  }
  return matches ? matches(value) : undefined;
}
