/**
 * What a Helm chart says about its values, read from its files (oci/artifact/chartArchive):
 * the defaults of `values.yaml` with each subchart's defaults under its key (the dependency's
 * alias, else its name) and every chart's `global` merged (the parent wins, as Helm
 * coalesces), the comments above each default (helm-docs `# --` and Bitnami `## @param`
 * included), and `values.schema.json` of the chart and of each subchart, each applying at
 * its own place. Completion, hover and validation of HelmRelease `spec.values` read this.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { ChartFiles } from '../oci/artifact/chartArchive';

export type JsonSchema = boolean | { [key: string]: unknown };

/** A schema and the document its local `$ref`s point into. */
export interface SchemaRef {
  schema: JsonSchema;
  root: JsonSchema;
  /** The chart the schema belongs to. */
  chart: string;
}

export interface ChartValues {
  name: string;
  version?: string;
  /** Defaults of the chart and its subcharts, as Helm merges them. */
  defaults: Record<string, unknown>;
  /** `values.schema.json` of the chart (prefix []) and of each subchart (prefix [key]). */
  schemas: Array<{ prefix: string[]; schema: JsonSchema; chart: string }>;
  /** Comments above (or beside) each default, by path. */
  comments: Map<string, string>;
  subcharts: Array<{ key: string; name: string; version?: string }>;
  hasValues: boolean;
  hasSchema: boolean;
  /** Files that could not be read (bad YAML or JSON): said on hover, never an error. */
  problems: string[];
}

interface ChartMeta {
  name: string;
  version?: string;
  dependencies: Array<{ name: string; alias?: string }>;
}

export function pathKey(path: ReadonlyArray<string | number>): string {
  return path.map(String).join('\u0000');
}

/**
 * `valuesFiles` (a HelmChart's): the files merged in order to make the chart's values instead of
 * values.yaml (which counts only when listed), as source-controller packages the chart.
 */
export function chartValuesOf(files: ChartFiles, valuesFiles?: readonly string[]): ChartValues {
  const problems: string[] = [];
  const meta = readChartYaml(files.chartYaml, problems);
  const comments = new Map<string, string>();
  let own: Record<string, unknown> = {};
  let hasValues = files.valuesYaml !== undefined;
  if (valuesFiles?.length) {
    hasValues = false;
    for (const f of valuesFiles) {
      const clean = f.replace(/^(\.\/)+/, '');
      const text = clean === 'values.yaml' ? files.valuesYaml : files.extra?.[clean];
      if (text === undefined) {
        problems.push(`values file ${f} is not in the chart`);
        continue;
      }
      hasValues = true;
      own = coalesce(readValues(text, meta.name, [], comments, problems), own);
    }
  } else own = readValues(files.valuesYaml, meta.name, [], comments, problems);
  const out: ChartValues = {
    name: meta.name,
    ...(meta.version ? { version: meta.version } : {}),
    defaults: {},
    schemas: [],
    comments,
    subcharts: [],
    hasValues,
    hasSchema: false,
    problems,
  };
  const schema = readSchema(files.schemaJson, meta.name, problems);
  if (schema !== undefined) out.schemas.push({ prefix: [], schema, chart: meta.name });
  let globals: Record<string, unknown> = isObject(own['global']) ? (own['global'] as Record<string, unknown>) : {};
  const defaults: Record<string, unknown> = {};
  for (const sub of files.subcharts) {
    const subMeta = readChartYaml(sub.chartYaml, problems);
    if (!subMeta.name) continue;
    const deps = meta.dependencies.filter((d) => d.name === subMeta.name);
    const keys = deps.length ? deps.map((d) => d.alias || d.name) : [subMeta.name];
    for (const key of keys) {
      // The subchart as a chart of its own (with its subcharts under their keys), placed under its key.
      const nested = chartValuesOf(sub);
      for (const p of nested.problems) if (!problems.includes(p)) problems.push(p);
      for (const s of nested.schemas) out.schemas.push({ prefix: [key, ...s.prefix], schema: s.schema, chart: s.chart });
      for (const [k, v] of nested.comments) comments.set(`${pathKey([key])}\u0000${k}`, v);
      const subDefaults = { ...nested.defaults };
      if (isObject(subDefaults['global'])) {
        globals = coalesce(globals, subDefaults['global'] as Record<string, unknown>);
        // The subchart's globals are documented where they end up: at the top-level `global`.
        const from = `${pathKey([key, 'global'])}\u0000`;
        for (const [k, v] of nested.comments) {
          const local = `${pathKey([key])}\u0000${k}`;
          if (!local.startsWith(from)) continue;
          const target = `${pathKey(['global'])}\u0000${local.slice(from.length)}`;
          if (!comments.has(target)) comments.set(target, v);
        }
      }
      delete subDefaults['global'];
      defaults[key] = subDefaults;
      out.subcharts.push({ key, name: subMeta.name, ...(subMeta.version ? { version: subMeta.version } : {}) });
    }
  }
  // The parent's values for a subchart win over the subchart's own defaults.
  out.defaults = coalesce(own, defaults);
  if (Object.keys(globals).length) out.defaults['global'] = globals;
  out.hasSchema = out.schemas.length > 0;
  return out;
}

