/**
 * Migration to the current Flux APIs, as `flux migrate` does for stored objects but on
 * the manifests in Git: a removed or deprecated apiVersion becomes the version the target
 * Flux serves, *and* the fields that changed with it move:
 *
 *   - Kustomization `patchesStrategicMerge` / `patchesJson6902` → `patches` (each patch as a
 *     YAML string, with its target for JSON 6902), `validation` dropped;
 *   - HelmRelease `spec.chart.spec.valuesFile` → `valuesFiles`, post-renderer
 *     `kustomize.patchesStrategicMerge` / `patchesJson6902` → `kustomize.patches`;
 *   - HelmChart `valuesFile` → `valuesFiles`; sources' `accessFrom`, GitRepository
 *     `gitImplementation` dropped;
 *   - any other field the old version's schema knows and the new one does not is dropped
 *     and reported (so the result passes the target's validation and API server).
 *
 * Only documents that change are rewritten, through the YAML document model, so their
 * comments stay; every other document keeps its bytes.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq, Scalar } from 'yaml';
import { splitApiVersion, isFluxApiVersion } from '../flux/apiGroups';
import { activeSchemaSet, bundledSchemaSets, type SchemaSet } from '../schema/schemaSet';
import type { SchemaNode } from '../schema/schemaNode';

export interface DocumentMigration {
  /** The migrated document text (same document boundaries: a leading `---` is kept). */
  text: string;
  from: string;
  to: string;
  kind: string;
  /** What changed, in words: `spec.patchesStrategicMerge → spec.patches (2 patches)`. */
  changes: string[];
}

/** The version to move to: the first served, not deprecated version of the kind in `set`, when it differs. */
export function migrationTarget(apiVersion: string, kind: string, set: SchemaSet = activeSchemaSet()): string | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const k = set.index.kinds.find((x) => x.group === group && x.kind === kind);
  if (!k) return undefined;
  const current = k.served.find((s) => !s.deprecated) ?? k.served[0];
  if (!current || current.version === version) return undefined;
  const served = k.served.find((s) => s.version === version);
  if (served && !served.deprecated) return undefined;
  return `${group}/${current.version}`;
}

/** Migrates one YAML document's text; undefined when it is not a Flux object on an old version. */
export function migrateDocument(text: string, set: SchemaSet = activeSchemaSet()): DocumentMigration | undefined {
  const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: false, strict: false });
  if (doc.errors.length || !isMap(doc.contents)) return undefined;
  const root = doc.contents as YAMLMap;
  const apiVersion = scalarString(root.get('apiVersion', true));
  const kind = scalarString(root.get('kind', true));
  if (!apiVersion || !kind || !isFluxApiVersion(apiVersion)) return undefined;
  const to = migrationTarget(apiVersion, kind, set);
  if (!to) return undefined;
  const changes: string[] = [`apiVersion ${apiVersion} → ${to}`];
  const apiNode = root.get('apiVersion', true) as Scalar;
  apiNode.value = to;

  const spec = root.get('spec', true);
  if (isMap(spec)) {
    if (kind === 'Kustomization') moveKustomizePatches(doc, spec, 'spec', changes);
    if (kind === 'HelmRelease') {
      const chartSpec = (spec.get('chart', true) as YAMLMap | undefined)?.get?.('spec', true);
      if (isMap(chartSpec)) moveValuesFile(doc, chartSpec, 'spec.chart.spec', changes);
      const renderers = spec.get('postRenderers', true);
      if (isSeq(renderers)) {
        renderers.items.forEach((r, i) => {
          const k = isMap(r) ? r.get('kustomize', true) : undefined;
          if (isMap(k)) moveKustomizePatches(doc, k, `spec.postRenderers[${i}].kustomize`, changes);
        });
      }
    }
    if (kind === 'HelmChart') moveValuesFile(doc, spec, 'spec', changes);
  }
  // Fields the current APIs no longer have, dropped even when the old version's schema is not bundled (v1beta1s).
  if (isMap(spec)) {
    for (const field of removedSpecFields[kind] ?? []) {
      const target = schemaOf(to, kind, set)?.properties?.['spec'];
      if (spec.has(field) && target?.properties && !target.properties[field]) {
        spec.delete(field);
        changes.push(`spec.${field} dropped (not in the new version)`);
      }
    }
  }
  // Whatever the old version knew and the new one does not: dropped, and said.
  const oldSchema = schemaOf(apiVersion, kind);
  const newSchema = schemaOf(to, kind, set);
  if (oldSchema && newSchema) dropRemoved(root, oldSchema, newSchema, '', changes);

  const out = doc.toString({ lineWidth: 0 });
  return { text: keepEnding(text, out), from: apiVersion, to, kind, changes };
}

