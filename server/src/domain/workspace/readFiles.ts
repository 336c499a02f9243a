import { readFileSync, statSync } from 'node:fs';

/** Files bigger than this are generated output, not manifests someone edits. */
export const maxManifestBytes = 8 * 1024 * 1024;

/**
 * A regular file's text, or undefined when it is gone, not a file, or bigger than `maxBytes`.
 * Synchronous on purpose: a manifest is read in tens of microseconds, while an awaited read of it
 * (stat, open, fstat, read, close through the thread pool) cost the language server's index of a
 * 5,000-file repository ~0.8 s of main-thread CPU and most of its wall time in waits. Callers
 * read between their event-loop slices.
 */
export function readManifest(file: string, maxBytes = maxManifestBytes): string | undefined {
  try {
    const s = statSync(file);
    if (!s.isFile() || s.size > maxBytes) return undefined;
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
