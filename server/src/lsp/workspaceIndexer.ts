import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { YamlFile } from '../domain/yaml/yamlFile';
import type { ObjectIndex } from '../domain/workspace/objectIndex';
import type { OpenDocuments } from './documents';
import { keyOfPath } from './fileKeys';
import { parseInSlices, sliceBudgetMs, yieldToEventLoop } from './slices';

/** Files bigger than this are generated output, not manifests someone edits. */
const maxFileBytes = 8 * 1024 * 1024;
const maxFiles = 50_000;
const skippedDirs = new Set(['node_modules', '.git', '.hg', '.svn', 'vendor', 'dist', 'out', '.terraform']);

/**
 * Keeps the object index in step with the workspace folders: a chunked scan at
 * start (yielding to the event loop so requests are served meanwhile), then
 * one file at a time from file-watcher events. Open documents win over disk.
 */
export class WorkspaceIndexer {
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
      for await (const file of walkYaml(folder)) {
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
    const yaml = YamlFile.parse(text);
    await parseInSlices(yaml, () => false);
    if (this.documents.byIndexKey(key)) return false; // opened meanwhile: the editor's text wins
    return this.index.setFile(key, yaml);
  }

  removeFile(file: string): boolean {
    return this.index.removeFile(keyOfPath(file));
  }
}

export function isYamlFile(name: string): boolean {
  return name.endsWith('.yaml') || name.endsWith('.yml');
}

async function* walkYaml(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!skippedDirs.has(e.name) && !e.name.startsWith('.')) yield* walkYaml(p);
    } else if (e.isFile() && isYamlFile(e.name)) {
      yield p;
    }
  }
}
