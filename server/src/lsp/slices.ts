import type { YamlFile } from '../domain/yaml/yamlFile';
import { documentObjects } from '../domain/workspace/objectReferences';

/** How long one slice of background work may hold the event loop. */
export const sliceBudgetMs = 8;

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Parses a file's documents (and reads the objects they declare) a slice at a time, yielding between slices so
 * requests (completion, hover) keep answering while a huge file is parsed.
 * Returns false when `stale()` says the work is no longer wanted.
 */
export async function parseInSlices(yaml: YamlFile, stale: () => boolean): Promise<boolean> {
  let sliceStart = performance.now();
  for (const d of yaml.documents) {
    if (d.isParsed) continue;
    documentObjects(d.parsed);
    if (performance.now() - sliceStart > sliceBudgetMs) {
      await yieldToEventLoop();
      if (stale()) return false;
      sliceStart = performance.now();
    }
  }
  return true;
}
