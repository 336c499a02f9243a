/**
 * A changed file as `git diff` prints it (issue 14): `diff --git` header, mode lines,
 * `---`/`+++` with `/dev/null` for an added or removed file, then the hunks. Binary files
 * (a NUL byte in the first 8000 bytes, as git decides, or bytes that are not UTF-8) and
 * files over a size limit are summarised in one line rather than dumped.
 */
import { structuredPatch } from 'diff';
import type { TreeEntry } from './contract.ts';

/** Files larger than this (either side) are summarised: 1 MiB. */
export const defaultTextDiffLimit = 1 << 20;

export type ContentKind = 'text' | 'binary' | 'large';

/** Whether a file can be shown as text: git's NUL test on the first 8000 bytes, then strict UTF-8. */
export function contentKind(content: Buffer | undefined, size: number, limit = defaultTextDiffLimit): ContentKind {
  if (size > limit) return 'large';
  if (!content) return 'text';
  if (content.subarray(0, 8000).includes(0)) return 'binary';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
    return 'text';
  } catch {
    return 'binary';
  }
}

export interface FileDiffInput {
  kind: 'added' | 'removed' | 'modified';
  path: string;
  before?: TreeEntry;
  after?: TreeEntry;
  /** Contents, when the kind is text (read only for files within the limit). */
  beforeContent?: Buffer;
  afterContent?: Buffer;
  /** How the file was classified already (e.g. by a caller that did not read binary content). */
  content?: ContentKind;
  limit?: number;
  context?: number;
}

const gitMode = (mode: number): string => `100${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** The unified diff of one file, ending with a newline. */
export function renderFileDiff(f: FileDiffInput): string {
  const limit = f.limit ?? defaultTextDiffLimit;
  const a = `a/${f.path}`;
  const b = `b/${f.path}`;
  const out: string[] = [`diff --git ${a} ${b}`];
  if (f.kind === 'added' && f.after) out.push(`new file mode ${gitMode(f.after.mode)}`);
  if (f.kind === 'removed' && f.before) out.push(`deleted file mode ${gitMode(f.before.mode)}`);
  if (f.kind === 'modified' && f.before && f.after && (f.before.mode & 0o777) !== (f.after.mode & 0o777)) {
    out.push(`old mode ${gitMode(f.before.mode)}`, `new mode ${gitMode(f.after.mode)}`);
  }
  const sameContent = f.kind === 'modified' && f.before?.digest === f.after?.digest;
  if (sameContent) return out.join('\n') + '\n';

  const kinds = f.content
    ? [f.content]
    : [f.before ? contentKind(f.beforeContent, f.before.size, limit) : 'text', f.after ? contentKind(f.afterContent, f.after.size, limit) : 'text'];
  const from = f.kind === 'added' ? '/dev/null' : a;
  const to = f.kind === 'removed' ? '/dev/null' : b;
  if (kinds.includes('binary')) {
    out.push(`Binary files ${from} and ${to} differ`);
    return out.join('\n') + '\n';
  }
  if (kinds.includes('large')) {
    out.push(`Large files ${from} (${f.before?.size ?? 0} bytes) and ${to} (${f.after?.size ?? 0} bytes) differ; not shown (over ${limit} bytes)`);
    return out.join('\n') + '\n';
  }
  const oldText = f.beforeContent?.toString('utf8') ?? '';
  const newText = f.afterContent?.toString('utf8') ?? '';
  const patch = structuredPatch(from, to, oldText, newText, undefined, undefined, { context: f.context ?? 3 });
  out.push(`--- ${from}`, `+++ ${to}`);
  for (const h of patch.hunks) {
    // An empty range names the line before it, as GNU diff and git do.
    const range = (start: number, lines: number): string => (lines === 1 ? `${start}` : `${lines === 0 ? start - 1 : start},${lines}`);
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
    out.push(...h.lines);
  }
  return out.join('\n') + '\n';
}
