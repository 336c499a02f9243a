import type { Position, Range } from '../text/lineIndex';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { isCheckedObject, knownKinds, schemaAtPath, schemaForObject } from '../schema/schemaRegistry';
import { nodeAt } from './cursorContext';
import { fieldMarkdown } from './schemaDocs';
import { embeddedObjectAt } from '../flux/resourceSet';

export interface HoverInfo {
  markdown: string;
  range: Range;
}

/** Field documentation from the CRD for the key or value under the cursor of a Flux object. */
export function hover(doc: ParsedDocument, position: Position): HoverInfo | undefined {
  // An object of a ResourceSet's spec.resources is documented like a top-level one (same coordinates).
  const embedded = embeddedObjectAt(doc, position);
  if (embedded) return hover(embedded.parsed, position);
  const id = doc.identity;
  if (!id.apiVersion || !id.kind || !isCheckedObject(id.apiVersion, id.kind)) return undefined;
  const at = nodeAt(doc, position);
  if (!at || at.path.length === 0) return undefined;
  if (at.path.length === 1 && (at.path[0] === 'kind' || at.path[0] === 'apiVersion')) {
    const k = knownKinds().find((x) => x.apiVersion === id.apiVersion && x.kind === id.kind);
    if (!k) return undefined;
    const status = k.served ? `served by Flux` : `**not served** by current Flux`;
    return { markdown: `**${k.kind}** (\`${k.apiVersion}\`, ${status})${k.description ? `\n\n${k.description}` : ''}`, range: at.range };
  }
  const root = schemaForObject(id.apiVersion, id.kind);
  if (!root) return undefined;
  const node = schemaAtPath(root, at.path);
  if (!node) return undefined;
  const last = at.path[at.path.length - 1]!;
  const parentPath = at.path.slice(0, -1);
  const parent = parentPath.length ? schemaAtPath(root, parentPath) : root;
  const name = typeof last === 'string' ? last : undefined;
  const required = name !== undefined && parent?.required?.includes(name) === true;
  const where = at.path.filter((s) => typeof s === 'string').join('.');
  return { markdown: `${fieldMarkdown(name, node, required)}\n\n\`${id.kind}.${where}\``, range: at.range };
}
