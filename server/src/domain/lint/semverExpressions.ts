/**
 * Semver ranges and tag-filter regexes judged the way Flux judges them:
 * Masterminds/semver v3.5.0 (`NewConstraint`) and Go RE2. A range Flux cannot
 * parse fails every reconcile with "semver '<expr>' parse error"; an invalid
 * `semverFilter` fails before any tag is considered.
 */
import type { Scalar, YAMLMap } from 'yaml';
import { Severity, type Diagnostic } from '../diagnostics';
import { parseConstraintExpression } from '../semver/constraints';
import { compileRe2 } from '../regex/re2';
import { HELM_GROUP, IMAGE_GROUP, SOURCE_GROUP, type Lint } from './lintTypes';
import { isSet, mapAt, rangeOf, stringAt, stringNodeAt } from '../yaml/yamlNodes';
import { isTemplated, type FluxObject } from '../flux/fluxObject';
import { rememberPerText } from '../text/rememberPerText';

const SYNTAX_HELP =
  "Flux uses Masterminds/semver: comparators such as '>=1.2.0', '<2', '~1.2', '^1.4', '1.x' or '1.0 - 2.0', " + "joined by ',' or a space (and) and '||' (or).";

export const semverExpressions: Lint = (obj) => {
  const out: Diagnostic[] = [];
  const spec = obj.spec;
  if (!spec) return out;
  if (obj.group === SOURCE_GROUP && (obj.kind === 'OCIRepository' || obj.kind === 'GitRepository')) {
    const ref = mapAt(spec, 'ref');
    // Fields that win over semver mean Flux never parses it: an invalid range there is harmless (ref-ignored says so).
    const overridden = obj.kind === 'OCIRepository' ? isSet(ref, 'digest') : isSet(ref, 'commit') || isSet(ref, 'name');
    if (overridden) return out;
    checkRange(obj, stringNodeAt(ref, 'semver'), 'spec.ref.semver', out);
    if (obj.kind === 'OCIRepository') checkRegex(obj, stringNodeAt(ref, 'semverFilter'), 'spec.ref.semverFilter', out);
  } else if (obj.group === SOURCE_GROUP && obj.kind === 'HelmChart') {
    if (versionIsUsed(mapAt(spec, 'sourceRef'))) checkRange(obj, stringNodeAt(spec, 'version'), 'spec.version', out);
  } else if (obj.group === HELM_GROUP && obj.kind === 'HelmRelease') {
    const chartSpec = mapAt(mapAt(spec, 'chart'), 'spec');
    if (chartSpec && versionIsUsed(mapAt(chartSpec, 'sourceRef'))) checkRange(obj, stringNodeAt(chartSpec, 'version'), 'spec.chart.spec.version', out);
  } else if (obj.group === IMAGE_GROUP && obj.kind === 'ImagePolicy') {
    checkRange(obj, stringNodeAt(mapAt(mapAt(spec, 'policy'), 'semver'), 'range'), 'spec.policy.semver.range', out);
    checkRegex(obj, stringNodeAt(mapAt(spec, 'filterTags'), 'pattern'), 'spec.filterTags.pattern', out);
  }
  return out;
};

/** A chart `version` is only evaluated for charts from a HelmRepository (ignored for GitRepository and Bucket). */
function versionIsUsed(sourceRef: YAMLMap | undefined): boolean {
  const kind = stringAt(sourceRef, 'kind');
  return kind === undefined || kind === 'HelmRepository';
}

function checkRange(obj: FluxObject, node: Scalar<string> | undefined, field: string, out: Diagnostic[]): void {
  if (!node || node.value === '' || isTemplated(node.value)) return;
  const error = rangeError(node.value);
  if (error === undefined) return;
  const range = rangeOf(obj.doc, node);
  if (!range) return;
  out.push({
    range,
    severity: Severity.Error,
    code: 'flux/semver-invalid',
    message: `${field} '${node.value}' is not a range Flux can parse (${error}), so every reconcile fails. ${SYNTAX_HELP}`,
  });
}

/** Why a range does not parse, or undefined; a fleet file repeats the same few ranges in hundreds of objects. */
const rangeError = rememberPerText((range): string | undefined => {
  const parsed = parseConstraintExpression(range);
  return 'error' in parsed ? parsed.error : undefined;
}, 256);

/** Go RE2 validity: Flux compiles these with Go's regexp (no lookaround, no backreferences). */
export function checkRegex(obj: FluxObject, node: Scalar<string> | undefined, field: string, out: Diagnostic[]): void {
  if (!node || node.value === '' || isTemplated(node.value)) return;
  const re = compileRe2(node.value);
  if (re.ok) return;
  const range = rangeOf(obj.doc, node);
  if (!range) return;
  out.push({
    range,
    severity: Severity.Error,
    code: 'flux/regex-invalid',
    message: `${field} is not a valid Go (RE2) regular expression: ${re.error}. Flux compiles it with Go's regexp, which has no lookahead, lookbehind or backreferences.`,
  });
}
