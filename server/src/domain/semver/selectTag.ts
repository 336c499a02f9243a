/**
 * source-controller's `getTagBySemver` (v1.9.x): which tag an OCIRepository
 * with `ref.semver` resolves to, given the repository's tag list.
 */
import { parseConstraintExpression } from './constraints';
import { tryParseFluxVersion, sortVersionsDescending } from './fluxVersion';
import type { Version } from './version';
import { compileRe2 } from '../regex/re2';

export interface SelectSemverOptions {
  /** `ref.semverFilter`: Go RE2, unanchored. Empty or absent means no filter. */
  filter?: string;
  /** The OCIRepository selects the Helm chart layer: tags spell semver `+` as `_`. */
  helmUnderscore?: boolean;
}

export type SemverSelection =
  | { ok: true; tag: string; version: Version; candidates: number }
  | { ok: false; reason: 'invalid-filter' | 'invalid-constraint' | 'no-match'; message: string };

export function selectSemverTag(tags: readonly string[], constraint: string, options: SelectSemverOptions = {}): SemverSelection {
  let valid: readonly string[] = tags;
  // Flux filters first, so a bad regex is reported before a bad range.
  if (options.filter) {
    const re = compileRe2(options.filter);
    if (!re.ok) return { ok: false, reason: 'invalid-filter', message: re.error };
    valid = tags.filter((t) => re.regex.test(t));
  }
  const parsed = parseConstraintExpression(constraint);
  if ('error' in parsed) {
    return { ok: false, reason: 'invalid-constraint', message: `semver '${constraint}' parse error: ${parsed.error}` };
  }
  const matching: Version[] = [];
  for (const tag of valid) {
    const v = tryParseFluxVersion(options.helmUnderscore ? tag.replaceAll('_', '+') : tag);
    if (v && parsed.constraints.check(v)) matching.push(v);
  }
  if (matching.length === 0) return { ok: false, reason: 'no-match', message: `no match found for semver: ${constraint}` };
  const best = sortVersionsDescending(matching)[0]!;
  const tag = options.helmUnderscore ? best.original.replaceAll('+', '_') : best.original;
  return { ok: true, tag, version: best, candidates: matching.length };
}
