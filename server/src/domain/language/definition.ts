import type { Position } from '../text/lineIndex';
import type { YamlFile } from '../yaml/yamlFile';
import type { ObjectIndex } from '../workspace/objectIndex';
import { navigationTargetAt, type FileLocation } from './navigation';

/**
 * Go to definition on a `sourceRef`, `chartRef`, `dependsOn` item or any
 * `*secretRef`: the objects of the workspace with that kind, name and namespace.
 */
export function definition(yaml: YamlFile, position: Position, index: ObjectIndex): FileLocation[] {
  const target = navigationTargetAt(yaml, position);
  if (!target || target.type !== 'reference') return [];
  const t = target.reference.target;
  return index.find(t.kind, t.name, t.namespace).map((o) => ({ file: o.file, range: o.range, selectionRange: o.nameRange }));
}
