/**
 * What source-controller would pack from a listing: fetchEtagIndex's rules, exactly —
 * patterns are the root `.sourceignore` then `spec.ignore` (later ones win), matched with
 * Flux's go-git matcher on the key split at '/', as a file; keys ending in '/' and the
 * `.sourceignore` key itself are skipped; nothing else is excluded by default. The
 * `.sourceignore` file is packed all the same (see below).
 */
import { readSourceIgnorePatterns, SourceIgnoreMatcher } from '../../flux/sourceIgnoreMatcher';
import type { BucketListing } from './bucketLister';

export interface PackedFile {
  path: string;
  size: number;
}

export interface DroppedByRule {
  /** The pattern as written, with where it came from. */
  rule: string;
  from: 'spec.ignore' | '.sourceignore';
  count: number;
  size: number;
  examples: string[];
}

export interface BucketPreview {
  /** Files the artifact would hold, sorted by path (as in the tarball). */
  files: PackedFile[];
  count: number;
  totalSize: number;
  /** The largest files, biggest first. */
  largest: PackedFile[];
  dropped: DroppedByRule[];
  droppedCount: number;
  droppedSize: number;
  /** Keys the index skips whatever the rules say: folder markers ('…/') and the .sourceignore key (packed all the same). */
  skipped: number;
  hasSourceIgnore: boolean;
  /** spec.ignore is absent: nothing but a .sourceignore excludes anything. */
  noSpecIgnore: boolean;
  truncated: boolean;
  listedAt: number;
  credentialsFrom: string;
}

export function previewBucket(listing: BucketListing, specIgnore: string | undefined, largestN = 10): BucketPreview {
  const fromFile = listing.sourceIgnore !== undefined ? readSourceIgnorePatterns(listing.sourceIgnore) : [];
  const fromSpec = specIgnore !== undefined ? readSourceIgnorePatterns(specIgnore) : [];
  const origin = new Map([...fromFile.map((p) => [p, '.sourceignore' as const] as const), ...fromSpec.map((p) => [p, 'spec.ignore' as const] as const)]);
  const matcher = new SourceIgnoreMatcher([...fromFile, ...fromSpec]);
  const files: PackedFile[] = [];
  const dropped = new Map<string, DroppedByRule>();
  let skipped = 0;
  for (const o of listing.objects) {
    if (o.key.endsWith('/') || o.key === '.sourceignore') {
      skipped++;
      continue;
    }
    const decided = matcher.decidingPattern(o.key.split('/'), false);
    if (decided?.result === 'exclude') {
      const from = origin.get(decided.pattern) ?? 'spec.ignore';
      const id = `${from}\n${decided.pattern.source}`;
      let d = dropped.get(id);
      if (!d) dropped.set(id, (d = { rule: decided.pattern.source, from, count: 0, size: 0, examples: [] }));
      d.count++;
      d.size += o.size;
      if (d.examples.length < 3) d.examples.push(o.key);
      continue;
    }
    files.push({ path: o.key, size: o.size });
  }
  // The controller downloads the root .sourceignore into the folder it archives (fetchEtagIndex
  // writes it there to read the patterns), so the artifact holds it even though the index skips it.
  if (listing.sourceIgnore !== undefined) files.push({ path: '.sourceignore', size: listing.sourceIgnoreSize ?? Buffer.byteLength(listing.sourceIgnore) });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const totalSize = files.reduce((s, f) => s + f.size, 0);
  const largest = [...files].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1)).slice(0, largestN);
  const droppedList = [...dropped.values()].sort((a, b) => b.size - a.size || b.count - a.count);
  return {
    files,
    count: files.length,
    totalSize,
    largest,
    dropped: droppedList,
    droppedCount: droppedList.reduce((s, d) => s + d.count, 0),
    droppedSize: droppedList.reduce((s, d) => s + d.size, 0),
    skipped,
    hasSourceIgnore: listing.sourceIgnore !== undefined,
    noSpecIgnore: specIgnore === undefined,
    truncated: listing.truncated,
    listedAt: listing.at,
    credentialsFrom: listing.credentialsFrom,
  };
}

/** 1536 → '1.5 KiB'. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
