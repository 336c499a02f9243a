import { readFile, stat } from 'node:fs/promises';
import { YamlFile } from '../domain/yaml/yamlFile';
import type { ObjectIndex } from '../domain/workspace/objectIndex';
import { walkFiles, isYamlFile } from '../domain/workspace/walkFiles';
import { isKustomizationFile, patchPathsOf } from '../domain/workspace/patchFiles';
import type { OpenDocuments } from './documents';
import { keyOfPath } from './fileKeys';
import { parseInSlices, sliceBudgetMs, yieldToEventLoop } from './slices';

/** Files bigger than this are generated output, not manifests someone edits. */
const maxFileBytes = 8 * 1024 * 1024;
const maxFiles = 50_000;

/**
 * Keeps the object index in step with the workspace folders: a chunked scan at
 * start (yielding to the event loop so requests are served meanwhile), then
 * one file at a time from file-watcher events. Open documents win over disk.
 */
export class WorkspaceIndexer {
  /** Patch files named by each kustomization file (keys), so patches are not held to required fields. */
  private readonly patchesByKustomization = new Map<string, Set<string>>();

  constructor(
    private readonly index: ObjectIndex,
    private readonly documents: OpenDocuments,
    private readonly log: (message: string) => void,
  ) {}

  /** Indexes every YAML file under the folders; returns how many files were read. */
  async indexFolders(folders: string[]): Promise<number> {
    let count = 0;
    let sliceStart = performance.now();
    for (const folder of folders) {
      let files: string[];
      try {
        files = await walkFiles([folder], { cwd: folder });
      } catch (e) {
        this.log(`cannot index ${folder}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      for (const file of files) {
        if (count >= maxFiles) {
          this.log(`workspace index stopped at ${maxFiles} files`);
          return count;
        }
        await this.indexFile(file);
        count++;
        if (performance.now() - sliceStart > sliceBudgetMs) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
    }
    return count;
  }

  /** (Re-)reads one file from disk unless it is open in the editor. Returns true when its objects changed. */
  async indexFile(file: string): Promise<boolean> {
    const key = keyOfPath(file);
    if (this.documents.byIndexKey(key)) return false;
    let text: string;
    try {
      const s = await stat(file);
      if (!s.isFile() || s.size > maxFileBytes) return false;
      text = await readFile(file, 'utf8');
    } catch {
      return this.index.removeFile(key);
    }
    if (isKustomizationFile(file)) this.patchesByKustomization.set(key, new Set(patchPathsOf(file, text).map(keyOfPath)));
    const yaml = YamlFile.parse(text);
    // Opened meanwhile: the editor's text wins, and its own validation parses it.
    if (!(await parseInSlices(yaml, () => this.documents.byIndexKey(key) !== undefined))) return false;
    if (this.documents.byIndexKey(key)) return false;
    return this.index.setFile(key, yaml);
  }

  removeFile(file: string): boolean {
    this.patchesByKustomization.delete(keyOfPath(file));
    return this.index.removeFile(keyOfPath(file));
  }

  /** True when a kustomization.yaml of the workspace lists the file under patches. */
  isPatch(key: string): boolean {
    for (const set of this.patchesByKustomization.values()) if (set.has(key)) return true;
    return false;
  }
}

export { isYamlFile };
