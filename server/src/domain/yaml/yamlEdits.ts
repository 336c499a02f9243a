/**
 * Text edits for the lints' quick fixes, in the document's coordinates. Edits
 * touch as little text as possible (a value, whole lines of a pair, lines
 * appended to a block mapping) so comments and formatting around them survive.
 * When the YAML is laid out in a way we cannot edit safely (flow mappings for
 * insertions), helpers answer undefined and the lint offers no fix.
 */
import { stringify, Scalar, type Node, type Pair, type YAMLMap } from 'yaml';
import type { TextEdit } from '../diagnostics';
import type { ParsedDocument } from './parsedDocument';

/** Replaces a scalar's text, keeping its quoting style where the new value allows it. */
export function replaceScalar(doc: ParsedDocument, node: Scalar, value: string): TextEdit | undefined {
  const r = node.range;
  if (!r) return undefined;
  return { range: doc.lineIndex.rangeOf(r[0], r[1]), newText: scalarText(value, node.type) };
}

/** YAML text of a string value: plain when that reads back as the same string, quoted otherwise. */
export function scalarText(value: string, style?: Scalar.Type | string | null): string {
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  if (style === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  return stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
}

/**
 * Removes a key/value pair. In a block mapping the pair's whole lines go; when
 * it is the only pair left, the parent pair (`parentPair`) is removed instead so
 * no empty `ref:` is left behind.
 */
export function removePair(doc: ParsedDocument, map: YAMLMap, pair: Pair, parent?: { map: YAMLMap; pair: Pair }): TextEdit | undefined {
  if (parent && map.items.length === 1) return removePair(doc, parent.map, parent.pair);
  const text = doc.text;
  const keyStart = (pair.key as Node | null)?.range?.[0];
  const valueEnd = (pair.value as Node | null)?.range?.[1] ?? (pair.key as Node | null)?.range?.[1];
  if (keyStart === undefined || valueEnd === undefined) return undefined;
  if (map.flow) {
    // `{a: 1, b: 2}`: take the pair and one neighbouring comma.
    const idx = map.items.indexOf(pair as never);
    if (idx < 0) return undefined;
    if (map.items.length === 1) return { range: doc.lineIndex.rangeOf(keyStart, valueEnd), newText: '' };
    if (idx < map.items.length - 1) {
      const nextStart = ((map.items[idx + 1] as Pair).key as Node | null)?.range?.[0];
      if (nextStart === undefined) return undefined;
      return { range: doc.lineIndex.rangeOf(keyStart, nextStart), newText: '' };
    }
    const prevEnd = ((map.items[idx - 1] as Pair).value as Node | null)?.range?.[1];
    if (prevEnd === undefined) return undefined;
    return { range: doc.lineIndex.rangeOf(prevEnd, valueEnd), newText: '' };
  }
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
  // Only whole-line removal is safe; a pair sharing its line with `- ` or another key is left alone.
  if (text.slice(lineStart, keyStart).trim() !== '') return undefined;
  let end = text.indexOf('\n', Math.max(valueEnd - 1, keyStart));
  end = end < 0 ? text.length : end + 1;
  // A block scalar's range already ends after its newline.
  if (valueEnd > 0 && text[valueEnd - 1] === '\n') end = valueEnd;
  return { range: doc.lineIndex.rangeOf(lineStart, end), newText: '' };
}

/**
 * Appends `entries` to a block mapping, at its indentation, after its last
 * pair. Values are rendered as block YAML.
 */
export function appendToMap(doc: ParsedDocument, map: YAMLMap, entries: Record<string, unknown>): TextEdit | undefined {
  if (map.flow || map.items.length === 0) return undefined;
  const text = doc.text;
  const first = (map.items[0] as Pair).key as Node | null;
  const last = map.items[map.items.length - 1] as Pair;
  const firstStart = first?.range?.[0];
  const lastEnd = ((last.value as Node | null)?.range ?? (last.key as Node | null)?.range)?.[1];
  if (firstStart === undefined || lastEnd === undefined) return undefined;
  const indent = ' '.repeat(doc.lineIndex.positionAt(firstStart).character);
  const body = blockYaml(entries, indent);
  // Insert at the start of the line after the last value.
  let at = text[lastEnd - 1] === '\n' ? lastEnd : text.indexOf('\n', lastEnd);
  if (at < 0) return { range: doc.lineIndex.rangeOf(text.length, text.length), newText: '\n' + body.replace(/\n$/, '') };
  if (text[lastEnd - 1] !== '\n') at += 1;
  return { range: doc.lineIndex.rangeOf(at, at), newText: body };
}

/** Block YAML for `entries`, every line prefixed with `indent`, ending with a newline. */
export function blockYaml(entries: Record<string, unknown>, indent: string): string {
  const raw = stringify(entries, { lineWidth: 0, indent: 2 });
  return (
    raw
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => (l ? indent + l : l))
      .join('\n') + '\n'
  );
}

/** Indentation used by a block mapping's keys, for text built by hand. */
export function mapIndent(doc: ParsedDocument, map: YAMLMap): string | undefined {
  if (map.flow || map.items.length === 0) return undefined;
  const first = ((map.items[0] as Pair).key as Node | null)?.range?.[0];
  return first === undefined ? undefined : ' '.repeat(doc.lineIndex.positionAt(first).character);
}
