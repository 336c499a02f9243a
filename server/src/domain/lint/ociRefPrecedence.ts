/**
 * OCIRepository `spec.ref` fields that Flux ignores because of precedence
 * (digest > semver > tag; semverFilter only applies with semver). They read as
 * if they mattered, which is how a "pinned" tag silently stops being used.
 */
import type { Pair, Scalar, YAMLMap } from 'yaml';
import { Severity, type Diagnostic } from '../diagnostics';
import { SOURCE_GROUP, type Lint } from './lintTypes';
import { isSet, mapAt, pairOf, pairRange } from '../yaml/yamlNodes';
import { type FluxObject } from '../flux/fluxObject';
import { removePair } from '../yaml/yamlEdits';

export const ociRefPrecedence: Lint = (obj) => {
  if (obj.group !== SOURCE_GROUP || obj.kind !== 'OCIRepository') return [];
  const ref = mapAt(obj.spec, 'ref');
  if (!ref) return [];
  const out: Diagnostic[] = [];
  const has = (k: string): boolean => isSet(ref, k);
  if (has('digest')) {
    // A tag next to a digest is a common way to document what the digest is: a hint, not a warning.
    if (has('tag'))
      out.push(
        ignored(
          obj,
          ref,
          'tag',
          Severity.Hint,
          'spec.ref.digest takes precedence over tag, so Flux never resolves this tag (it may still document the digest).',
        ),
      );
    if (has('semver'))
      out.push(
        ignored(
          obj,
          ref,
          'semver',
          Severity.Warning,
          'spec.ref.digest takes precedence over semver: this range is never evaluated and the source stays pinned to the digest.',
        ),
      );
    if (has('semverFilter'))
      out.push(ignored(obj, ref, 'semverFilter', Severity.Warning, 'semverFilter is ignored: spec.ref.digest takes precedence over semver selection.'));
  } else if (has('semver')) {
    if (has('tag'))
      out.push(
        ignored(
          obj,
          ref,
          'tag',
          Severity.Warning,
          'spec.ref.semver takes precedence over tag: Flux picks the highest tag matching the range and ignores this tag.',
        ),
      );
  } else if (has('semverFilter')) {
    out.push(ignored(obj, ref, 'semverFilter', Severity.Warning, 'semverFilter only filters tags for spec.ref.semver, which is not set, so it has no effect.'));
  }
  return out;
};

function ignored(obj: FluxObject, ref: YAMLMap, key: string, severity: Severity, message: string): Diagnostic {
  const pair = pairOf(ref, key)!;
  const range = pairRange(obj.doc, pair)!;
  const refPair = pairOf(obj.spec, 'ref') as Pair<Scalar, unknown>;
  const edit = removePair(obj.doc, ref, pair as Pair, { map: obj.spec!, pair: refPair as Pair });
  return {
    range,
    severity,
    code: 'flux/ref-ignored',
    message,
    unnecessary: true,
    ...(edit ? { fixes: [{ title: `Remove the ignored ref.${key}`, edits: [edit], preferred: true }] } : {}),
  };
}
