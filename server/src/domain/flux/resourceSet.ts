/**
 * The objects a Flux Operator ResourceSet declares in `spec.resources`, each parsed
 * as a document of its own so that every feature written for a top-level object
 * (validation, hover, completion, symbols, lints, live resolution) works on it
 * unchanged. The embedded document keeps the ResourceSet document's line and
 * column numbers (its text is the item, indented in place, after as many empty
 * lines as precede it), so its ranges need no translation.
 */
import { type Node, type YAMLMap } from 'yaml';
import { isMap, isScalar, isSeq } from '../yaml/nodeTests';
import { ParsedDocument } from '../yaml/parsedDocument';
import { containsPosition, type Position, type Range } from '../text/lineIndex';
import { fluxOperatorGroup } from './fluxOperator';
import { splitApiVersion } from './apiGroups';
import { isResourceSetTemplate, type InputSet } from './resourceSetTemplates';

export interface EmbeddedObject {
  /** The `spec.resources` item parsed on its own, in the ResourceSet document's coordinates. */
  parsed: ParsedDocument;
  /** Index in `spec.resources`. */
  index: number;
  /** The item's range in the ResourceSet document. */
  range: Range;
}

export function isResourceSet(doc: ParsedDocument): boolean {
  const { apiVersion, kind } = doc.identity;
  return kind === 'ResourceSet' && !!apiVersion && splitApiVersion(apiVersion).group === fluxOperatorGroup;
}

/** The objects of `spec.resources` (memoised on the parse). */
export function embeddedObjects(doc: ParsedDocument): EmbeddedObject[] {
  // Extracted even from a document with syntax errors: completion works on text being typed.
  return doc.memoize('flux/resourceSet/embedded', () => (isResourceSet(doc) ? extract(doc) : []));
}

/** The embedded object containing a position of the ResourceSet document. */
export function embeddedObjectAt(doc: ParsedDocument, position: Position): EmbeddedObject | undefined {
  return embeddedObjects(doc).find((e) => containsPosition(e.range, position));
}

function extract(doc: ParsedDocument): EmbeddedObject[] {
  const spec = (doc.root as YAMLMap | null)?.get('spec', true);
  const resources = spec && isMap(spec) ? spec.get('resources', true) : undefined;
  if (!isSeq(resources)) return [];
  const out: EmbeddedObject[] = [];
  resources.items.forEach((item, index) => {
    const r = isMap(item) ? (item as Node).range : undefined;
    if (!r) return;
    const start = r[0];
    const end = r[2] ?? r[1];
    const startPos = doc.lineIndex.positionAt(start);
    const lineStart = start - startPos.character;
    // The `- ` (and indentation) before the item become spaces: the mapping keeps its column.
    const text = '\n'.repeat(startPos.line) + ' '.repeat(start - lineStart) + doc.text.slice(start, end);
    const parsed = new ParsedDocument(text);
    if (!parsed.root) return;
    out.push({ parsed, index, range: doc.lineIndex.rangeOf(start, Math.max(start + 1, trimEnd(doc.text, start, end))) });
  });
  return out;
}

/**
 * End of the item: the end of its last non-blank line (trailing spaces included, so a
 * cursor after `tag: ` still belongs to the object), never the blank lines after it.
 */
function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(text[e - 1]!)) e--;
  const eol = text.indexOf('\n', e);
  return Math.min(end, eol < 0 ? text.length : eol);
}

/** Ranges of the scalars (keys and values) of a document that hold a ResourceSet template. */
export function templatedRanges(doc: ParsedDocument): Range[] {
  return doc.memoize('flux/resourceSet/templatedRanges', () => {
    const out: Range[] = [];
    const visit = (node: unknown): void => {
      if (isScalar(node)) {
        if (typeof node.value === 'string' && isResourceSetTemplate(node.value) && node.range) out.push(doc.lineIndex.rangeOf(node.range[0], node.range[1]));
      } else if (isMap(node)) {
        for (const p of node.items) {
          visit(p.key);
          visit(p.value);
        }
      } else if (isSeq(node)) for (const i of node.items) visit(i);
    };
    visit(doc.yaml.contents);
    return out;
  });
}

/**
 * The literal input sets of `spec.inputs`: each item a mapping of scalar values.
 * Values that are themselves templated (`<< >>`, or `${VAR}` for Flux's post-build
 * substitution) are left out, so text using them stays unresolved.
 */
export function literalInputSets(doc: ParsedDocument): InputSet[] {
  return doc.memoize('flux/resourceSet/inputs', () => {
    const spec = (doc.root as YAMLMap | null)?.get('spec', true);
    const inputs = spec && isMap(spec) ? spec.get('inputs', true) : undefined;
    if (!isSeq(inputs)) return [];
    const out: InputSet[] = [];
    inputs.items.forEach((item, index) => {
      if (!isMap(item)) return;
      const values = new Map<string, string>();
      for (const p of item.items) {
        if (!isScalar(p.key) || !isScalar(p.value)) continue;
        const v = p.value.value;
        if (v === null || typeof v === 'object') continue;
        const s = String(v);
        if (isResourceSetTemplate(s) || s.includes('${')) continue;
        values.set(String(p.key.value), s);
      }
      out.push({ index, values, label: (used) => `inputs[${index}]${used.length ? ` (${used.map((k) => `${k}: ${values.get(k)}`).join(', ')})` : ''}` });
    });
    return out;
  });
}