/**
 * Helm's coalescing of a higher-priority `top` over `base`: maps merge key by key, anything
 * else in `top` replaces; `null` in `top` deletes the key.
 */
export function coalesce(top: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
  // Keys keep the higher layer's order, then the base's (what completion shows first).
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(top)) {
    if (v === null) continue;
    const b = base[k];
    out[k] = isObject(v) && isObject(b) ? coalesce(v as Record<string, unknown>, b as Record<string, unknown>) : v;
  }
  for (const [k, v] of Object.entries(base)) if (!(k in top)) out[k] = v;
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readChartYaml(text: string | undefined, problems: string[]): ChartMeta {
  const meta: ChartMeta = { name: '', dependencies: [] };
  if (text === undefined) return meta;
  let data: unknown;
  try {
    data = parseDocument(text, { strict: false }).toJSON();
  } catch {
    problems.push('Chart.yaml is not valid YAML');
    return meta;
  }
  if (!isObject(data)) return meta;
  if (typeof data['name'] === 'string') meta.name = data['name'];
  if (typeof data['version'] === 'string' || typeof data['version'] === 'number') meta.version = String(data['version']);
  if (Array.isArray(data['dependencies'])) {
    for (const d of data['dependencies']) {
      if (isObject(d) && typeof d['name'] === 'string')
        meta.dependencies.push({ name: d['name'], ...(typeof d['alias'] === 'string' ? { alias: d['alias'] } : {}) });
    }
  }
  return meta;
}

function readSchema(text: string | undefined, chart: string, problems: string[]): JsonSchema | undefined {
  if (text === undefined) return undefined;
  try {
    const s = JSON.parse(text) as unknown;
    if (typeof s === 'boolean' || isObject(s)) return s;
  } catch {
    // fall through
  }
  problems.push(`values.schema.json of ${chart || 'the chart'} is not valid JSON`);
  return undefined;
}

function readValues(text: string | undefined, chart: string, prefix: string[], comments: Map<string, string>, problems: string[]): Record<string, unknown> {
  if (text === undefined) return {};
  const doc = parseDocument(text, { strict: false, uniqueKeys: false });
  if (doc.errors.length) {
    problems.push(`values.yaml of ${chart || 'the chart'} has YAML errors`);
    return {};
  }
  collectComments(doc, doc.contents as Node | null, prefix, comments);
  const data = doc.toJSON() as unknown;
  return isObject(data) ? data : {};
}

