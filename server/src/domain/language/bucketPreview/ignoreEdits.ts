/**
 * The ignore-rule helper of Bucket previews: patterns worth adding to `spec.ignore` (the
 * heaviest top-level folders and files of what would be packed) and the edit that adds
 * chosen patterns, keeping what `spec.ignore` already holds and writing it back as a block
 * scalar at the mapping's indentation (or adding `ignore:` when there is none).
 */
import type { TextEdit } from '../../diagnostics';
import { pairOf } from '../../yaml/yamlNodes';
import { readFluxObject } from '../../flux/fluxObject';
import { appendToMap, blockYaml, mapIndent, removePair } from '../../yaml/yamlEdits';
import { formatBytes, type BucketPreview } from '../../resolution/bucket/bucketPreview';
import type { BucketDocument } from './bucketDocument';

export interface IgnoreSuggestion {
  /** An anchored pattern: `/folder/` or `/file`. */
  pattern: string;
  count: number;
  size: number;
}

/** The heaviest top-level entries of the preview (at least `minShare` of its size each), biggest first. */
export function ignoreSuggestions(preview: BucketPreview, max = 3, minShare = 0.05): IgnoreSuggestion[] {
  const groups = new Map<string, IgnoreSuggestion>();
  for (const f of preview.files) {
    if (f.path === '.sourceignore') continue;
    const slash = f.path.indexOf('/');
    const pattern = slash < 0 ? `/${f.path}` : `/${f.path.slice(0, slash)}/`;
    const g = groups.get(pattern) ?? { pattern, count: 0, size: 0 };
    g.count++;
    g.size += f.size;
    groups.set(pattern, g);
  }
  return [...groups.values()]
    .filter((g) => preview.totalSize > 0 && g.size >= preview.totalSize * minShare)
    .sort((a, b) => b.size - a.size || (a.pattern < b.pattern ? -1 : 1))
    .slice(0, max);
}

export function suggestionTitle(s: IgnoreSuggestion): string {
  return `Add '${s.pattern}' to spec.ignore (${formatBytes(s.size)} in ${s.count} file${s.count === 1 ? '' : 's'})`;
}

/** The edit adding `patterns` to the Bucket's spec.ignore (those already there are not repeated); undefined when none is new or the YAML cannot be edited safely. */
export function addIgnorePatterns(b: BucketDocument, patterns: readonly string[]): TextEdit | undefined {
  const obj = readFluxObject(b.doc);
  const spec = obj?.spec;
  if (!spec) return undefined;
  const existing = b.spec.ignore ?? '';
  const have = new Set(existing.split('\n').map((l) => l.trim()));
  const added = [...new Set(patterns.map((p) => p.trim()).filter((p) => p !== '' && !have.has(p)))];
  if (added.length === 0) return undefined;
  const base = existing === '' || existing.endsWith('\n') ? existing : `${existing}\n`;
  const text = `${base}${added.join('\n')}\n`;
  const pair = pairOf(spec, 'ignore');
  if (!pair) return appendToMap(b.doc, spec, { ignore: text });
  const indent = mapIndent(b.doc, spec);
  const removal = removePair(b.doc, spec, pair);
  if (!removal || indent === undefined) return undefined;
  return { range: removal.range, newText: blockYaml({ ignore: text }, indent) };
}
