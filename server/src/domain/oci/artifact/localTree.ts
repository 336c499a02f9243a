/**
 * The local files an artifact is made of, in the order Flux archives them.
 *
 * Order and naming follow fluxcd/pkg/tar `Tar` (flux2 v2.9.4): a depth-first walk,
 * each folder's entries in lexical byte order, the root folder itself first as `.`,
 * names relative and '/'-separated, folders without a trailing slash. Only regular
 * files and folders are kept; symlinks, sockets, fifos and devices are skipped
 * (reported in `skipped`) exactly as flux drops them.
 *
 * Layout:
 * - one folder: its content at the archive root (flux's layout);
 * - one file: the file at the root under its own name (flux's layout);
 * - several paths: each path's base name becomes a top-level folder (or file) of the
 *   archive, except a path that is the working folder itself (`.`), whose content is
 *   merged at the root. Two paths landing on the same name is an error rather than
 *   a silent overwrite. The argument order does not matter (top-level names are sorted).
 *
 * Ignore patterns (`ignorePaths` and `.sourceignore`) are relative to each path's root.
 *
 * The walk uses synchronous readdir/lstat on purpose: each call takes microseconds,
 * while the promise versions cost a thread-pool round trip each (measured 30x slower
 * for 20,000 small files on 2 cores). The generator still yields between entries.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { ArtifactError } from './artifactError.ts';
import { IgnoreRules, sourceIgnoreFile } from './ignoreRules.ts';
import type { BuildLayerOptions } from './contract.ts';

export interface LocalEntry {
  /** Name inside the archive: '.' for the root, else relative and '/'-separated. */
  name: string;
  type: 'file' | 'directory';
  /** Permission bits as on disk (with setuid/setgid/sticky), like Go's tar.FileInfoHeader. */
  mode: number;
  size: number;
  /** Where the content comes from; absent for folders the layout invents (the root of several paths). */
  absPath?: string;
}

export interface SkippedEntry {
  /** Path on disk. */
  path: string;
  reason: 'symlink' | 'special-file';
}

/** Mode of the folders the layout invents: the root when packing one file or several paths. */
export const syntheticFolderMode = 0o755;

interface Node {
  archiveName: string;
  abs: string;
  /** Path relative to its source root ('' for the root), for ignore matching. */
  rel: string;
  rules: IgnoreRules;
  st: Stats;
}

interface Source {
  abs: string;
  st: Stats;
  /** True when the source's content goes straight to the archive root. */
  flatten: boolean;
}

/**
 * UTF-8 byte order of two names without encoding them (a sort of 20,000 names encoded
 * ~300,000 throwaway Buffers). UTF-16 code-unit order is the same except where a
 * surrogate (a code point above U+FFFF) meets U+E000-U+FFFF; those go the slow way.
 */
function byteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return x - y;
  }
  return a.length - b.length;
}

