import type { Diagnostic } from '../diagnostics';
import { analyzeDocument, shiftDiagnostic, type AnalysisContext } from '../analysis/index';
import type { FileDocument } from '../yaml/yamlFile';
import type { ParsedDocument } from '../yaml/parsedDocument';

/** Per-document diagnostics: the analysis facade (syntax, schema, CEL, metadata, Flux lints), memoised on the parse. */
export function documentDiagnostics(doc: ParsedDocument, ctx: AnalysisContext = {}): Diagnostic[] {
  return analyzeDocument(doc, ctx);
}

/** Moves a document's diagnostics (and their fixes' edits) into file coordinates. */
export function toFileDiagnostics(doc: FileDocument, diagnostics: Diagnostic[]): Diagnostic[] {
  const lines = doc.slice.startLine;
  if (lines === 0) return diagnostics;
  return diagnostics.map((d) => shiftDiagnostic(d, lines));
}
