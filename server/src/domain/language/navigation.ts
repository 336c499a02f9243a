import { containsPosition, shiftRange, type Position, type Range } from '../text/lineIndex';
import { YamlFile } from '../yaml/yamlFile';
import { documentObjects, type ObjectReference } from '../workspace/objectReferences';

/** A place in a workspace file. */
export interface FileLocation {
  file: string;
  range: Range;
  /** The part to highlight (a name), inside `range`. */
  selectionRange: Range;
}

/** What a position of a file points at, for navigation: a reference block or an object's own name. */
export type NavigationTarget =
  { type: 'reference'; reference: ObjectReference; fileNameRange: Range } | { type: 'object'; kind: string; name: string; namespace?: string };

export function navigationTargetAt(yaml: YamlFile, position: Position): NavigationTarget | undefined {
  const doc = yaml.documentAt(position);
  if (!doc) return undefined;
  const local = YamlFile.toDocumentPosition(doc, position);
  const found = documentObjects(doc.parsed);
  // The innermost reference block containing the cursor (secretRef inside verify inside spec...).
  let best: ObjectReference | undefined;
  for (const r of found.references) {
    if (containsPosition(r.range, local) && (!best || r.path.length > best.path.length)) best = r;
  }
  if (best) return { type: 'reference', reference: best, fileNameRange: shiftRange(best.nameRange, doc.slice.startLine) };
  // The object's own name, or the name of one it produces (an ArtifactGenerator's ExternalArtifact).
  const o = [found.object, ...found.nested].find((x) => x && containsPosition(x.nameRange, local));
  if (o) {
    const t: NavigationTarget = { type: 'object', kind: o.kind, name: o.name };
    if (o.namespace !== undefined) t.namespace = o.namespace;
    return t;
  }
  return undefined;
}
