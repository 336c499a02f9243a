import type { Range } from '../text/lineIndex';
import type { YamlFile } from '../yaml/yamlFile';
import { documentObjects } from '../workspace/objectReferences';
import { shiftRange } from '../text/lineIndex';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { embeddedObjects } from '../flux/resourceSet';

/** One symbol per Kubernetes object of a file, named `Kind/name` as kubectl prints it. */
export interface ObjectSymbol {
  name: string;
  /** apiVersion and namespace, shown greyed beside the name. */
  detail: string;
  kind: string;
  range: Range;
  selectionRange: Range;
  /** Objects declared inside this one (a ResourceSet's spec.resources). */
  children?: ObjectSymbol[];
}

export function documentSymbols(file: YamlFile): ObjectSymbol[] {
  const out: ObjectSymbol[] = [];
  for (const d of file.documents) {
    const id = d.parsed.identity;
    if (!id.kind) continue;
    const found = documentObjects(d.parsed);
    const rootRange = d.parsed.rangeOfNode(d.parsed.root);
    if (!rootRange) continue;
    const range = shiftRange(rootRange, d.slice.startLine);
    const selection = found.object ? shiftRange(found.object.nameRange, d.slice.startLine) : range;
    const symbol = objectSymbol(d.parsed, range, selection);
    const children = embeddedObjects(d.parsed).flatMap((e) => {
      const r = shiftRange(e.range, d.slice.startLine);
      const name = documentObjects(e.parsed).object?.nameRange;
      return e.parsed.identity.kind ? [objectSymbol(e.parsed, r, name ? shiftRange(name, d.slice.startLine) : r)] : [];
    });
    if (children.length) symbol.children = children;
    out.push(symbol);
  }
  return out;
}

function objectSymbol(doc: ParsedDocument, range: Range, selection: Range): ObjectSymbol {
  const id = doc.identity;
  const detail = [id.apiVersion, id.namespace ? `ns ${id.namespace}` : undefined].filter(Boolean).join(' · ');
  return { name: `${id.kind}/${id.name ?? '(unnamed)'}`, detail, kind: id.kind ?? '', range, selectionRange: clampTo(selection, range) };
}

// LSP requires selectionRange to lie inside range.
function clampTo(inner: Range, outer: Range): Range {
  const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
  if (before(inner.start, outer.start) || before(outer.end, inner.end)) return outer;
  return inner;
}
