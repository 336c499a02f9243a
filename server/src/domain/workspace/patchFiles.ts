import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments, isMap, isScalar, isSeq, type Node } from 'yaml';

/**
 * Which files are kustomize patches: those named by `patches[].path`,
 * `patchesStrategicMerge[]` or `patchesJson6902[].path` of a kustomization.yaml.
 * A patch carries only the fields it changes, so it is not held to required fields.
 */
/** The file names kustomize reads in a folder, in the order it looks for them. */
export const kustomizationFileNames: readonly string[] = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function isKustomizationFile(file: string): boolean {
  return kustomizationFileNames.includes(path.basename(file));
}

/** Patch file paths (absolute) named by one kustomization file's text. */
export function patchPathsOf(kustomizationFile: string, text: string): string[] {
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch {
    return [];
  }
  return patchPathsIn(
    kustomizationFile,
    (Array.isArray(docs) ? docs : []).map((d) => d.contents),
  );
}

/** Patch file paths (absolute) named by a kustomization file's documents, parsed already (their root nodes). */
export function patchPathsIn(kustomizationFile: string, roots: readonly unknown[]): string[] {
  const dir = path.dirname(kustomizationFile);
  const out: string[] = [];
  for (const root of roots) {
    if (!root || !isMap(root)) continue;
    const add = (v: unknown): void => {
      if (isScalar(v) && typeof v.value === 'string' && !v.value.includes('\n')) out.push(path.resolve(dir, v.value));
    };
    for (const key of ['patches', 'patchesStrategicMerge', 'patchesJson6902']) {
      const list = root.get(key, true) as Node | undefined;
      if (!list || !isSeq(list)) continue;
      for (const item of list.items) {
        if (isMap(item)) add(item.get('path', true));
        else add(item);
      }
    }
  }
  return out;
}

/** Reads every kustomization file among `files` and returns the set of patch files they name. */
export async function findPatchFiles(files: readonly string[]): Promise<Set<string>> {
  const patches = new Set<string>();
  for (const f of files) {
    if (!isKustomizationFile(f)) continue;
    try {
      for (const p of patchPathsOf(f, await readFile(f, 'utf8'))) patches.add(p);
    } catch {
      // unreadable kustomization: its patches are simply checked as full objects
    }
  }
  return patches;
}
