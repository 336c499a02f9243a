import { type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from '../yaml/nodeTests';

/** The JSON type a YAML node decodes to (YAML 1.2 core schema, like sigs.k8s.io/yaml for these cases). */
export type ValueKind = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'object' | 'array';

/** Follows an alias to the node it names (aliases cannot form cycles in a parsed document). */
export function resolveNode(node: unknown, doc: Document.Parsed): Node | null {
  let n = node as Node | null | undefined;
  for (let i = 0; i < 16 && n && isAlias(n); i++) n = (n.resolve(doc) as Node | undefined) ?? null;
  return n ?? null;
}

export function valueKind(node: Node | null): ValueKind {
  if (!node) return 'null';
  if (isMap(node)) return 'object';
  if (isSeq(node)) return 'array';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return 'string';
    if (typeof v === 'boolean') return 'boolean';
    if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
    if (typeof v === 'bigint') return 'integer';
  }
  return 'string';
}

/** One key/value of a mapping, with the nodes to range diagnostics on. */
export interface MapEntry {
  key: string;
  keyNode: Node;
  value: Node | null;
  /** Set when the entry came from a `<<: *anchor` merge (range on the merge key). */
  merged?: boolean;
}

/**
 * The entries of a mapping, with `<<` merge keys expanded (go-yaml, which the
 * Kubernetes tooling uses, honours them; explicit keys win). Non-string keys are
 * reported with their source text.
 */
export function mapEntries(map: YAMLMap, doc: Document.Parsed): MapEntry[] {
  const own: MapEntry[] = [];
  const merges: MapEntry[] = [];
  for (const pair of map.items as Pair<unknown, unknown>[]) {
    const keyNode = pair.key as Node | null;
    if (!keyNode) continue;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const value = resolveNode(pair.value, doc);
    if (key === '<<' && isScalar(keyNode) && (keyNode as { source?: string }).source !== '"<<"') {
      const sources = value && isSeq(value) ? value.items.map((i) => resolveNode(i, doc)) : [value];
      for (const s of sources) {
        if (s && isMap(s)) for (const e of mapEntries(s, doc)) merges.push({ ...e, keyNode, merged: true });
      }
      continue;
    }
    own.push({ key, keyNode, value });
  }
  if (!merges.length) return own;
  const seen = new Set(own.map((e) => e.key));
  for (const m of merges) if (!seen.has(m.key)) (seen.add(m.key), own.push(m));
  return own;
}

/** Short text of a scalar for messages ("'5m0s2d'", "50000"). */
export function describeScalar(node: Node | null, text?: string): string {
  if (!node || !isScalar(node)) return '';
  const v = node.value;
  // numbers as written (1.0, 0x1F), not as parsed
  if (typeof v !== 'string' && text && node.range) return text.slice(node.range[0], node.range[1]);
  const s = typeof v === 'string' ? `"${v.length > 60 ? v.slice(0, 57) + '...' : v}"` : String(v);
  return s;
}
