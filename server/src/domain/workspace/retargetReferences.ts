import type { Fix, TextEdit } from '../diagnostics';
import { schemaAtPath, schemaForObject } from '../schema/schemaRegistry';
import type { IndexedReference, ObjectIndex } from './objectIndex';

/**
 * The edits that repoint references across the workspace (a fix's `retarget`):
 * each `kind` of a reference naming `from` becomes `toKind`, but only where the
 * referencing field accepts that kind (a Kustomization sourceRef takes an
 * OCIRepository; a HelmChart or ImageUpdateAutomation sourceRef does not, and
 * is left alone). Edits are grouped by file, in file coordinates.
 */
export function retargetEdits(index: ObjectIndex, retarget: NonNullable<Fix['retarget']>): Map<string, TextEdit[]> {
  const byFile = new Map<string, TextEdit[]>();
  for (const r of index.referencesTo(retarget.from)) {
    if (!r.kindRange || !accepts(r, retarget.toKind)) continue;
    // Same name, and the same namespace when both sides say one.
    if (r.target.namespace !== undefined && retarget.from.namespace !== undefined && r.target.namespace !== retarget.from.namespace) continue;
    const edits = byFile.get(r.file) ?? [];
    edits.push({ range: r.kindRange, newText: retarget.toKind });
    byFile.set(r.file, edits);
  }
  return byFile;
}

function accepts(r: IndexedReference, kind: string): boolean {
  if (r.field !== 'sourceRef' && r.field !== 'chartRef') return false;
  const schema = r.from.apiVersion ? schemaForObject(r.from.apiVersion, r.from.kind) : undefined;
  const values = schema ? schemaAtPath(schema, [...r.path, 'kind'])?.enum : undefined;
  return !!values && values.includes(kind);
}
