/**
 * Compares two artifacts, or an artifact and a local folder, file by file (issue 14):
 * tag ↔ tag, digest ↔ digest, tag ↔ folder. Artifact sides come from the artifact content
 * cache (downloaded and unpacked once, then available offline); a folder side is read with
 * the rules push uses (Flux's default ignores, `.sourceignore`, added patterns), so it
 * shows what pushing that folder would change. `before` is the first side, `after` the
 * second, like `git diff before after`.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactContentCache } from '../artifact/contentCache';
import type { TreeEntry } from '../artifact/contract';
import { walkLocalTree } from '../artifact/localTree';
import { diffTrees } from '../artifact/treeDiff';
import { contentKind, defaultTextDiffLimit, renderFileDiff, type ContentKind } from '../artifact/unifiedDiff';
import type { ConnectionOptions } from '../registry/access';
import { openArtifact, type ArtifactSnapshot } from './artifactContent';
import type { ProgressListener } from './progress';

export type CompareSide =
  | { url: string }
  | {
      /** Files or folders, packed as push packs them. */
      paths: string[];
      cwd: string;
      ignorePaths?: string[];
      replaceDefaultIgnores?: boolean;
    };

export interface ArtifactSideInfo {
  kind: 'artifact';
  /** `oci://host/repo@digest` */
  url: string;
  registry: string;
  repository: string;
  tag?: string;
  digest: string;
  layerDigest: string;
  revision?: string;
  created?: string;
  source?: string;
  files: number;
  /** Answered from the cache (no registry asked). */
  offline: boolean;
  staleSince?: string;
}

export interface FolderSideInfo {
  kind: 'folder';
  paths: string[];
  cwd: string;
  /** The folder whose content is the artifact root, when a single folder was given (files are `root/<path>`). */
  root?: string;
  files: number;
}

export type SideInfo = ArtifactSideInfo | FolderSideInfo;

export interface ArtifactChange {
  kind: 'added' | 'removed' | 'modified';
  path: string;
  before?: TreeEntry;
  after?: TreeEntry;
  /** Only the permission bits differ. */
  modeOnly?: boolean;
  /** How each side can be shown: 'text', or summarised as 'binary' / 'large'. */
  content: ContentKind;
}

export interface CompareArtifactsResult {
  before: SideInfo;
  after: SideInfo;
  identical: boolean;
  changes: ArtifactChange[];
}

export interface CompareArtifactsOptions {
  before: CompareSide;
  after: CompareSide;
  cache: ArtifactContentCache;
  connection: ConnectionOptions;
  layerMediaType?: string;
  /** Files over this size are summarised, not diffed (default 1 MiB). */
  textLimit?: number;
  onProgress?: ProgressListener;
}

/** A side, loaded: its files and a way to read one. */
export interface LoadedSide {
  info: SideInfo;
  files: TreeEntry[];
  read(path: string): Promise<Buffer | undefined>;
}

async function loadFolder(side: Extract<CompareSide, { paths: string[] }>, signal: AbortSignal | undefined): Promise<LoadedSide> {
  const files: TreeEntry[] = [];
  const abs = new Map<string, string>();
  for await (const e of walkLocalTree({
    paths: side.paths,
    cwd: side.cwd,
    ...(side.ignorePaths?.length ? { ignorePaths: side.ignorePaths } : {}),
    ...(side.replaceDefaultIgnores ? { replaceDefaultIgnores: true } : {}),
    ...(signal ? { signal } : {}),
  })) {
    if (e.type !== 'file' || !e.absPath) continue;
    const content = await readFile(e.absPath, signal ? { signal } : {});
    files.push({ path: e.name, size: content.length, digest: `sha256:${createHash('sha256').update(content).digest('hex')}`, mode: e.mode });
    abs.set(e.name, e.absPath);
  }
  files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return {
    info: { kind: 'folder', paths: side.paths, cwd: side.cwd, ...(await singleRoot(side)), files: files.length },
    files,
    read: async (p) => {
      const file = abs.get(p);
      return file ? readFile(file) : undefined;
    },
  };
}

