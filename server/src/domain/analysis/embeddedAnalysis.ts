/**
 * Diagnostics of the Flux objects a ResourceSet declares in `spec.resources`. Each is
 * analysed like a top-level object; what a template decides is never judged: a
 * diagnostic on a `<< ... >>` value is dropped, and so are CEL verdicts of an object
 * with any template (a rule may read a value only the operator knows).
 */
import type { Diagnostic } from '../diagnostics';
import type { Range } from '../text/lineIndex';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { embeddedObjects, templatedRanges } from '../flux/resourceSet';

export function embeddedDiagnostics(doc: ParsedDocument, analyze: (embedded: ParsedDocument) => Diagnostic[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  // A tree with syntax errors is not what the author meant: the syntax errors are what to show.
  if (doc.hasSyntaxErrors) return out;
  for (const e of embeddedObjects(doc)) {
    const templates = templatedRanges(e.parsed);
    for (const d of analyze(e.parsed)) {
      // The ResourceSet document's own parse already reports YAML problems.
      if (d.code.startsWith('yaml/')) continue;
      if (templates.some((t) => overlaps(t, d.range))) continue;
      if (d.code === 'schema/cel' && templates.length) continue;
      out.push(d);
    }
  }
  return out;
}

function overlaps(a: Range, b: Range): boolean {
  return !(before(a.end, b.start) || before(b.end, a.start));
}

function before(p: Range['start'], q: Range['start']): boolean {
  return p.line < q.line || (p.line === q.line && p.character < q.character);
}
