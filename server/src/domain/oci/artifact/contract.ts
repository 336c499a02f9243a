/**
 * What the artifact half (building, extracting, diffing Flux content layers)
 * offers the registry half and the commands. Implementations live next to this
 * file; this module only names the shapes both sides agree on.
 */

export interface BuildLayerOptions {
  /** Files or folders to pack; several paths go into one artifact. */
  paths: string[];
  /** Folder relative paths are resolved against. */
  cwd: string;
  /** Extra gitignore-style patterns, added to Flux's defaults. */
  ignorePaths?: string[];
  /** When true, `ignorePaths` replaces the defaults (flux's own behaviour). */
  replaceDefaultIgnores?: boolean;
  signal?: AbortSignal;
}

export interface BuiltLayer {
  /** A gzip'd tar in a temporary file; remove it with `dispose()`. */
  file: string;
  digest: string;
  size: number;
  /** Number of regular files packed. */
  fileCount: number;
  dispose(): Promise<void>;
}

export interface ExtractOptions {
  /** Refuse archives that unpack to more than this many bytes. */
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface ExtractResult {
  files: number;
  bytes: number;
}

/** One file of a tree, local or inside a layer. */
export interface TreeEntry {
  path: string;
  size: number;
  /** sha256:<hex> of the content. */
  digest: string;
  mode: number;
}

export type FileChange =
  | { kind: 'added'; path: string; remote: TreeEntry }
  | { kind: 'removed'; path: string; local: TreeEntry }
  | { kind: 'modified'; path: string; local: TreeEntry; remote: TreeEntry; modeOnly: boolean };
