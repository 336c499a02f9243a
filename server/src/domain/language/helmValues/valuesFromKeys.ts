/**
 * The YAML a HelmRelease `valuesFrom` item reads: the key of a ConfigMap (`data`) or Secret
 * (`stringData`, or base64 `data`) manifest in the workspace. A literal block (`key: |`) is
 * parsed in place, padded so its lines and columns are those of the manifest, which gives
 * diagnostics exact ranges inside it; any other form is parsed on its own and reported on the key.
 */
import { isMap, isScalar, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { ParsedDocument } from '../../yaml/parsedDocument';
import type { Position, Range } from '../../text/lineIndex';
import { mapAt, pairOf } from '../../yaml/yamlNodes';
import type { ObjectIndex } from '../../workspace/objectIndex';
import type { ValuesFromRef } from './helmReleaseChart';

export interface ValuesKey {
  /** The key's text (decoded for a Secret's `data`). */
  text: string;
  /** The text parsed as YAML; in the manifest's coordinates when `inPlace`. */
  doc: ParsedDocument;
  inPlace: boolean;
  /** The key in the manifest (where problems are reported when not in place). */
  keyRange: Range;
  /** The manifest's document. */
  manifest: ParsedDocument;
}

export function readValuesKey(ref: ValuesFromRef, namespace: string | undefined, index: ObjectIndex | undefined): ValuesKey | undefined {
  for (const obj of index?.find(ref.kind, ref.name, namespace) ?? []) {
    const manifest = index!.documentOf(obj);
    if (!manifest) continue;
    const read = valuesKeyOf(manifest, ref.kind, ref.valuesKey);
    if (read) return read;
  }
  return undefined;
}

/** The key of a ConfigMap or Secret manifest (memoised on its parse). */
export function valuesKeyOf(manifest: ParsedDocument, kind: 'ConfigMap' | 'Secret', key: string): ValuesKey | undefined {
  return manifest.memoize(`helmValues/valuesKey/${kind}/${key}`, () => {
    const root = manifest.root;
    if (!root || !isMap(root) || manifest.identity.kind !== kind || manifest.identity.apiVersion !== 'v1') return undefined;
    const sections: Array<[string, boolean]> =
      kind === 'ConfigMap'
        ? [['data', false]]
        : [
            ['stringData', false],
            ['data', true],
          ];
    for (const [section, base64] of sections) {
      const pair = pairOf(mapAt(root as YAMLMap, section), key);
      if (!pair || !isScalar(pair.value) || typeof (pair.value as Scalar).value !== 'string' || !pair.key.range) continue;
      const value = pair.value as Scalar<string>;
      const keyRange = manifest.lineIndex.rangeOf(pair.key.range[0], pair.key.range[1]);
      if (base64) {
        const text = Buffer.from(value.value, 'base64').toString('utf8');
        return { text, doc: new ParsedDocument(text), inPlace: false, keyRange, manifest };
      }
      const inPlace = placed(manifest, pair);
      return { text: value.value, doc: inPlace ?? new ParsedDocument(value.value), inPlace: !!inPlace, keyRange, manifest };
    }
    return undefined;
  });
}

/** A literal block's content parsed where it stands (same lines and columns), when it reads back as the same text. */
function placed(manifest: ParsedDocument, pair: Pair<Scalar, unknown>): ParsedDocument | undefined {
  const value = pair.value as Scalar<string>;
  if (value.type !== 'BLOCK_LITERAL' || !value.range) return undefined;
  const header = manifest.lineIndex.positionAt(value.range[0]).line;
  const first = header + 1;
  const start = manifest.lineIndex.offsetAt({ line: first, character: 0 });
  const end = value.range[1];
  if (start >= end) return undefined;
  const doc = new ParsedDocument('\n'.repeat(first) + manifest.text.slice(start, end));
  // The block's own parse must agree with the in-place one, or positions would lie.
  const alone = new ParsedDocument(value.value);
  if (doc.hasSyntaxErrors || JSON.stringify(doc.yaml.toJSON()) !== JSON.stringify(alone.yaml.toJSON())) return undefined;
  return doc;
}

/** The values mapping of a parsed key, when it is one. */
export function valuesMap(doc: ParsedDocument): YAMLMap | undefined {
  const c = doc.yaml.contents;
  return c && isMap(c) ? (c as YAMLMap) : undefined;
}

/** A literal block of a ConfigMap's `data` or a Secret's `stringData` holding the position, as a document of its own in the manifest's coordinates. */
export interface ValuesBlock {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  namespace?: string;
  key: string;
  /** The block's lines up to the cursor's, padded so positions are the manifest's (parsed leniently: it may be half-typed). */
  doc: ParsedDocument;
}

export function valuesBlockAt(manifest: ParsedDocument, position: Position): ValuesBlock | undefined {
  const { kind, name, namespace, apiVersion } = manifest.identity;
  if ((kind !== 'ConfigMap' && kind !== 'Secret') || apiVersion !== 'v1' || !name) return undefined;
  const root = manifest.root;
  if (!root || !isMap(root)) return undefined;
  for (const section of kind === 'ConfigMap' ? ['data'] : ['stringData']) {
    const map = mapAt(root as YAMLMap, section);
    for (const item of map?.items ?? []) {
      const pair = item as Pair<Scalar, unknown>;
      const value = pair.value as Scalar | null;
      if (!isScalar(pair.key) || !pair.key.range || !value || !isScalar(value) || value.type !== 'BLOCK_LITERAL' || !value.range) continue;
      const keyPos = manifest.lineIndex.positionAt(pair.key.range[0]);
      const first = manifest.lineIndex.positionAt(value.range[0]).line + 1;
      const last = manifest.lineIndex.positionAt(Math.max(value.range[0], (value.range[2] ?? value.range[1]) - 1)).line;
      if (position.line < first) continue;
      if (position.line > last) {
        // Typing on a new line right below the block, indented into it, still writes the block.
        let ok = true;
        for (let l = last + 1; l <= position.line && ok; l++) {
          const text = manifest.lineIndex.lineText(l);
          const indent = text.length - text.trimStart().length;
          ok = l < position.line ? text.trim() === '' : indent > keyPos.character;
        }
        if (!ok) continue;
      }
      const start = manifest.lineIndex.offsetAt({ line: first, character: 0 });
      const end = manifest.lineIndex.offsetAt({ line: Math.max(position.line, last) + 1, character: 0 });
      const doc = new ParsedDocument('\n'.repeat(first) + manifest.text.slice(start, end));
      return { kind, name, ...(namespace !== undefined ? { namespace } : {}), key: String(pair.key.value), doc };
    }
  }
  return undefined;
}
