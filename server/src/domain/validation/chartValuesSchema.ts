/**
 * Validates a HelmRelease's values against the chart's values.schema.json the way Helm does
 * before it installs: the chart's defaults, the `valuesFrom` layers and `spec.values` are
 * coalesced, then each chart's schema checks its part (the parent at the top, a subchart below
 * its key). Errors are reported where the user wrote the offending value, with exact ranges;
 * a value that only comes from the chart's defaults is the chart's business and is not
 * reported. A missing required value is reported on the closest key the user wrote, and only
 * when every values layer is known.
 *
 * The validator is ajv, with the draft the schema declares (`$schema`): draft-04
 * (ajv-draft-04), draft-06/07 (the default), 2019-09 and 2020-12. Remote `$ref`s are never
 * fetched: a schema that needs one is not used for validation (completion and hover still
 * read it).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Range } from '../text/lineIndex';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { Severity, type Diagnostic } from '../diagnostics';
import { coalesce, isObject, valueType, type ChartValues, type JsonSchema } from './chartValues';

export const valuesSchemaCode = 'helm-values/schema';

type Compiled = { validate: ValidateFunction } | { error: string };
const compiled = new WeakMap<object, Compiled>();

/** The compiled validator of a schema (memoised per schema object), or why it cannot be used. */
export function compileValuesSchema(schema: JsonSchema): Compiled {
  if (typeof schema === 'boolean') return { validate: ((v: unknown) => schema || v === undefined) as unknown as ValidateFunction };
  const hit = compiled.get(schema);
  if (hit) return hit;
  let out: Compiled;
  try {
    const declared = typeof schema['$schema'] === 'string' ? schema['$schema'] : '';
    const options = { strict: false, allErrors: true, validateSchema: false, logger: false as const, allowUnionTypes: true, unicodeRegExp: false } as const;
    // One instance per schema: charts reuse `$id`s, which one instance would refuse twice.
    const ajv = declared.includes('draft-04')
      ? new AjvDraft04(options)
      : declared.includes('2020-12')
        ? new Ajv2020(options)
        : declared.includes('2019-09')
          ? new Ajv2019(options)
          : new Ajv(options);
    addFormats(ajv as unknown as Ajv);
    out = { validate: ajv.compile(schema) };
  } catch (e) {
    out = { error: e instanceof Error ? e.message : String(e) };
  }
  compiled.set(schema, out);
  return out;
}

export interface ValuesUnderCheck {
  /** The document the ranges are in. */
  doc: ParsedDocument;
  /** The values as written (a mapping), or undefined when there are none in this document. */
  node: YAMLMap | undefined;
  /** Where problems of the whole (a missing required value) are reported: the `values` key, the ConfigMap key. */
  anchor: Range;
}

export interface ValuesCheck {
  chart: ChartValues;
  target: ValuesUnderCheck;
  /** Values layers below the one checked (lowest priority first), e.g. earlier `valuesFrom`. */
  below: Array<Record<string, unknown>>;
  /** Layers above it (e.g. `spec.values` when a `valuesFrom` ConfigMap is checked). */
  above: Array<Record<string, unknown>>;
  /** False when some layer could not be read (a ConfigMap outside the workspace): required values are not judged. */
  complete: boolean;
}

