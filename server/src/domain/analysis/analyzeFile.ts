import type { Diagnostic } from '../diagnostics';
import { shiftRange } from '../text/lineIndex';
import { YamlFile } from '../yaml/yamlFile';
import { analyzeDocument, type AnalysisContext } from './analyzeDocument';

/** All diagnostics of a (multi-document) YAML file, in file coordinates. */
export function analyzeFile(text: string | YamlFile, ctx: AnalysisContext = {}): Diagnostic[] {
  const file = typeof text === 'string' ? YamlFile.parse(text) : text;
  const out: Diagnostic[] = [];
  for (const d of file.documents) {
    const lines = d.slice.startLine;
    for (const diag of analyzeDocument(d.parsed, ctx)) out.push(lines === 0 ? diag : shiftDiagnostic(diag, lines));
  }
  return out;
}

/** Moves a document-relative diagnostic (and its fixes) into file coordinates. */
export function shiftDiagnostic(diag: Diagnostic, lines: number): Diagnostic {
  const shifted: Diagnostic = { ...diag, range: shiftRange(diag.range, lines) };
  if (diag.fixes) shifted.fixes = diag.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, range: shiftRange(e.range, lines) })) }));
  return shifted;
}
