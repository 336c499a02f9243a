import { type Node, type YAMLMap } from 'yaml';
import { isMap, isScalar } from '../yaml/nodeTests';
import { Severity, type Diagnostic } from '../diagnostics';
import type { Range } from '../text/lineIndex';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { isFluxApiVersion } from '../flux/apiGroups';
import { fluxLints, isSecretDocument, type LintContext } from '../lint/index';
import { isCheckedObject, schemaForObject } from '../schema/schemaRegistry';
import type { SchemaNode } from '../schema/schemaNode';
import { activeSchemaSet, newestSchemaSet, withSchemaSet, type SchemaSet } from '../schema/schemaSet';
import { checkApiVersion } from '../validation/apiVersion';
import { migrationFix } from '../migration/migrate';
import { validateStructure } from '../validation/structural';
import { evaluateCelRules } from '../validation/celRules';
import { validateMetadata } from '../validation/metadata';
import { mapEntries, type MapEntry } from '../validation/yamlValues';
import { complexKeyDiagnostics } from '../validation/complexKeys';
import { withoutOperatorKindEnumErrors } from '../lint/operatorNotificationKinds';
import { embeddedDiagnostics } from './embeddedAnalysis';
import { isResourceSet } from '../flux/resourceSet';

/** What the caller knows about the document beyond its text. */
export interface AnalysisContext {
  /** The document is a kustomize patch (listed under `patches`/`patchesStrategicMerge` of a kustomization.yaml). */
  isPatch?: boolean;
  /**
   * Facts from other documents the Flux lints use (see `lintContextOf`). Keep
   * passing the same object while the workspace is unchanged: results are cached per context object.
   */
  lint?: LintContext;
  /**
   * The schemas to check against: a bundled Flux release, or CRDs from the workspace or the
   * cluster. Default: the active set (`withSchemaSet`), else the newest bundled release.
   */
  schemas?: SchemaSet;
}

const noLintContext: LintContext = {};

/**
 * Every diagnostic of one YAML document: syntax (all documents), then for Flux
 * objects apiVersion, ObjectMeta, schema, CEL rules and the Flux lints. Memoised
 * on the parse, so an unchanged document of an edited file costs nothing.
 */
export function analyzeDocument(doc: ParsedDocument, ctx: AnalysisContext = {}): Diagnostic[] {
  const set = ctx.schemas ?? activeSchemaSet();
  if (set !== activeSchemaSet()) return withSchemaSet(set, () => analyzeDocument(doc, ctx));
  // Results are memoised per schema set; the default set keeps the plain keys.
  const keyOf = (key: string) => (set === newestSchemaSet() ? key : `${key}@${set.id}`);
  const patch = ctx.isPatch === true;
  const byContext = doc.memoize(keyOf(patch ? 'analysis:patch' : 'analysis'), () => new WeakMap<LintContext, Diagnostic[]>());
  const lintContext = ctx.lint ?? noLintContext;
  let result = byContext.get(lintContext);
  if (!result) {
    const schema = doc.memoize(keyOf(patch ? 'analysis:schema:patch' : 'analysis:schema'), () => compute(doc, patch));
    result = withLints(doc, schema, lintContext);
    // A ResourceSet's Flux objects are held to the same checks as top-level ones.
    if (isResourceSet(doc)) result = [...result, ...embeddedDiagnostics(doc, (e) => analyzeDocument(e, { lint: lintContext }))];
    byContext.set(lintContext, result);
  }
  return result;
}

function withLints(doc: ParsedDocument, schema: Diagnostic[], context: LintContext): Diagnostic[] {
  // Secrets are linted too: the credentials sources read are where copied YAML goes wrong.
  if (!isFluxApiVersion(doc.identity.apiVersion) && !isSecretDocument(doc.identity.apiVersion, doc.identity.kind)) return schema;
  let lints: Diagnostic[];
  try {
    lints = fluxLints(doc, context);
  } catch {
    return schema; // a lint bug must not cost the user the schema diagnostics
  }
  return lints.length ? mergeLints(schema, lints) : schema;
}