export function checkChartValues(check: ValuesCheck): Diagnostic[] {
  const { chart, target } = check;
  if (!chart.hasSchema) return [];
  const own = target.node ? (target.node.toJSON() as unknown) : {};
  if (!isObject(own)) return [];
  let merged: Record<string, unknown> = { ...chart.defaults };
  for (const layer of [...check.below, own, ...check.above]) merged = coalesce(layer, merged);
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const scope of chart.schemas) {
    const c = compileValuesSchema(scope.schema);
    if (!('validate' in c)) continue;
    let value: unknown = merged;
    for (const seg of scope.prefix) value = isObject(value) ? value[seg] : undefined;
    if (scope.prefix.length) {
      // A subchart sees the globals beside its own values, as Helm hands them over.
      value = { ...(isObject(value) ? value : {}), ...(isObject(merged['global']) ? { global: merged['global'] } : {}) };
    }
    if (c.validate(value)) continue;
    for (const d of diagnosticsOf(c.validate.errors ?? [], scope.prefix, scope.chart, value, check)) {
      const key = `${d.range.start.line}:${d.range.start.character}:${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

interface Grouped {
  path: Array<string | number>;
  keyword: string;
  messages: string[];
  /** Report on the key rather than the value. */
  onKey: boolean;
}

function diagnosticsOf(errors: ErrorObject[], prefix: string[], chart: string, value: unknown, check: ValuesCheck): Diagnostic[] {
  const groups = new Map<string, Grouped>();
  // The branches of a failed anyOf/oneOf are alternatives, not several faults: one message says them.
  const dropped = new Set<ErrorObject>();
  const summaries = new Map<ErrorObject, string>();
  for (const s of errors) {
    if (s.keyword !== 'anyOf' && s.keyword !== 'oneOf') continue;
    const branches = errors.filter((o) => o !== s && o.schemaPath.startsWith(`${s.schemaPath}/`));
    for (const b of branches) dropped.add(b);
    const types = branches.filter((b) => b.keyword === 'type' && b.instancePath === s.instancePath).map((b) => String((b.params as { type?: unknown }).type));
    const actual = valueType(valueAt(value, pointerSegments(s.instancePath, value)));
    if (types.length && types.length === branches.length) summaries.set(s, `must be ${[...new Set(types)].join(' or ')}, not ${actual}`);
    else summaries.set(s, `matches none of the shapes the schema allows (${s.keyword})`);
  }
  for (const e of errors) {
    if (dropped.has(e) || e.keyword === 'if') continue;
    const instance = pointerSegments(e.instancePath, value);
    let path: Array<string | number> = [...prefix, ...instance];
    let onKey = false;
    let message = e.message ?? e.keyword;
    if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
      const p = String(
        (e.params as { additionalProperty?: string; unevaluatedProperty?: string }).additionalProperty ??
          (e.params as { unevaluatedProperty?: string }).unevaluatedProperty,
      );
      path = [...path, p];
      onKey = true;
      message = `${p} is not a value of the chart (its schema allows no such key here)`;
    } else if (e.keyword === 'required') {
      const p = String((e.params as { missingProperty: string }).missingProperty);
      if (!check.complete) continue;
      path = [...path, p];
      onKey = true;
      message = `missing required value ${[...path].join('.')}`;
    } else if (e.keyword === 'type') {
      const actual = valueType(valueAt(value, instance));
      message = `${message}, not ${actual}`;
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (summaries.has(e)) {
      message = summaries.get(e)!;
    }
    const k = `${JSON.stringify(path)}|${onKey}`;
    const g = groups.get(k) ?? groups.set(k, { path, keyword: e.keyword, messages: [], onKey }).get(k)!;
    if (!g.messages.includes(message)) g.messages.push(message);
  }
  const out: Diagnostic[] = [];
  for (const g of groups.values()) {
    const range = locate(check.target, g);
    if (!range) continue;
    const where = g.path.length ? `${g.path.map(String).join('.')}: ` : '';
    const text =
      g.keyword === 'required' || g.keyword === 'additionalProperties' || g.keyword === 'unevaluatedProperties'
        ? g.messages.join('; ')
        : `${where}${g.messages.join('; ')}`;
    out.push({
      range,
      severity: Severity.Error,
      code: valuesSchemaCode,
      message: `${text} (values.schema.json of chart ${chart || '?'}; Helm refuses to install)`,
    });
  }
  return out;
}

/** Where to report: the value the user wrote (its key for collections and unknown keys), else nothing; a missing value on the closest key written. */
function locate(target: ValuesUnderCheck, g: Grouped): Range | undefined {
  const found = walk(target.node, g.path);
  if (g.keyword === 'required') {
    if (found.depth === 0) return target.node || g.path.length === 1 ? target.anchor : undefined;
    const pair = found.pairs[found.depth - 1];
    return pair ? keyRange(target.doc, pair) : undefined;
  }
  if (found.depth < g.path.length) return undefined; // the value comes from the chart's defaults or another layer
  // A value written for substitution (`${VAR}`) is judged after it is substituted, not here.
  if (isScalar(found.node) && typeof found.node.value === 'string' && /\$\{|\{\{|<</.test(found.node.value)) return undefined;
  const pair = found.pairs[found.depth - 1];
  if (g.onKey && pair) return keyRange(target.doc, pair);
  if (found.node && isScalar(found.node)) return rangeOf(target.doc, found.node);
  return pair ? keyRange(target.doc, pair) : found.node ? rangeOf(target.doc, found.node) : undefined;
}

interface Walked {
  depth: number;
  node: Node | undefined;
  /** The pair (or undefined for a sequence item) at each depth. */
  pairs: Array<Pair | undefined>;
}

function walk(root: YAMLMap | undefined, path: Array<string | number>): Walked {
  const out: Walked = { depth: 0, node: root, pairs: [] };
  let node: Node | undefined = root;
  for (const seg of path) {
    if (node && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg)) as Pair | undefined;
      if (!pair) break;
      out.pairs.push(pair);
      node = (pair.value as Node | null) ?? undefined;
    } else if (node && isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      out.pairs.push(undefined);
      node = node.items[seg] as Node;
    } else break;
    out.depth++;
    out.node = node;
  }
  return out;
}

function keyRange(doc: ParsedDocument, pair: Pair): Range | undefined {
  return rangeOf(doc, pair.key as Node);
}

function rangeOf(doc: ParsedDocument, node: Node | undefined): Range | undefined {
  const r = node?.range;
  if (!r) return undefined;
  return doc.lineIndex.rangeOf(r[0], Math.max(r[1], r[0] + 1));
}

/** `/a/0/b` → ['a', 0, 'b'] (numbers where the value is a list). */
function pointerSegments(pointer: string, value: unknown): Array<string | number> {
  if (!pointer) return [];
  const out: Array<string | number> = [];
  let node = value;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(seg)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node = isObject(node) ? node[seg] : undefined;
    }
  }
  return out;
}

function valueAt(value: unknown, path: Array<string | number>): unknown {
  let node = value;
  for (const seg of path) node = isObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[seg] : undefined;
  return node;
}
