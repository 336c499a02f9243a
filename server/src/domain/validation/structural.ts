import { type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { isScalar } from '../yaml/nodeTests';
import { Severity, type Diagnostic, type Fix } from '../diagnostics';
import type { ParsedDocument } from '../yaml/parsedDocument';
import type { Range } from '../text/lineIndex';
import { acceptsUnknownKeys, type SchemaNode } from '../schema/schemaNode';
import { matchesSchemaPattern } from './schemaPattern';
import { closestMatch } from './suggestions';
import { describeScalar, mapEntries, resolveNode, valueKind, type ValueKind } from './yamlValues';

/**
 * Structural validation of one object against its CRD schema, the way the API
 * server's OpenAPI validation sees it: types, enums, patterns, lengths, bounds,
 * required and unknown fields. It walks the YAML tree itself (not a JS copy) so
 * every diagnostic has the exact range of the key or value at fault.
 */

/** A mapping that carries CEL rules, to be evaluated once the walk is done. */
export interface CelSite {
  schema: SchemaNode;
  node: YAMLMap;
  /** Where to report: the key of the mapping (or the mapping itself at the root). */
  anchor: Node;
  /** Dotted path for messages, e.g. `spec` or `spec.kubeConfig`. */
  path: string;
}

export interface StructuralOptions {
  /** False for kustomize patches and fragments: a partial object may leave required fields out. */
  checkRequired: boolean;
  /** The kind, for messages. */
  kind: string;
}

interface Walk {
  doc: ParsedDocument;
  out: Diagnostic[];
  opts: StructuralOptions;
  celSites: CelSite[];
}

/** Top-level fields the structural walk leaves to other checks (identity, ObjectMeta) or ignores (status is dropped on create). */
const rootHandledElsewhere = new Set(['apiVersion', 'kind', 'metadata', 'status']);

export function validateStructure(
  doc: ParsedDocument,
  root: YAMLMap,
  schema: SchemaNode,
  opts: StructuralOptions,
): { diagnostics: Diagnostic[]; celSites: CelSite[] } {
  const w: Walk = { doc, out: [], opts, celSites: [] };
  validateMap(w, schema, root, root as Node, '', true);
  return { diagnostics: w.out, celSites: w.celSites };
}

function rangeOf(w: Walk, node: Node): Range {
  const r = node.range;
  if (!r) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return w.doc.lineIndex.rangeOf(r[0], Math.max(r[1], r[0] + 1));
}

function report(w: Walk, node: Node, severity: Severity, code: string, message: string, extra?: Partial<Diagnostic>): void {
  w.out.push({ range: rangeOf(w, node), severity, code, message, ...extra });
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Flux postBuild substitution: `${VAR}` is replaced before the object reaches the API server. */
function hasSubstitution(node: Node | null): boolean {
  return !!node && isScalar(node) && typeof node.value === 'string' && node.value.includes('${');
}

function typeAccepts(schema: SchemaNode, kind: ValueKind): boolean {
  if (schema.intOrString) return kind === 'string' || kind === 'integer';
  switch (schema.type) {
    case undefined:
      return true;
    case 'number':
      return kind === 'number' || kind === 'integer';
    default:
      return schema.type === kind;
  }
}

function expected(schema: SchemaNode): string {
  return schema.intOrString ? 'integer or string' : (schema.type ?? 'any');
}

function validateValue(w: Walk, schema: SchemaNode, node: Node | null, anchor: Node, path: string): void {
  const kind = valueKind(node);
  if (kind === 'null') {
    if (!schema.nullable && !schema.preserveUnknownFields) {
      report(
        w,
        anchor,
        Severity.Hint,
        'schema/null-pruned',
        `${path} is null; the API server drops null values of non-nullable fields (${expected(schema)}), so this field is treated as absent`,
        { unnecessary: true },
      );
    }
    return;
  }
  if (!typeAccepts(schema, kind)) {
    // `${VAR}` in an integer/boolean field is legitimate: Flux substitutes before applying.
    if (hasSubstitution(node)) return;
    const shown = isScalar(node) ? ` ${describeScalar(node, w.doc.text)}` : '';
    const { advice, fix } = typeAdvice(w, schema, node!, kind);
    report(
      w,
      node ?? anchor,
      Severity.Error,
      'schema/type',
      `${path}: expected ${expected(schema)}, got ${kind}${shown}${advice}`,
      fix ? { fixes: [fix] } : undefined,
    );
    return;
  }
  switch (kind) {
    case 'object':
      validateMap(w, schema, node as YAMLMap, anchor, path, false);
      return;
    case 'array':
      validateSeq(w, schema, node as YAMLSeq, path);
      return;
    case 'string':
      validateString(w, schema, node!, path);
      return;
    case 'integer':
    case 'number':
      validateNumber(w, schema, node!, path);
      return;
    case 'boolean':
      checkEnum(w, schema, node!, path);
  }
}

const yaml11Booleans: Record<string, boolean> = { yes: true, no: false, on: true, off: false, y: true, n: false };

/** What to write instead, for the two classic YAML type slips: YAML 1.1 booleans and unquoted numbers in string fields. */
function typeAdvice(w: Walk, schema: SchemaNode, node: Node, kind: ValueKind): { advice: string; fix?: Fix } {
  if (!isScalar(node) || !node.range) return { advice: '' };
  const range = rangeOf(w, node);
  const written = w.doc.text.slice(node.range[0], node.range[1]);
  if (schema.type === 'boolean' && kind === 'string') {
    const b = yaml11Booleans[String(node.value).toLowerCase()];
    if (b === undefined) return { advice: '' };
    return {
      advice: ` (YAML 1.2, which Flux's kustomize uses, reads ${written} as a string: write ${b})`,
      fix: { title: `Change to ${b}`, edits: [{ range, newText: String(b) }], preferred: true },
    };
  }
  if (schema.type === 'string' && (kind === 'integer' || kind === 'number' || kind === 'boolean')) {
    const lossy = kind === 'number' && String(node.value) !== written ? ` (as a number it would be ${String(node.value)})` : '';
    return {
      advice: `: quote it${lossy}`,
      fix: { title: `Quote as "${written}"`, edits: [{ range, newText: JSON.stringify(written) }], preferred: true },
    };
  }
  return { advice: '' };
}

function checkEnum(w: Walk, schema: SchemaNode, node: Node, path: string): void {
  if (!schema.enum || !isScalar(node)) return;
  const v = node.value;
  if (schema.enum.includes(v as never)) return;
  const allowed = schema.enum.map((e) => JSON.stringify(e));
  const fix = typeof v === 'string' ? enumFix(w, schema, node, v) : undefined;
  report(
    w,
    node,
    Severity.Error,
    'schema/enum',
    `${path}: unsupported value ${describeScalar(node)}: supported values: ${allowed.join(', ')}`,
    fix ? { fixes: [fix] } : undefined,
  );
}

function enumFix(w: Walk, schema: SchemaNode, node: Node, v: string): Fix | undefined {
  const near = closestMatch(
    v,
    schema.enum!.filter((e): e is string => typeof e === 'string'),
  );
  return near === undefined ? undefined : { title: `Change to "${near}"`, edits: [{ range: rangeOf(w, node), newText: near }], preferred: true };
}

function validateString(w: Walk, schema: SchemaNode, node: Node, path: string): void {
  const v = (node as { value: string }).value;
  if (v.includes('${')) return; // substituted by Flux before the API server sees it
  checkEnum(w, schema, node, path);
  if (schema.intOrString) return; // patterns/lengths of int-or-string fields apply to the string form only in the controller
  const len = schema.minLength !== undefined || schema.maxLength !== undefined ? [...v].length : 0;
  if (schema.minLength !== undefined && len < schema.minLength) {
    report(w, node, Severity.Error, 'schema/length', `${path}: must be at least ${schema.minLength} character${schema.minLength === 1 ? '' : 's'} long`);
  }
  if (schema.maxLength !== undefined && len > schema.maxLength) {
    report(w, node, Severity.Error, 'schema/length', `${path}: must be at most ${schema.maxLength} characters long (is ${len})`);
  }
  if (schema.pattern !== undefined && matchesSchemaPattern(schema.pattern, v) === false) {
    report(w, node, Severity.Error, 'schema/pattern', `${path}: ${describeScalar(node)} does not match ${schema.pattern}${patternHint(schema.pattern)}`);
  }
}

/** A plain-words reading of the patterns Flux CRDs use most. */
function patternHint(pattern: string): string {
  if (pattern === '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$') return ' (a Go duration such as 30s, 5m or 1h30m)';
  if (pattern === '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$') return ' (a Go duration such as 30s or 5m; hours are not allowed here)';
  if (pattern.startsWith('^oci://')) return ' (an OCI repository URL such as oci://ghcr.io/org/app)';
  return '';
}

function validateNumber(w: Walk, schema: SchemaNode, node: Node, path: string): void {
  checkEnum(w, schema, node, path);
  const v = Number((node as { value: number }).value);
  if (schema.minimum !== undefined && (schema.exclusiveMinimum ? v <= schema.minimum : v < schema.minimum)) {
    report(
      w,
      node,
      Severity.Error,
      'schema/range',
      `${path}: must be ${schema.exclusiveMinimum ? 'greater than' : 'greater than or equal to'} ${schema.minimum}`,
    );
  }
  if (schema.maximum !== undefined && (schema.exclusiveMaximum ? v >= schema.maximum : v > schema.maximum)) {
    report(w, node, Severity.Error, 'schema/range', `${path}: must be ${schema.exclusiveMaximum ? 'less than' : 'less than or equal to'} ${schema.maximum}`);
  }
  if (schema.multipleOf !== undefined && v % schema.multipleOf !== 0) {
    report(w, node, Severity.Error, 'schema/range', `${path}: must be a multiple of ${schema.multipleOf}`);
  }
}

function validateSeq(w: Walk, schema: SchemaNode, seq: YAMLSeq, path: string): void {
  const n = seq.items.length;
  if (schema.minItems !== undefined && n < schema.minItems) {
    report(w, seq as Node, Severity.Error, 'schema/items', `${path}: must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
  }
  if (schema.maxItems !== undefined && n > schema.maxItems) {
    report(w, seq as Node, Severity.Error, 'schema/items', `${path}: must have at most ${schema.maxItems} items (has ${n})`);
  }
  const items = schema.items;
  if (!items) return;
  const seen = schema.listType === 'set' || schema.listType === 'map' ? new Set<string>() : undefined;
  for (let i = 0; i < n; i++) {
    const raw = seq.items[i] as Node | null;
    const item = resolveNode(raw, w.doc.yaml);
    validateValue(w, items, item, raw ?? (seq as Node), `${path}[${i}]`);
    if (seen && item) checkListUnique(w, schema, item, seen, `${path}[${i}]`);
  }
}

/** `x-kubernetes-list-type: set|map`: the API server rejects repeated values (set) or repeated key fields (map). */
function checkListUnique(w: Walk, schema: SchemaNode, item: Node, seen: Set<string>, path: string): void {
  let identity: string | undefined;
  if (schema.listType === 'set' && isScalar(item)) identity = JSON.stringify(item.value);
  else if (schema.listType === 'map' && schema.listMapKeys?.length && 'items' in item) {
    const entries = mapEntries(item as YAMLMap, w.doc.yaml);
    identity = JSON.stringify(
      schema.listMapKeys.map((k) => {
        const v = entries.find((e) => e.key === k)?.value;
        return v && isScalar(v) ? v.value : null;
      }),
    );
  }
  if (identity === undefined) return;
  if (seen.has(identity)) {
    const what = schema.listType === 'map' ? `an entry with the same ${schema.listMapKeys!.join(', ')}` : 'the same value';
    report(w, item, Severity.Error, 'schema/duplicate-item', `${path}: duplicate entry: the list already has ${what}`);
  }
  seen.add(identity);
}

function validateMap(w: Walk, schema: SchemaNode, map: YAMLMap, anchor: Node, path: string, isRoot: boolean): void {
  const entries = mapEntries(map, w.doc.yaml);
  const props = schema.properties;
  const valuesSchema = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  // Unknown keys are an error only where the schema lists the fields and keeps nothing else.
  const closed = !acceptsUnknownKeys(schema);
  // Only maps whose schema requires fields need to know which are present.
  const present = w.opts.checkRequired && schema.required ? new Set<string>() : undefined;
  for (const e of entries) {
    // null values count as absent for `required` (the API server prunes them)
    if (present && e.value !== null) present.add(e.key);
    if (isRoot && rootHandledElsewhere.has(e.key)) continue;
    const sub = props?.[e.key] ?? valuesSchema;
    const childPath = join(path, e.key);
    if (!sub) {
      if (closed) reportUnknownField(w, schema, e.keyNode, e.key, path, e.merged === true);
      continue;
    }
    if (e.merged) continue; // values brought in by a merge key are validated where they are written
    validateValue(w, sub, e.value, e.keyNode, childPath);
  }
  if (present && schema.required) {
    for (const r of schema.required) {
      if (present.has(r)) continue;
      if (isRoot && rootHandledElsewhere.has(r)) continue;
      const where = isRoot ? (firstKey(map) ?? anchor) : anchor;
      const what = join(path, r);
      report(
        w,
        where,
        Severity.Error,
        'schema/required',
        `${what} is required${isRoot ? ` in a ${w.opts.kind}` : ''}: add ${r}${describeRequired(props?.[r])}`,
      );
    }
  }
  if (schema.minProperties !== undefined && entries.length < schema.minProperties) {
    report(w, anchor, Severity.Error, 'schema/items', `${path}: must have at least ${schema.minProperties} field${schema.minProperties === 1 ? '' : 's'}`);
  }
  if (schema.maxProperties !== undefined && entries.length > schema.maxProperties) {
    report(w, anchor, Severity.Error, 'schema/items', `${path}: must have at most ${schema.maxProperties} fields`);
  }
  if (schema.validations?.length) w.celSites.push({ schema, node: map, anchor, path });
}

function firstKey(map: YAMLMap): Node | undefined {
  const k = (map.items[0] as { key?: Node } | undefined)?.key;
  return k ?? undefined;
}

function describeRequired(s: SchemaNode | undefined): string {
  if (!s) return '';
  const t = s.intOrString ? 'integer or string' : s.type;
  return t ? ` (${t})` : '';
}

function reportUnknownField(w: Walk, schema: SchemaNode, keyNode: Node, key: string, path: string, merged: boolean): void {
  const where = path ? `${path}` : 'the object';
  const near = closestMatch(key, Object.keys(schema.properties ?? {}));
  let hint = '';
  let fixes: Fix[] | undefined;
  if (near && !merged) {
    hint = ` (did you mean "${near}"?)`;
    fixes = [{ title: `Rename to "${near}"`, edits: [{ range: rangeOf(w, keyNode), newText: near }], preferred: true }];
  } else {
    // A field written one level too high, e.g. GitRepository spec.branch → spec.ref.branch.
    const deeper = Object.entries(schema.properties ?? {}).find(([, s]) => s.properties?.[key]);
    if (deeper) hint = ` (did you mean ${join(path, deeper[0])}.${key}?)`;
  }
  report(w, keyNode, Severity.Error, 'schema/unknown-field', `${join(path, key)}: unknown field "${key}" in ${where}${hint}`, fixes ? { fixes } : undefined);
}
