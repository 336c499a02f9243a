/**
 * Reading YAML nodes without trusting their shape: typed lookups that answer undefined for
 * anything unexpected (wrong type, alias, missing), so a reader never throws on half-typed input,
 * and the ranges of nodes and pairs in a document's coordinates.
 */
import { type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { isMap, isScalar, isSeq } from './nodeTests';
import type { Range } from '../text/lineIndex';
import type { ParsedDocument } from './parsedDocument';

export function pairOf(map: YAMLMap | undefined, key: string): Pair<Scalar, unknown> | undefined {
  if (!map) return undefined;
  for (const p of map.items as Pair<unknown, unknown>[]) {
    if (isScalar(p.key) && p.key.value === key) return p as Pair<Scalar, unknown>;
  }
  return undefined;
}

export function mapAt(map: YAMLMap | undefined, key: string): YAMLMap | undefined {
  const v = pairOf(map, key)?.value;
  return v && isMap(v) ? (v as YAMLMap) : undefined;
}

export function seqAt(map: YAMLMap | undefined, key: string): YAMLSeq | undefined {
  const v = pairOf(map, key)?.value;
  return v && isSeq(v) ? (v as YAMLSeq) : undefined;
}

/** The scalar node under `key` when its value is a string (not a number, null or collection). */
export function stringNodeAt(map: YAMLMap | undefined, key: string): Scalar<string> | undefined {
  const v = pairOf(map, key)?.value;
  return v && isScalar(v) && typeof v.value === 'string' ? (v as Scalar<string>) : undefined;
}

export function stringAt(map: YAMLMap | undefined, key: string): string | undefined {
  return stringNodeAt(map, key)?.value;
}

/** A value that is set to something other than null/empty string. */
export function isSet(map: YAMLMap | undefined, key: string): boolean {
  const p = pairOf(map, key);
  if (!p) return false;
  const v = p.value;
  if (v === null || v === undefined) return false;
  if (isScalar(v)) return v.value !== null && v.value !== '';
  return true;
}

export function rangeOf(doc: ParsedDocument, node: Node | null | undefined): Range | undefined {
  const r = node?.range;
  if (!r) return undefined;
  return doc.lineIndex.rangeOf(r[0], Math.max(r[1], r[0] + 1));
}

/** Range of a key/value pair, from the key's start to the value's end. */
export function pairRange(doc: ParsedDocument, pair: Pair<Scalar, unknown>): Range | undefined {
  const k = pair.key?.range;
  const v = (pair.value as Node | null)?.range;
  if (!k) return undefined;
  return doc.lineIndex.rangeOf(k[0], v ? Math.max(v[1], k[1]) : k[1]);
}