function collectComments(doc: Document, node: Node | null, path: Array<string | number>, out: Map<string, string>): void {
  if (!node || path.length > 64) return;
  if (isMap(node)) {
    node.items.forEach((pair, i) => {
      const p = pair as Pair<Node, Node>;
      if (!isScalar(p.key)) return;
      const key = String(p.key.value);
      // A nested mapping holds its first key's comment; a file header (a blank line before the first key) is the document's and describes no key.
      let before = p.key.commentBefore ?? undefined;
      if (!before && i === 0 && path.length > 0) before = (node as Node).commentBefore ?? undefined;
      // Only the comment on the key's own line (the parser appends the lines below it).
      const after = (isScalar(p.value) ? p.value.comment?.split('\n')[0] : undefined) ?? undefined;
      // `host: #0.0.0.0`: beside an empty value, one word is a commented-out example, not a description.
      const example = after && isScalar(p.value) && p.value.value === null && /^\s*\S+\s*$/.test(after) ? `Example: \`${after.trim()}\`` : undefined;
      const text = cleanComment(before) ?? example ?? cleanComment(after);
      if (text) out.set(pathKey([...path, key]), text);
      collectComments(doc, p.value ?? null, [...path, key], out);
    });
  } else if (isSeq(node)) {
    // Items of a default list are examples, not fields: their comments are not kept.
  }
}

/** A comment as documentation: helm-docs `-- text`, Bitnami `@param path text`, plain text; markers and commented-out YAML dropped. */
function cleanComment(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const lines = raw.split('\n').map((l) => l.replace(/^#+\s?/, '').trimEnd());
  // Only the paragraph closest to the key describes it.
  const last: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (l.trim() === '') {
      if (last.length) break;
      continue;
    }
    last.unshift(l);
  }
  const kept: string[] = [];
  for (const l of last) {
    const t = l.trim();
    const param = /^@param\s+\S+\s+(.*)$/.exec(t);
    if (param) {
      kept.push(param[1]!);
      continue;
    }
    if (/^@(section|skip|extra|default|ignored|raw|notationType)\b/.test(t)) continue;
    if (/^--\s?/.test(t)) {
      kept.push(t.replace(/^--\s?/, ''));
      continue;
    }
    // Commented-out YAML (`# key: value`) is an example, not prose.
    if (/^[\w.-]+:(\s|$)/.test(t) || /^- /.test(t)) continue;
    kept.push(t);
  }
  const text = kept.join(' ').replace(/\s+/g, ' ').trim();
  return text || undefined;
}

// ---------- schema navigation ----------

/** The schemas that apply at a values path (the chart's, a subchart's below its key). */
export function schemasAt(model: ChartValues, path: ReadonlyArray<string | number>): SchemaRef[] {
  const out: SchemaRef[] = [];
  for (const s of model.schemas) {
    if (s.prefix.length > path.length || s.prefix.some((p, i) => path[i] !== p)) continue;
    let current: SchemaRef[] = expand({ schema: s.schema, root: s.schema, chart: s.chart });
    for (const seg of path.slice(s.prefix.length)) {
      current = current.flatMap((c) => childSchemas(c, seg)).flatMap(expand);
      if (!current.length) break;
    }
    out.push(...current);
  }
  return out;
}

/** A schema with its `$ref` followed and `allOf`/`anyOf`/`oneOf` branches listed beside it. */
export function expand(ref: SchemaRef, depth = 0): SchemaRef[] {
  if (depth > 8 || typeof ref.schema !== 'object') return typeof ref.schema === 'object' ? [ref] : [];
  const s = ref.schema;
  const out: SchemaRef[] = [ref];
  if (typeof s['$ref'] === 'string') {
    const target = resolvePointer(ref.root, s['$ref']);
    if (target !== undefined) out.push(...expand({ ...ref, schema: target }, depth + 1));
  }
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    const list = s[k];
    if (Array.isArray(list)) for (const b of list) if (typeof b === 'object' && b !== null) out.push(...expand({ ...ref, schema: b as JsonSchema }, depth + 1));
  }
  // if/then/else: the `then` branch documents what is allowed once the condition holds.
  if (isObject(s['then'])) out.push(...expand({ ...ref, schema: s['then'] as JsonSchema }, depth + 1));
  return out;
}