export interface FileMigration {
  text: string;
  /** `line`: 0-based line of the object's apiVersion in the file. */
  documents: (DocumentMigration & { line: number })[];
}

/** Migrates every document of a file; `text` is unchanged when nothing needed it. */
export function migrateFile(text: string, set: SchemaSet = activeSchemaSet()): FileMigration {
  const documents: FileMigration['documents'] = [];
  let out = '';
  let line = 0;
  // split at `---` lines, like documentSlices (kept local: the slices here must keep their marker lines)
  const parts = text.split(/(?<=\n)(?=---(?:[ \t\r\n]|$))/);
  for (const part of parts) {
    const m = migrateDocument(part, set);
    if (m) {
      // the line of its apiVersion, where a reader looks
      const at = part.search(/^apiVersion:/m);
      documents.push({ ...m, line: line + (at > 0 ? (part.slice(0, at).match(/\n/g) ?? []).length : 0) });
      out += m.text;
    } else out += part;
    line += (part.match(/\n/g) ?? []).length;
  }
  return { text: documents.length ? out : text, documents };
}

// ---------- rules ----------

/** Known removals (the generic schema comparison below finds them too when the old schema is bundled). */
const removedSpecFields: Record<string, string[]> = {
  Kustomization: ['validation'],
  GitRepository: ['gitImplementation', 'accessFrom'],
  HelmRepository: ['accessFrom'],
  HelmChart: ['accessFrom'],
  Bucket: ['accessFrom'],
  OCIRepository: ['accessFrom'],
};

function moveKustomizePatches(doc: Document, owner: YAMLMap, where: string, changes: string[]): void {
  // `patches` takes the place (and the comments) of the first key it replaces
  const at = owner.items.findIndex((p) => ['patchesStrategicMerge', 'patchesJson6902'].includes(scalarString(p.key) ?? ''));
  if (at < 0) return;
  const comments = owner.items
    .filter((p) => ['patchesStrategicMerge', 'patchesJson6902'].includes(scalarString(p.key) ?? ''))
    .map((p) => (isScalar(p.key) ? p.key.commentBefore : undefined))
    .filter((c): c is string => !!c);
  const patches: Node[] = [];
  const sm = owner.get('patchesStrategicMerge', true);
  if (isSeq(sm)) {
    for (const item of sm.items) {
      const patchText = isScalar(item) && typeof item.value === 'string' ? item.value : nodeYaml(doc, item as Node);
      patches.push(doc.createNode({ patch: literal(patchText) }) as Node);
    }
    changes.push(`${where}.patchesStrategicMerge → ${where}.patches (${sm.items.length} patch${sm.items.length === 1 ? '' : 'es'})`);
  }
  const json = owner.get('patchesJson6902', true);
  if (isSeq(json)) {
    for (const item of json.items) {
      if (!isMap(item)) continue;
      const ops = item.get('patch', true);
      const target = item.get('target', true);
      const entry = doc.createNode({}) as YAMLMap;
      entry.set('patch', doc.createNode(literal(ops ? nodeYaml(doc, ops as Node) : '[]\n')));
      if (target) entry.set('target', target);
      patches.push(entry);
    }
    changes.push(`${where}.patchesJson6902 → ${where}.patches (${json.items.length} patch${json.items.length === 1 ? '' : 'es'})`);
  }
  owner.items = owner.items.filter((p) => !['patchesStrategicMerge', 'patchesJson6902'].includes(scalarString(p.key) ?? ''));
  if (!patches.length) return;
  const existing = owner.get('patches', true);
  if (isSeq(existing)) {
    existing.items.push(...patches);
    return;
  }
  const pair = doc.createPair('patches', patches);
  if (comments.length && isScalar(pair.key)) pair.key.commentBefore = comments.join('\n');
  owner.items.splice(Math.min(at, owner.items.length), 0, pair);
}

