import type { Diagnostic, Fix, TextEdit } from '../diagnostics';
import type { Range } from '../text/lineIndex';
import type { ObjectIndex } from '../workspace/objectIndex';
import { retargetEdits } from '../workspace/retargetReferences';

/** The identity of a diagnostic as an editor sends it back in a code action request. */
export interface DiagnosticKey {
  range: Range;
  code?: string | number;
  message: string;
}

export interface QuickFix {
  fix: Fix;
  /** Index into the requested diagnostics this fix resolves. */
  diagnosticIndex: number;
}

/**
 * Quick fixes for the diagnostics an editor asks about, matched to the ones we
 * published (same code, range and message), so a fix is never offered for a
 * diagnostic that is stale or belongs to another tool.
 */
export function quickFixes(requested: DiagnosticKey[], published: Diagnostic[]): QuickFix[] {
  const out: QuickFix[] = [];
  requested.forEach((req, i) => {
    for (const d of published) {
      if (!d.fixes?.length || d.code !== req.code || d.message !== req.message || !sameRange(d.range, req.range)) continue;
      for (const fix of d.fixes) out.push({ fix, diagnosticIndex: i });
      break;
    }
  });
  return out;
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/** A quick fix as one workspace edit: its own edits plus the references it repoints in other files. */
export interface WorkspaceFix {
  title: string;
  preferred: boolean;
  /** Edits by file key (the index's keys), the fixed file first. */
  changes: Map<string, TextEdit[]>;
}

/**
 * Expands a fix into one workspace edit. With `retarget`, references across the
 * workspace (read from the index now, not when the diagnostic was made) are
 * repointed in the same edit, so applying it leaves no consumer dangling.
 */
export function workspaceFix(fix: Fix, file: string, index?: ObjectIndex): WorkspaceFix {
  const changes = new Map<string, TextEdit[]>([[file, [...fix.edits]]]);
  let repointed = 0;
  if (fix.retarget && index) {
    for (const [other, edits] of retargetEdits(index, fix.retarget)) {
      changes.set(other, [...(changes.get(other) ?? []), ...edits]);
      repointed += edits.length;
    }
  }
  const title = repointed ? `${fix.title} and repoint ${repointed} reference${repointed === 1 ? '' : 's'} to it` : fix.title;
  return { title, preferred: fix.preferred === true, changes };
}