function resolvePointer(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (!ref.startsWith('#')) return undefined; // remote documents are never fetched
  const pointer = decodeURIComponent(ref.slice(1));
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return typeof node === 'boolean' || isObject(node) ? (node as JsonSchema) : undefined;
}

function childSchemas(ref: SchemaRef, seg: string | number): SchemaRef[] {
  const s = ref.schema;
  if (typeof s !== 'object') return [];
  const wrap = (x: unknown): SchemaRef[] => (typeof x === 'boolean' || isObject(x) ? [{ ...ref, schema: x as JsonSchema }] : []);
  if (typeof seg === 'number') {
    if (Array.isArray(s['prefixItems']) && seg < s['prefixItems'].length) return wrap(s['prefixItems'][seg]);
    if (Array.isArray(s['items'])) return seg < s['items'].length ? wrap(s['items'][seg]) : wrap(s['additionalItems']);
    return wrap(s['items']);
  }
  const props = s['properties'];
  if (isObject(props) && seg in props) return wrap(props[seg]);
  const out: SchemaRef[] = [];
  const patterns = s['patternProperties'];
  if (isObject(patterns)) {
    for (const [p, sub] of Object.entries(patterns)) {
      try {
        if (new RegExp(p, 'u').test(seg)) out.push(...wrap(sub));
      } catch {
        // a pattern JavaScript cannot read documents nothing
      }
    }
  }
  if (!out.length && isObject(s['additionalProperties'])) out.push(...wrap(s['additionalProperties']));
  return out;
}

/** Property names the schemas declare (with their own schema) at a path. */
export function schemaProperties(refs: SchemaRef[]): Map<string, SchemaRef[]> {
  const out = new Map<string, SchemaRef[]>();
  for (const r of refs) {
    if (typeof r.schema !== 'object') continue;
    const props = r.schema['properties'];
    if (!isObject(props)) continue;
    for (const [k, v] of Object.entries(props)) {
      if (typeof v !== 'boolean' && !isObject(v)) continue;
      const list = out.get(k) ?? out.set(k, []).get(k)!;
      list.push(...expand({ ...r, schema: v as JsonSchema }));
    }
  }
  return out;
}

/** The first value of a keyword among the schemas (description, title, default...). */
export function schemaKeyword(refs: SchemaRef[], keyword: string): unknown {
  for (const r of refs) if (typeof r.schema === 'object' && r.schema[keyword] !== undefined) return r.schema[keyword];
  return undefined;
}

/** Allowed values: `enum`s and `const`s of the schemas. */
export function schemaEnum(refs: SchemaRef[]): unknown[] {
  const out: unknown[] = [];
  for (const r of refs) {
    if (typeof r.schema !== 'object') continue;
    if (Array.isArray(r.schema['enum'])) for (const v of r.schema['enum']) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(v);
    if ('const' in r.schema && !out.some((o) => JSON.stringify(o) === JSON.stringify(r.schema && (r.schema as Record<string, unknown>)['const'])))
      out.push(r.schema['const']);
  }
  return out;
}

/** `string`, `integer | string`, … from the schemas' `type`s. */
export function schemaType(refs: SchemaRef[]): string | undefined {
  const types = new Set<string>();
  for (const r of refs) {
    if (typeof r.schema !== 'object') continue;
    const t = r.schema['type'];
    if (typeof t === 'string') types.add(t);
    else if (Array.isArray(t)) for (const x of t) if (typeof x === 'string') types.add(x);
  }
  return types.size ? [...types].join(' | ') : undefined;
}

/** The default at a path of the chart's values, if there is one. */
export function defaultAt(model: ChartValues, path: ReadonlyArray<string | number>): { found: boolean; value?: unknown } {
  let node: unknown = model.defaults;
  for (const seg of path) {
    if (typeof seg === 'number' ? !Array.isArray(node) || seg >= node.length : !isObject(node) || !(seg in node)) return { found: false };
    node = (node as Record<string | number, unknown>)[seg];
  }
  return { found: true, value: node };
}

/** The JSON type name of a value as a schema would say it. */
export function valueType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}
