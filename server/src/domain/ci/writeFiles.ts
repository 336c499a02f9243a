/**
 * Writes generated files under a root, all or nothing as far as the file system allows: every
 * target is checked first (existing files are kept unless `force`), each file is written to a
 * temp name beside it and then linked into place (which fails if the name appeared meanwhile) or,
 * with `force`, renamed over it. A reader never sees half a file.
 */
import { link, lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GeneratedFile } from './pipeline';

export interface WriteResult {
  written: string[];
  /** Files that existed and were replaced (only with force). */
  replaced: string[];
}

export class FilesExistError extends Error {
  constructor(readonly existing: string[]) {
    super(`${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written (use --force to replace)`);
    this.name = 'FilesExistError';
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

export async function writeGeneratedFiles(root: string, files: GeneratedFile[], options: { force?: boolean } = {}): Promise<WriteResult> {
  const targets = files.map((f) => {
    const abs = path.resolve(root, f.path);
    const rel = path.relative(root, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${f.path} is outside ${root}`);
    return { file: f, abs };
  });
  const existing: string[] = [];
  for (const t of targets) if (await exists(t.abs)) existing.push(t.file.path);
  if (existing.length && !options.force) throw new FilesExistError(existing);
  const written: string[] = [];
  for (const t of targets) {
    await mkdir(path.dirname(t.abs), { recursive: true });
    const tmp = path.join(path.dirname(t.abs), `.${path.basename(t.abs)}.flux-oci-${process.pid}-${Date.now()}`);
    await writeFile(tmp, t.file.content, { flag: 'wx' });
    try {
      if (options.force) await rename(tmp, t.abs);
      else {
        try {
          await link(tmp, t.abs);
          await rm(tmp, { force: true });
        } catch (err) {
          // No hard links on this file system (EPERM, ENOTSUP, EXDEV): check again and rename.
          if ((err as NodeJS.ErrnoException).code === 'EEXIST' || (await exists(t.abs))) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
          await rename(tmp, t.abs);
        }
      }
    } catch (err) {
      await rm(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new FilesExistError([t.file.path]);
      throw err;
    }
    written.push(t.file.path);
  }
  return { written, replaced: existing };
}
