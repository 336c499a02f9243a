/**
 * File-system failures while writing an artifact (a full disk, a file-size limit,
 * a read-only mount, a file where a folder should be) as messages that name the
 * file and say what to do: the errno text ("EFBIG: file too large, write") does
 * neither, and root gets EROFS or ENOTDIR where others would get EACCES.
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { ArtifactError } from './artifactError.ts';

const fullCodes = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export interface WriteContext {
  /** The folder or file being written (the user's choice, or the temp folder). */
  target: string;
  /** What was being written when the disk filled, e.g. "app/config.yaml into /out". */
  writing: string;
  /** The start of the message when `target` cannot be written (default "cannot write to <target>"). */
  cannotWrite?: string;
  /** What to do about a full disk or a file-size limit. */
  whenFull: string;
  /** What to do about a target that cannot be written. */
  whenUnwritable: string;
}

/** ENOSPC, EDQUOT or EFBIG: only writes fail this way, never reads of the source. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && fullCodes.has(code);
}

/** An ArtifactError saying what to do for a write failure; anything else is returned as it is. */
export function describeWriteFailure(err: unknown, ctx: WriteContext): unknown {
  if (err instanceof ArtifactError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (isDiskFull(err)) {
    return new ArtifactError('disk-full', `disk full or file-size limit reached while writing ${ctx.writing}; ${ctx.whenFull}`, { cause: err });
  }
  const reason = unwritableReason(code, ctx.target);
  if (!reason) return err;
  return new ArtifactError('not-writable', `${ctx.cannotWrite ?? `cannot write to ${ctx.target}`}: ${reason}; ${ctx.whenUnwritable}`, { cause: err });
}

function unwritableReason(code: string | undefined, target: string): string | undefined {
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST': {
      const file = fileInTheWay(target);
      return file ? `${file} is a file, not a folder` : undefined;
    }
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return undefined;
  }
}

/** The nearest existing path from `target` up, when it is not a folder (what ENOTDIR is about). */
function fileInTheWay(target: string): string | undefined {
  for (let p = path.resolve(target); ; p = path.dirname(p)) {
    try {
      return lstatSync(p).isDirectory() ? undefined : p;
    } catch {
      // missing, or below a file: look one level up
    }
    if (path.dirname(p) === p) return undefined;
  }
}
