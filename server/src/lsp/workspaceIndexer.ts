import { YamlFile } from '../domain/yaml/yamlFile';
import type { ParsedDocument } from '../domain/yaml/parsedDocument';
import type { ObjectIndex } from '../domain/workspace/objectIndex';
import { walkFiles, isYamlFile } from '../domain/workspace/walkFiles';
import { readManifest } from '../domain/workspace/readFiles';
import { isKustomizationFile, patchPathsIn } from '../domain/workspace/patchFiles';
import type { OpenDocuments } from './documents';
import { keyOfPath } from './fileKeys';
import { parseInSlices } from './slices';

const maxFiles = 50_000;
/**
 * How long indexing holds the event loop between yields: shorter than validation's slices, because
 * completion asked while a repository is being read waits for the slice under way (5,000 files on
 * a loaded machine: completion p50 9-16 ms with 3 ms slices, 32 ms with 8 ms; indexing as fast).
 */
const indexSliceMs = 3;

/**
 * Keeps the object index in step with the workspace folders: a chunked scan at
 * start (yielding to the event loop so requests are served meanwhile), then
 * one file at a time from file-watcher events. Open documents win over disk.
 */
export class WorkspaceIndexer {
  /** Patch files named by each kustomization file (keys), so patches are not held to required fields. */
  private readonly patchesByKustomization = new Map<string, Set<string>>();
  /** Files being parsed right now: opening one of them takes over what is parsed already. */
  private readonly parsing = new Map<string, YamlFile>();

  constructor(
    private readonly index: ObjectIndex,
    private readonly documents: OpenDocuments,
    private readonly log: (message: string) => void,
  ) {}

  /**
   * Indexes every YAML file under the folders; returns how many files were read. `sawText` is told
   * each file's text as it is read (so other per-file scans need not read the workspace again).
   */
  async indexFolders(folders: string[], sawText?: (folder: string, file: string, text: string) => void): Promise<number> {
    let count = 0;
    let sliceStart = performance.now();
    for (const folder of folders) {
      if (count >= maxFiles) break;
      let files: string[];
      try {
        files = await walkFiles([folder], { cwd: folder });
      } catch (e) {
        this.log(`cannot index ${folder}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      if (count + files.length > maxFiles) {
        this.log(`workspace index stopped at ${maxFiles} files`);
        files = files.slice(0, maxFiles - count);
      }
      for (const file of files) {
        const text = readManifest(file);
        if (text !== undefined) sawText?.(folder, file, text);
        await this.indexText(file, text);
        count++;
        if (performance.now() - sliceStart > indexSliceMs) {
          await yieldToRequests();
          sliceStart = performance.now();
        }
      }
    }
    return count;
  }

  /** (Re-)reads one file from disk unless it is open in the editor. Returns true when its objects changed. */
  async indexFile(file: string): Promise<boolean> {
    if (this.documents.byIndexKey(keyOfPath(file))) return false;
    return this.indexText(file, readManifest(file));
  }

  /** Indexes a file's text (undefined: gone or not indexable) unless the file is open in the editor. */
  private async indexText(file: string, text: string | undefined): Promise<boolean> {
    const key = keyOfPath(file);
    if (this.documents.byIndexKey(key)) return false;
    if (text === undefined) return this.index.removeFile(key);
    // A file read again (closed in the editor, changed on disk) keeps the parses of unchanged documents.
    const yaml = YamlFile.parse(text, undefined, this.index.parsesOf(key));
    this.parsing.set(key, yaml);
    let parsed: boolean;
    try {
      parsed = await parseInSlices(yaml, () => this.documents.byIndexKey(key) !== undefined);
    } finally {
      if (this.parsing.get(key) === yaml) this.parsing.delete(key);
    }
    // Its patches, from the same parse (even when the file was opened meanwhile).
    if (isKustomizationFile(file)) {
      const roots = yaml.documents.map((d) => d.parsed.root);
      this.patchesByKustomization.set(key, new Set(patchPathsIn(file, roots).map(keyOfPath)));
    }
    // Opened meanwhile: the editor's text wins, and its own validation parses it (reusing `parsesOf`).
    if (!parsed) return false;
    if (this.documents.byIndexKey(key)) return false;
    return this.index.setFile(key, yaml);
  }

  /** Parses of a file already made: the index's, and those of a scan of it under way. */
  parsesOf(key: string): ParsedDocument[] {
    const out = this.index.parsesOf(key);
    const scanning = this.parsing.get(key);
    if (scanning) for (const d of scanning.documents) if (d.isParsed) out.push(d.parsed);
    return out;
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

/**
 * Lets requests that arrived during a slice be answered before the next one. The JSON-RPC layer
 * reads a message in the poll phase and handles it in a setImmediate of its own, which runs after
 * an immediate queued before it: one hop made completion wait a whole extra slice (p50 40 ms on a
 * loaded machine while indexing), two hops let it go first.
 */
function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

export { isYamlFile };
