import { readFile, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/**
 * Finds the YAML files under the given paths the way a developer expects:
 * `.gitignore` files are honoured (those of the enclosing repository too, up to
 * the folder holding `.git`), `.git` and `node_modules` are skipped, and a file
 * named explicitly is always included. Results are absolute, sorted, unique.
 */
export interface WalkOptions {
  /** Base for relative paths. */
  cwd: string;
  /** Stop early (e.g. the LSP's workspace indexing was cancelled). */
  signal?: AbortSignal;
}

interface IgnoreLayer {
  base: string;
  rules: Ignore;
}

const alwaysSkipped = new Set(['.git', 'node_modules']);

export function isYamlFile(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

export async function walkFiles(paths: readonly string[], opts: WalkOptions): Promise<string[]> {
  const found = new Set<string>();
  for (const p of paths.length ? paths : ['.']) {
    const abs = path.resolve(opts.cwd, p);
    let st;
    try {
      st = await stat(abs);
    } catch {
      throw new Error(`${p}: no such file or folder`);
    }
    if (st.isFile()) {
      found.add(abs);
      continue;
    }
    const layers = await ancestorIgnores(abs);
    await walkDir(abs, layers, found, opts.signal);
  }
  return [...found].sort();
}

async function loadIgnore(dir: string): Promise<IgnoreLayer | undefined> {
  try {
    const text = await readFile(path.join(dir, '.gitignore'), 'utf8');
    return { base: dir, rules: ignore().add(text) };
  } catch {
    return undefined;
  }
}

/** .gitignore files of the folders above `dir`, up to the repository root. */
async function ancestorIgnores(dir: string): Promise<IgnoreLayer[]> {
  const chain: string[] = [];
  let d = path.dirname(dir);
  let root: string | undefined;
  for (let cur = dir; ; cur = path.dirname(cur)) {
    if (existsSync(path.join(cur, '.git'))) {
      root = cur;
      break;
    }
    if (path.dirname(cur) === cur) break;
  }
  if (!root || root === dir) return [];
  for (; ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === root || path.dirname(d) === d) break;
  }
  const layers: IgnoreLayer[] = [];
  for (const c of chain) {
    const l = await loadIgnore(c);
    if (l) layers.push(l);
  }
  // the starting folder itself may be ignored by a parent's rules; the user asked for it, so we walk it anyway
  return layers;
}

function ignored(layers: readonly IgnoreLayer[], abs: string, isDir: boolean): boolean {
  for (const l of layers) {
    const rel = path.relative(l.base, abs).split(path.sep).join('/');
    if (!rel || rel.startsWith('..')) continue;
    if (l.rules.ignores(isDir ? rel + '/' : rel)) return true;
  }
  return false;
}

/**
 * Folder reads in flight at once. One at a time left the thread pool idle between round trips (a
 * 5,000-file repository in 1,567 folders: 93-155 ms to walk, 18-34 ms with its folders read in
 * parallel); a bound keeps a huge tree from queueing thousands of reads ahead of everything else
 * the thread pool does (the language server reading an opened file).
 */
const foldersInFlight = 8;

/** Runs `work`s at most `limit` at a time, in the order they asked. */
function limited(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (work) => {
    if (active < limit) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes to the next waiter as it is, or is given back.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

async function walkDir(dir: string, parentLayers: IgnoreLayer[], found: Set<string>, signal?: AbortSignal): Promise<void> {
  const readFolder = limited(foldersInFlight);
  // Subfolders are walked side by side; `found` is a set, sorted once at the end, so the order
  // in which folders finish changes nothing.
  const walk = async (folder: string, inherited: IgnoreLayer[]): Promise<void> => {
    if (signal?.aborted) return;
    const read = await readFolder(async () => {
      let entries;
      try {
        entries = await readdir(folder, { withFileTypes: true });
      } catch {
        return undefined; // unreadable folder: skip it rather than fail the whole walk
      }
      // Only folders that have one read a .gitignore (a failed open per folder cost more than the rest of the walk).
      const own = entries.some((e) => e.name === '.gitignore') ? await loadIgnore(folder) : undefined;
      return { entries, layers: own ? [...inherited, own] : inherited };
    });
    if (!read) return;
    const { entries, layers } = read;
    const pending: Promise<void>[] = [];
    for (const e of entries) {
      if (alwaysSkipped.has(e.name)) continue;
      const abs = path.join(folder, e.name);
      const isDir = e.isDirectory();
      if (ignored(layers, abs, isDir)) continue;
      if (isDir) pending.push(walk(abs, layers));
      else if (isYamlFile(e.name)) {
        if (e.isFile()) found.add(abs);
        else if (e.isSymbolicLink()) pending.push(isFileTarget(abs).then((file) => void (file && found.add(abs))));
      }
    }
    await Promise.all(pending);
  };
  await walk(dir, parentLayers);
}

/** A symlinked YAML file is checked; symlinked folders are not followed (no loops). */
async function isFileTarget(abs: string): Promise<boolean> {
  try {
    return (await stat(abs)).isFile();
  } catch {
    return false; // dangling link
  }
}
