import type { Diagnostic, Fix } from '../diagnostics';
import type { Range } from '../text/lineIndex';

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
