/**
 * Hover text and diagnostics of a Bucket's preview: what the artifact would hold
 * (count, size, largest files, what the ignore rules drop), warnings past the size and
 * count thresholds, and information (never an error) when the store cannot be asked.
 */
import { Severity, type Diagnostic, type Fix } from '../../diagnostics';
import { formatBytes, type BucketPreview } from '../../resolution/bucket/bucketPreview';
import type { BucketError } from '../../resolution/bucket/bucketLister';
import type { BucketDocument } from './bucketDocument';
import { addIgnorePatterns, ignoreSuggestions, suggestionTitle } from './ignoreEdits';

export interface BucketThresholds {
  /** Warn when the artifact would exceed this many bytes. */
  maxBytes: number;
  /** Warn when it would hold more files than this. */
  maxFiles: number;
}

export type BucketState = { state: 'done'; preview: BucketPreview } | { state: 'failed'; error: BucketError } | { state: 'listing' } | { state: 'offline' };

function where(b: BucketDocument): string {
  return `s3://${b.spec.bucketName}/${b.spec.prefix ?? ''}`;
}

export function bucketHoverMarkdown(b: BucketDocument, state: BucketState): string {
  const head = `**Bucket artifact preview** — \`${where(b)}\` at \`${b.spec.endpoint}\``;
  if (state.state === 'offline') return `${head}\n\nNot listed: the editor is offline (\`flux-oci.registry.offline\`).`;
  if (state.state === 'listing') return `${head}\n\nListing the bucket…`;
  if (state.state === 'failed') return `${head}\n\nNot listed: ${state.error.message}`;
  const p = state.preview;
  const atLeast = p.truncated ? 'at least ' : '';
  const lines = [
    head,
    '',
    `source-controller would pack **${atLeast}${p.count} file${p.count === 1 ? '' : 's'}, ${atLeast}${formatBytes(p.totalSize)}** (before compression).`,
  ];
  if (p.truncated) lines.push('', '_The listing stopped early: the bucket holds more objects than the editor lists._');
  if (p.largest.length) {
    lines.push('', 'Largest:', '');
    for (const f of p.largest.slice(0, 5)) lines.push(`- \`${f.path}\` ${formatBytes(f.size)}`);
  }
  if (p.dropped.length) {
    lines.push('', `Ignore rules drop ${p.droppedCount} object${p.droppedCount === 1 ? '' : 's'} (${formatBytes(p.droppedSize)}):`, '');
    for (const d of p.dropped.slice(0, 8)) lines.push(`- \`${d.rule}\` (${d.from}): ${d.count}, ${formatBytes(d.size)}`);
  } else if (p.noSpecIgnore && !p.hasSourceIgnore) {
    lines.push('', 'No `spec.ignore` and no `.sourceignore` at the bucket root: **every object is packed** (Flux applies no default excludes to Buckets).');
  }
  if (p.hasSourceIgnore)
    lines.push(
      '',
      '_`.sourceignore` at the bucket root is applied before `spec.ignore` (and packed too, as source-controller downloads it beside the objects)._',
    );
  lines.push(
    '',
    `_Listed ${new Date(p.listedAt).toISOString().slice(11, 19)} UTC with ${p.credentialsFrom}. Run **Preview Bucket Artifact** for the full list._`,
  );
  return lines.join('\n');
}

export function bucketDiagnostics(b: BucketDocument, state: BucketState, thresholds: BucketThresholds): Diagnostic[] {
  if (state.state === 'failed') {
    // Never asked (offline, loopback-only) or not a store flux-oci lists (gcp, azure): the hover says why, no diagnostic.
    if (state.error.code === 'offline' || state.error.code === 'cancelled' || state.error.code === 'unsupported') return [];
    return [
      {
        range: b.anchor,
        severity: Severity.Information,
        code: 'bucket/not-listed',
        message: `The bucket could not be listed to preview its artifact: ${state.error.message}`,
      },
    ];
  }
  if (state.state !== 'done') return [];
  const p = state.preview;
  const out: Diagnostic[] = [];
  const atLeast = p.truncated ? 'at least ' : '';
  if (p.totalSize > thresholds.maxBytes) {
    out.push({
      range: b.anchor,
      severity: Severity.Warning,
      code: 'bucket/large-artifact',
      message: `source-controller would pack ${atLeast}${formatBytes(p.totalSize)} from ${where(b)} into one artifact (over ${formatBytes(thresholds.maxBytes)}, flux-oci.bucket.maxArtifactBytes): it downloads and archives all of it on every change. Narrow spec.prefix or add spec.ignore patterns; largest: ${p.largest
        .slice(0, 3)
        .map((f) => `${f.path} (${formatBytes(f.size)})`)
        .join(', ')}.`,
      ...fixesFor(b, p),
    });
  }
  if (p.count > thresholds.maxFiles) {
    out.push({
      range: b.anchor,
      severity: Severity.Warning,
      code: 'bucket/many-files',
      message: `source-controller would pack ${atLeast}${p.count} files from ${where(b)} (over ${thresholds.maxFiles}, flux-oci.bucket.maxArtifactFiles). Narrow spec.prefix or add spec.ignore patterns.`,
    });
  }
  return out;
}

/** Quick fixes adding the heaviest top-level folders or files to spec.ignore. */
function fixesFor(b: BucketDocument, p: BucketPreview): { fixes?: Fix[] } {
  const fixes: Fix[] = [];
  for (const s of ignoreSuggestions(p)) {
    const edit = addIgnorePatterns(b, [s.pattern]);
    if (edit) fixes.push({ title: suggestionTitle(s), edits: [edit] });
  }
  return fixes.length ? { fixes } : {};
}