async function singleRoot(side: { paths: string[]; cwd: string }): Promise<{ root?: string }> {
  if (side.paths.length !== 1) return {};
  const abs = path.resolve(side.cwd, side.paths[0]!);
  const st = await stat(abs).catch(() => undefined);
  return st ? { root: st.isDirectory() ? abs : path.dirname(abs) } : {};
}

function artifactInfo(s: ArtifactSnapshot): ArtifactSideInfo {
  return {
    kind: 'artifact',
    url: s.url,
    registry: s.registry,
    repository: s.repository,
    ...(s.tag ? { tag: s.tag } : {}),
    digest: s.digest,
    layerDigest: s.layerDigest,
    ...(s.revision !== undefined ? { revision: s.revision } : {}),
    ...(s.created !== undefined ? { created: s.created } : {}),
    ...(s.source !== undefined ? { source: s.source } : {}),
    files: s.files.length,
    offline: s.offline,
    ...(s.staleSince ? { staleSince: s.staleSince } : {}),
  };
}

/** Loads one side: an artifact through the cache, or a local folder. */
export async function loadSide(side: CompareSide, opts: Omit<CompareArtifactsOptions, 'before' | 'after'> & { keep?: string[] }): Promise<LoadedSide> {
  if ('paths' in side) return loadFolder(side, opts.connection.signal);
  const snap = await openArtifact({
    url: side.url,
    cache: opts.cache,
    connection: opts.connection,
    ...(opts.layerMediaType ? { layerMediaType: opts.layerMediaType } : {}),
    ...(opts.keep ? { keep: opts.keep } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return { info: artifactInfo(snap), files: snap.files, read: (p) => opts.cache.readFile(snap.layerDigest, p) };
}

/** Which files differ between two sides (no contents read beyond what classifying needs). */
export async function compareArtifacts(opts: CompareArtifactsOptions): Promise<CompareArtifactsResult & { sides: [LoadedSide, LoadedSide] }> {
  const before = await loadSide(opts.before, opts);
  const keep = before.info.kind === 'artifact' ? [before.info.layerDigest] : [];
  const after = await loadSide(opts.after, { ...opts, keep });
  opts.onProgress?.({ phase: 'diff', message: `comparing ${before.files.length} and ${after.files.length} files` });
  const limit = opts.textLimit ?? defaultTextDiffLimit;
  const changes: ArtifactChange[] = [];
  for (const c of diffTrees(before.files, after.files)) {
    const b = c.kind === 'added' ? undefined : c.local;
    const a = c.kind === 'removed' ? undefined : c.remote;
    const kindOf = async (side: LoadedSide, e: TreeEntry | undefined): Promise<ContentKind> =>
      !e ? 'text' : e.size > limit ? 'large' : contentKind(await side.read(e.path), e.size, limit);
    const kinds = [await kindOf(before, b), await kindOf(after, a)];
    changes.push({
      kind: c.kind,
      path: c.path,
      ...(b ? { before: b } : {}),
      ...(a ? { after: a } : {}),
      ...(c.kind === 'modified' && c.modeOnly ? { modeOnly: true } : {}),
      content: kinds.includes('binary') ? 'binary' : kinds.includes('large') ? 'large' : 'text',
    });
  }
  return { before: before.info, after: after.info, identical: changes.length === 0, changes, sides: [before, after] };
}

/** The unified diff of every change, in path order (what `diff artifact` prints). */
export async function renderUnifiedDiff(
  changes: readonly ArtifactChange[],
  sides: readonly [LoadedSide, LoadedSide],
  opts: { textLimit?: number } = {},
): Promise<string> {
  const limit = opts.textLimit ?? defaultTextDiffLimit;
  let out = '';
  for (const c of changes) {
    const text = c.content === 'text' && !c.modeOnly;
    out += renderFileDiff({
      kind: c.kind,
      path: c.path,
      ...(c.before ? { before: c.before } : {}),
      ...(c.after ? { after: c.after } : {}),
      content: c.content,
      ...(text && c.before ? { beforeContent: (await sides[0].read(c.path)) ?? Buffer.alloc(0) } : {}),
      ...(text && c.after ? { afterContent: (await sides[1].read(c.path)) ?? Buffer.alloc(0) } : {}),
      limit,
    });
  }
  return out;
}
