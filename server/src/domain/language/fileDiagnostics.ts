import type { Diagnostic } from '../diagnostics';
import { shiftRange } from '../text/lineIndex';
import type { FileDocument } from '../yaml/yamlFile';
import type { ParsedDocument } from '../yaml/parsedDocument';

/** Per-document diagnostics (memoised on the parse by the analysis facade). */
export function documentDiagnostics(doc: ParsedDocument): Diagnostic[] {
  return doc.syntaxDiagnostics;
}

/** Moves a document's diagnostics (and their fixes' edits) into file coordinates. */
export function toFileDiagnostics(doc: FileDocument, diagnostics: Diagnostic[]): Diagnostic[] {
  const lines = doc.slice.startLine;
  if (lines === 0) return diagnostics;
  return diagnostics.map((d) => {
    const moved: Diagnostic = { ...d, range: shiftRange(d.range, lines) };
    if (d.fixes) moved.fixes = d.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, range: shiftRange(e.range, lines) })) }));
    return moved;
  });
}
