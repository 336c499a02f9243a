import { parse } from '@marcbachmann/cel-js';
import { Severity, type Diagnostic } from '../diagnostics';
import type { ParsedDocument } from '../yaml/parsedDocument';
import type { SchemaNode } from '../schema/schemaNode';
import type { CelSite } from './structural';
import { type Node, type YAMLMap } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from '../yaml/nodeTests';
import { mapEntries, type MapEntry } from './yamlValues';

/**
 * Evaluates `x-kubernetes-validations` rules like the API server: `self` is the
 * object the rule sits on after null pruning and CRD defaulting (so Bucket's
 * `provider` is `generic` when omitted), `has()` is false for absent fields, and
 * integers are CEL ints. A rule we cannot evaluate (unsupported construct,
 * transition rule, runtime error) is skipped: silence beats a false error.
 */

type Program = (ctx: Record<string, unknown>) => unknown;
const programs = new Map<string, Program | null>();

function compile(rule: string): Program | null {
  let p = programs.get(rule);
  if (p !== undefined) return p;
  try {
    // oldSelf rules only apply to updates; a manifest on its own has no old object.
    p = /\boldSelf\b/.test(rule) ? null : (parse(rule) as unknown as Program);
  } catch {
    p = null;
  }
  programs.set(rule, p);
  return p;
}

export function evaluateCelRules(doc: ParsedDocument, sites: CelSite[], kind: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const site of sites) {
    let self: unknown;
    try {
      self = celSelf(doc, site);
    } catch {
      continue;
    }
    for (const v of site.schema.validations ?? []) {
      const program = compile(v.rule);
      if (!program) continue;
      let ok: unknown;
      try {
        ok = program({ self });
      } catch {
        continue;
      }
      if (ok !== false) continue;
      const r = (relevantNode(doc, site, v.rule) ?? site.anchor).range;
      const range = r ? doc.lineIndex.rangeOf(r[0], Math.max(r[1], r[0] + 1)) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
      const message = v.message ?? `failed rule: ${v.rule}`;
      out.push({ range, severity: Severity.Error, code: 'schema/cel', message: `${kind} ${site.path || 'object'}: ${message}` });
    }
  }
  return out;
}

/**
 * The key a failing rule is about: of the fields the rule reads (`self.a.b`),
 * the deepest one written in the document. `has(self.sts) && self.sts.provider
 * == 'aws'` failing is best shown on `provider:` under `sts:`. Falls back to the
 * key holding the rule (e.g. `spec:`) when the rule is about absent fields.
 */
function relevantNode(doc: ParsedDocument, site: CelSite, rule: string): Node | undefined {
  let best: { node: Node; depth: number } | undefined;
  for (const m of rule.matchAll(/\bself((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
    const path = m[1]!.slice(1).split('.');
    let map: YAMLMap | undefined = site.node;
    let key: Node | undefined;
    let depth = 0;
    for (const seg of path) {
      const e: MapEntry | undefined = map ? mapEntries(map, doc.yaml).find((x) => x.key === seg) : undefined;
      if (!e || e.merged) break;
      key = e.keyNode;
      depth++;
      map = e.value && isMap(e.value) ? (e.value as YAMLMap) : undefined;
    }
    if (key && (!best || depth > best.depth)) best = { node: key, depth };
  }
  return best?.node;
}

/**
 * Prunes nulls of non-nullable fields, applies schema defaults to objects that
 * are present, and turns integers into BigInt where the schema says integer.
 */
export function toCelValue(value: unknown, schema: SchemaNode | undefined): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.filter((v) => v !== null || schema?.items?.nullable).map((v) => toCelValue(v, schema?.items));
  if (typeof value === 'number') {
    return schema && (schema.type === 'integer' || schema.intOrString) && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  const props = schema?.properties;
  const values = schema && typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const sub = props?.[k] ?? values;
    if (v === null && !sub?.nullable) continue;
    out[k] = toCelValue(v, sub);
  }
  if (props) {
    for (const [k, sub] of Object.entries(props)) {
      if (!(k in out) && sub.default !== undefined) out[k] = toCelValue(structuredClone(sub.default), sub);
    }
  }
  return out;
}

/** Thrown by `celValueOf` at a node it leaves to eemeli/yaml's `toJS` (anchors, aliases, odd keys). */
const notPlain = Symbol('not plain');

/**
 * `self` for a site: what `toCelValue(node.toJS(doc))` gives, built in one pass over the YAML
 * nodes instead of a JS copy and then a second copy (about a tenth of opening a fleet file).
 * Documents with duplicate keys, anchors, aliases, `<<` or keys that are not plain strings take
 * the two-step path.
 */
function celSelf(doc: ParsedDocument, site: CelSite): unknown {
  if (doc.yaml.errors.length === 0) {
    try {
      return celValueOf(site.node, site.schema);
    } catch (e) {
      if (e !== notPlain) throw e;
    }
  }
  return toCelValue(site.node.toJS(doc.yaml), site.schema);
}

function isNullNode(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null && !node.anchor);
}

function celValueOf(node: unknown, schema: SchemaNode | undefined): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node) || (node as Node).anchor) throw notPlain;
  if (isScalar(node)) return toCelValue(node.value, schema);
  if ((node as Node).tag) throw notPlain; // a tagged collection may be a class of its own (omap, set)
  if (isSeq(node)) {
    const out: unknown[] = [];
    for (const item of node.items) {
      if (isNullNode(item)) {
        if (schema?.items?.nullable) out.push(null);
      } else out.push(celValueOf(item, schema?.items));
    }
    return out;
  }
  if (!isMap(node)) throw notPlain;
  const out: Record<string, unknown> = {};
  const props = schema?.properties;
  const values = schema && typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const pair of node.items) {
    const key = pair.key;
    // `in` also catches names on Object.prototype, which toJS defines as own properties.
    if (!isScalar(key) || key.anchor || typeof key.value !== 'string' || key.value === '<<' || key.value in out) throw notPlain;
    const k = key.value;
    const sub = props?.[k] ?? values;
    if (isNullNode(pair.value)) {
      if (sub?.nullable) out[k] = null;
      continue;
    }
    out[k] = celValueOf(pair.value, sub);
  }
  if (props) {
    for (const [k, sub] of Object.entries(props)) {
      if (!(k in out) && sub.default !== undefined) out[k] = toCelValue(structuredClone(sub.default), sub);
    }
  }
  return out;
}