async function resolveSources(opts: BuildLayerOptions): Promise<Source[]> {
  if (opts.paths.length === 0) {
    throw new ArtifactError('source-missing', 'no path to pack: give at least one file or folder (--path)');
  }
  const cwd = path.resolve(opts.cwd);
  const sources: Source[] = [];
  for (const p of opts.paths) {
    const abs = path.resolve(cwd, p);
    let st: Stats;
    try {
      st = await stat(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ArtifactError(
        'source-missing',
        code === 'ENOENT'
          ? `path "${p}" does not exist (looked for ${abs}); check the --path value`
          : `cannot read path "${p}" (${abs}): ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (!st.isDirectory() && !st.isFile()) {
      throw new ArtifactError('source-missing', `path "${p}" (${abs}) is neither a file nor a folder`);
    }
    const single = opts.paths.length === 1;
    sources.push({ abs, st, flatten: st.isDirectory() && (single || abs === cwd) });
  }
  return sources;
}

function loadSourceIgnore(dirAbs: string, rel: string, rules: IgnoreRules, hasFile: boolean): IgnoreRules {
  if (!hasFile) return rules;
  return rules.withSourceIgnore(rel, readFileSync(path.join(dirAbs, sourceIgnoreFile), 'utf8'));
}

/** The children of a folder that survive the filters, sorted in byte order. */
function childrenOf(dirAbs: string, dirArchiveName: string, dirRel: string, rules: IgnoreRules, skipped: SkippedEntry[]): Node[] {
  const dirents = readdirSync(dirAbs, { withFileTypes: true });
  const hasIgnoreFile = dirents.some((d) => d.name === sourceIgnoreFile && d.isFile());
  const scoped = loadSourceIgnore(dirAbs, dirRel, rules, hasIgnoreFile);
  const names = dirents.map((d) => d.name).sort(byteOrder);
  const out: Node[] = [];
  // `dirAbs` is absolute and normalised, and a name holds no separator: no need for path.join.
  const dirPrefix = dirAbs.endsWith(path.sep) ? dirAbs : dirAbs + path.sep;
  for (const name of names) {
    const abs = dirPrefix + name;
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) {
      skipped.push({ path: abs, reason: 'symlink' });
      continue;
    }
    if (!st.isFile() && !st.isDirectory()) {
      skipped.push({ path: abs, reason: 'special-file' });
      continue;
    }
    const rel = dirRel === '' ? name : `${dirRel}/${name}`;
    if (scoped.isIgnored(rel, st.isDirectory())) continue;
    out.push({
      archiveName: dirArchiveName === '.' ? name : `${dirArchiveName}/${name}`,
      abs,
      rel,
      rules: scoped,
      st,
    });
  }
  return out;
}

function entryOf(n: Node): LocalEntry {
  return {
    name: n.archiveName,
    type: n.st.isDirectory() ? 'directory' : 'file',
    mode: n.st.mode & 0o7777,
    size: n.st.isDirectory() ? 0 : n.st.size,
    absPath: n.abs,
  };
}

/**
 * Walks the sources and yields archive entries in Flux's order. `skipped` collects
 * what was left out because it is not a regular file or folder.
 */
export async function* walkLocalTree(opts: BuildLayerOptions, skipped: SkippedEntry[] = []): AsyncGenerator<LocalEntry> {
  const sources = await resolveSources(opts);
  const baseRules = IgnoreRules.forSource(opts);
  let top: Node[];

  if (sources.length === 1 && sources[0]!.flatten) {
    const s = sources[0]!;
    yield { name: '.', type: 'directory', mode: s.st.mode & 0o7777, size: 0, absPath: s.abs };
    top = childrenOf(s.abs, '.', '', baseRules, skipped);
  } else {
    yield { name: '.', type: 'directory', mode: syntheticFolderMode, size: 0 };
    top = [];
    for (const s of sources) {
      if (s.flatten) top.push(...childrenOf(s.abs, '.', '', baseRules, skipped));
      else top.push({ archiveName: path.basename(s.abs), abs: s.abs, rel: '', rules: baseRules, st: s.st });
    }
    top.sort((a, b) => byteOrder(a.archiveName, b.archiveName));
    for (let i = 1; i < top.length; i++) {
      if (top[i]!.archiveName === top[i - 1]!.archiveName) {
        throw new ArtifactError(
          'source-conflict',
          `two paths would both be packed as "${top[i]!.archiveName}" at the artifact root ` +
            `(${top[i - 1]!.abs} and ${top[i]!.abs}); pack them separately or rename one`,
        );
      }
    }
  }

  // Depth-first, pre-order, with an explicit stack so deep trees cannot overflow.
  const stack: Node[] = [...top].reverse();
  while (stack.length > 0) {
    opts.signal?.throwIfAborted();
    const n = stack.pop()!;
    yield entryOf(n);
    if (n.st.isDirectory()) {
      const kids = childrenOf(n.abs, n.archiveName, n.rel, n.rules, skipped);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  }
}
