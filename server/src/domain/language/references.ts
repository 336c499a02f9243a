import type { Position } from '../text/lineIndex';
import type { YamlFile } from '../yaml/yamlFile';
import type { ObjectIndex } from '../workspace/objectIndex';
import { navigationTargetAt, type FileLocation } from './navigation';

/**
 * Find references from an object's `metadata.name` or from a reference to it:
 * every `sourceRef`/`chartRef`/`dependsOn`/`secretRef` in the workspace naming
 * that object, plus its declaration(s) when asked.
 */
export function references(yaml: YamlFile, position: Position, index: ObjectIndex, includeDeclaration: boolean): FileLocation[] {
  const at = navigationTargetAt(yaml, position);
  if (!at) return [];
  const target = at.type === 'reference' ? at.reference.target : at;
  const out: FileLocation[] = [];
  if (includeDeclaration) {
    for (const o of index.find(target.kind, target.name, target.namespace)) out.push({ file: o.file, range: o.nameRange, selectionRange: o.nameRange });
  }
  for (const r of index.referencesTo(target)) out.push({ file: r.file, range: r.nameRange, selectionRange: r.nameRange });
  return out;
}
