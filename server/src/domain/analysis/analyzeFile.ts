import type { Diagnostic, Fix, TextEdit } from '../diagnostics';
import { shiftRange } from '../text/lineIndex';
import { YamlFile } from '../yaml/yamlFile';
import { lintContextOf } from '../lint/index';
import { analyzeDocument, type AnalysisContext } from './analyzeDocument';

/**
 * All diagnostics of a (multi-document) YAML file, in file coordinates. Without
 * `ctx.lint` the cross-document lint facts come from this file alone; pass a
 * workspace-wide (and stable) context to see across files and reuse cached results.
 */
export function analyzeFile(text: string | YamlFile, ctx: AnalysisContext = {}): Diagnostic[] {
  const file = typeof text === 'string' ? YamlFile.parse(text) : text;
  const context: AnalysisContext = ctx.lint ? ctx : { ...ctx, lint: lintContextOf(file.documents.map((d) => d.parsed)) };
  const out: Diagnostic[] = [];
  for (const d of file.documents) {
    const lines = d.slice.startLine;
    for (const diag of analyzeDocument(d.parsed, context)) out.push(lines === 0 ? diag : shiftDiagnostic(diag, lines));
  }
  return out;
}

/** Moves a document-relative diagnostic (and its fixes) into file coordinates. */
export function shiftDiagnostic(diag: Diagnostic, lines: number): Diagnostic {
  const shifted: Diagnostic = { ...diag, range: shiftRange(diag.range, lines) };
  if (diag.fixes) shifted.fixes = diag.fixes.map((f) => shiftFix(f, lines));
  return shifted;
}

/** The fix with its edits moved too, still built only when read (every other field as it was, in its order). */
function shiftFix(fix: Fix, lines: number): Fix {
  let edits: TextEdit[] | undefined;
  const out = {} as Fix;
  for (const k of Object.keys(fix) as (keyof Fix)[]) {
    if (k === 'edits')
      Object.defineProperty(out, 'edits', {
        get: () => (edits ??= fix.edits.map((e) => ({ ...e, range: shiftRange(e.range, lines) }))),
        enumerable: true,
        configurable: true,
      });
    else (out as unknown as Record<string, unknown>)[k] = fix[k];
  }
  return out;
}