function compute(doc: ParsedDocument, isPatch: boolean): Diagnostic[] {
  const out: Diagnostic[] = [...doc.syntaxDiagnostics];
  if (doc.hasSyntaxErrors) return out; // the tree is not what the author meant: schema errors would be noise
  const complexKeys = complexKeyDiagnostics(doc);
  if (complexKeys.length) return [...out, ...complexKeys];
  const root = doc.root as YAMLMap | null;
  if (!root) return out;
  const { apiVersion, kind } = doc.identity;
  if (!isCheckedObject(apiVersion, kind) || !kind) return out;

  const rootEntries = mapEntries(root, doc.yaml);
  const valueRange = (key: string): Range => {
    const e = rootEntries.find((x) => x.key === key);
    return rangeOf(doc, e?.value ?? e?.keyNode ?? (root as Node));
  };
  const api = checkApiVersion(apiVersion!, kind, valueRange('apiVersion'), valueRange('kind'));
  out.push(...withMigrationFix(doc, api.diagnostics));

  const schema = api.served ? schemaForObject(apiVersion!, kind) : undefined;
  const fragment = !isPatch && isFragment(doc, rootEntries, schema);
  const partial = isPatch || fragment;
  out.push(...validateMetadata(doc, root, { requireName: !partial }));
  if (schema) {
    const { diagnostics, celSites } = validateStructure(doc, root, schema, { checkRequired: !partial, kind });
    // Flux Operator's kinds in an Alert/Receiver are never an error (the flux/needs-flux-operator lint speaks instead).
    out.push(...withoutOperatorKindEnumErrors(doc, diagnostics));
    // CEL rules see the whole object; a partial one would fail rules about fields it leaves to the base.
    if (!partial) out.push(...evaluateCelRules(doc, celSites, kind));
  }
  if (fragment) {
    out.push({
      range: valueRange('kind'),
      severity: Severity.Hint,
      code: 'schema/fragment',
      message: `${kind} without spec.interval: treated as a patch or fragment, so required fields and CEL rules are not checked. A complete ${kind} needs spec.interval.`,
    });
  }
  return out;
}

/** A removed or deprecated apiVersion also offers to migrate the fields that changed with it. */
function withMigrationFix(doc: ParsedDocument, diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.map((d) => {
    if (d.code !== 'schema/api-version-not-served' && d.code !== 'schema/api-version-deprecated') return d;
    // an object inside a ResourceSet is padded to its place in the file: it is not ours to rewrite whole
    if (/^[\n \t]/.test(doc.text)) return d;
    const fix = migrationFix(doc.text, doc.lineIndex.rangeOf(0, doc.text.length));
    // after the apiVersion-only fix, which stays the preferred one
    return fix ? { ...d, fixes: [...(d.fixes ?? []), { ...fix, preferred: false }] } : d;
  });
}

/**
 * Adds lint diagnostics. A lint that explains a schema error at the same place
 * merges with it: one problem, one squiggle, and the Flux explanation (what is
 * wrong in Flux's terms and what to do) comes first, under the lint's code, with
 * the schema's words after it as detail. Both sides' quick fixes are kept.
 */
function mergeLints(schema: readonly Diagnostic[], lints: Diagnostic[]): Diagnostic[] {
  const out = schema.slice();
  const merged = new Set<number>();
  for (const lint of lints) {
    // Only an error-level lint explains the schema error; a warning there is about something else.
    const i =
      lint.severity !== Severity.Error
        ? -1
        : out.findIndex(
            (d, j) => j < schema.length && !merged.has(j) && d.severity === Severity.Error && !d.code.startsWith('yaml/') && sameStart(d.range, lint.range),
          );
    if (i < 0) {
      out.push(lint);
      continue;
    }
    merged.add(i);
    // a new object: the schema diagnostics are cached and shared between contexts
    const schemaDiag = out[i]!;
    const fixes = [...(lint.fixes ?? []), ...(schemaDiag.fixes ?? [])];
    out[i] = {
      ...schemaDiag,
      code: lint.code,
      message: `${lint.message} (Schema: ${schemaDiag.message})`,
      ...(fixes.length ? { fixes } : {}),
    };
  }
  return out;
}

function sameStart(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character;
}

/**
 * A Flux object whose kind requires spec.interval but which has none (or no spec
 * at all) is a fragment: an overlay patch, a values file or a test input.
 * Reporting every missing required field there would be noise.
 */
function isFragment(doc: ParsedDocument, rootEntries: readonly MapEntry[], schema: SchemaNode | undefined): boolean {
  if (!schema) return false;
  const specSchema = schema.properties?.['spec'];
  const spec = rootEntries.find((e) => e.key === 'spec')?.value;
  if (!spec || !isMap(spec)) return true;
  if (!specSchema?.required?.includes('interval')) return false;
  const interval = mapEntries(spec, doc.yaml).find((e) => e.key === 'interval');
  return !interval || interval.value === null || (isScalar(interval.value) && interval.value.value === null);
}

function rangeOf(doc: ParsedDocument, node: Node): Range {
  const r = node.range;
  if (!r) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return doc.lineIndex.rangeOf(r[0], Math.max(r[1], r[0] + 1));
}
