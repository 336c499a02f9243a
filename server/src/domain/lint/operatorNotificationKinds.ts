/**
 * Alert `eventSources` and Receiver `resources` may name FluxInstance, ResourceSet
 * and ResourceSetInputProvider: Flux Operator adds those kinds to the CRDs' enum on
 * the clusters it runs. Flux's own CRDs (our schema) do not list them, so the schema's
 * enum error there is false wherever the operator runs. We never call it an error: when
 * the workspace shows the operator, nothing is said; otherwise an information note says
 * the kind needs Flux Operator.
 */
import { type Scalar } from 'yaml';
import { isMap } from '../yaml/nodeTests';
import { Severity, type Diagnostic } from '../diagnostics';
import type { Range } from '../text/lineIndex';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { operatorNotificationKinds } from '../flux/fluxOperator';
import type { Lint } from './lintTypes';
import { schemaAtPath, schemaForObject } from '../schema/schemaRegistry';
import { rangeOf, seqAt, stringNodeAt } from '../yaml/yamlNodes';
import { readFluxObject } from '../flux/fluxObject';
import { NOTIFICATION_GROUP } from '../flux/apiGroups';

/** The list of object references each kind carries. */
const listField: Record<string, string> = { Alert: 'eventSources', Receiver: 'resources' };

interface OperatorKindSite {
  node: Scalar<string>;
  range: Range;
  listPath: string;
}

/** Every `kind:` value naming an operator kind in an Alert's eventSources or a Receiver's resources. */
export function operatorKindSites(doc: ParsedDocument): OperatorKindSite[] {
  return doc.memoize('lint/operatorKindSites', () => {
    const obj = readFluxObject(doc);
    const field = obj && obj.group === NOTIFICATION_GROUP ? listField[obj.kind] : undefined;
    if (!obj || !field) return [];
    const out: OperatorKindSite[] = [];
    seqAt(obj.spec, field)?.items.forEach((item, i) => {
      if (!isMap(item)) return;
      const node = stringNodeAt(item, 'kind');
      const range = node && operatorNotificationKinds.includes(node.value) ? rangeOf(doc, node) : undefined;
      if (node && range) out.push({ node, range, listPath: `spec.${field}[${i}].kind` });
    });
    return out;
  });
}

/** Drops the schema's enum errors on operator kinds: the lint below says what is true instead. */
export function withoutOperatorKindEnumErrors(doc: ParsedDocument, diagnostics: Diagnostic[]): Diagnostic[] {
  const sites = operatorKindSites(doc);
  if (!sites.length) return diagnostics;
  const at = (r: Range): boolean => sites.some((s) => s.range.start.line === r.start.line && s.range.start.character === r.start.character);
  return diagnostics.filter((d) => !(d.code === 'schema/enum' && at(d.range)));
}

export const operatorNotificationKindsLint: Lint = (obj, ctx) => {
  if (ctx.fluxOperator) return [];
  // CRDs read from the cluster (or workspace) that list the kind already say the operator is there.
  const field = listField[obj.kind];
  const schema = field ? schemaForObject(obj.apiVersion, obj.kind) : undefined;
  const allowed = schema ? (schemaAtPath(schema, ['spec', field!, 0, 'kind'])?.enum ?? []) : [];
  return operatorKindSites(obj.doc)
    .filter((s) => !allowed.includes(s.node.value))
    .map((s): Diagnostic => ({
      range: s.range,
      severity: Severity.Information,
      code: 'flux/needs-flux-operator',
      message:
        `${s.node.value} in ${s.listPath} is a Flux Operator kind: ${obj.kind} accepts it only on clusters where Flux Operator runs (it adds its kinds to the ${obj.kind} CRD). ` +
        'Nothing in this workspace shows the operator (a FluxInstance, a ResourceSet or its flux-operator chart); without it the API server rejects this value.',
    }));
};