function moveValuesFile(doc: Document, owner: YAMLMap, where: string, changes: string[]): void {
  const file = owner.get('valuesFile', true);
  if (!file) return;
  const value = scalarString(file);
  const existing = owner.get('valuesFiles', true);
  if (isSeq(existing)) {
    if (value && !existing.items.some((i) => scalarString(i) === value)) existing.items.unshift(doc.createNode(value) as Scalar);
  } else if (value) owner.set('valuesFiles', doc.createNode([value]));
  owner.delete('valuesFile');
  changes.push(`${where}.valuesFile → ${where}.valuesFiles`);
}

/** Removes keys the old schema declares and the new one does not (recursing where both know the field). */
function dropRemoved(node: YAMLMap, oldSchema: SchemaNode, newSchema: SchemaNode, path: string, changes: string[]): void {
  for (const pair of [...node.items] as Pair[]) {
    const key = scalarString(pair.key);
    if (!key || key === 'metadata') continue;
    const o = oldSchema.properties?.[key];
    const n = newSchema.properties?.[key];
    const here = path ? `${path}.${key}` : key;
    if (o && !n && newSchema.properties && !newSchema.preserveUnknownFields) {
      node.delete(key);
      changes.push(`${here} dropped (not in the new version)`);
      continue;
    }
    if (!o || !n) continue;
    if (isMap(pair.value) && o.properties && n.properties) dropRemoved(pair.value, o, n, here, changes);
    else if (isSeq(pair.value) && o.items?.properties && n.items?.properties) {
      (pair.value as YAMLSeq).items.forEach((item, i) => {
        if (isMap(item)) dropRemoved(item, o.items!, n.items!, `${here}[${i}]`, changes);
      });
    }
  }
}

// ---------- helpers ----------

/** The schema of an apiVersion/kind in `set`, else in any bundled release (old versions live in 2.7's). */
function schemaOf(apiVersion: string, kind: string, set?: SchemaSet): SchemaNode | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  for (const s of set ? [set] : [...bundledSchemaSets()].reverse()) {
    const k = s.index.kinds.find((x) => x.group === group && x.kind === kind);
    const v = k?.served.find((x) => x.version === version);
    if (v) return s.schema(v.schema);
  }
  return undefined;
}

function scalarString(n: unknown): string | undefined {
  return isScalar(n) && typeof n.value === 'string' ? n.value : undefined;
}

/** A node as block YAML text (the patch string Flux's `patches` takes). */
function nodeYaml(doc: Document, node: Node): string {
  const d = doc.clone();
  d.contents = node;
  d.commentBefore = null;
  d.comment = null;
  if (d.directives) d.directives.docStart = null;
  const text = d.toString({ lineWidth: 0 });
  return text.endsWith('\n') ? text : `${text}\n`;
}

function literal(text: string): Scalar {
  const s = new Scalar(text);
  s.type = Scalar.BLOCK_LITERAL;
  return s;
}

/** Keeps the document's own line ending at its end (the next document's `---` follows it). */
function keepEnding(original: string, out: string): string {
  if (original.endsWith('\n') && !out.endsWith('\n')) return `${out}\n`;
  if (!original.endsWith('\n') && out.endsWith('\n')) return out.slice(0, -1);
  return out;
}

/**
 * The "Migrate to current Flux APIs" quick fix of one document: the whole document
 * replaced by its migration. Only offered when more than the apiVersion changes (the
 * plain "Change apiVersion" fix covers that).
 */
export function migrationFix(
  text: string,
  range: { start: { line: number; character: number }; end: { line: number; character: number } },
  set?: SchemaSet,
): { title: string; edits: { range: typeof range; newText: string }[]; preferred: boolean } | undefined {
  const m = migrateDocument(text, set);
  if (!m || m.changes.length < 2) return undefined;
  return {
    title: `Migrate to ${m.to} (${m.changes
      .slice(1)
      .map((c) => c.replace(/ \(.*\)$/, ''))
      .join('; ')})`,
    edits: [{ range, newText: m.text }],
    preferred: true,
  };
}
