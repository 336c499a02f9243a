/**
 * Diagnostics of the Flux objects a ResourceSet declares in `spec.resources`. Each is
 * analysed like a top-level object; what a template decides is never judged: a
 * diagnostic on a `<< ... >>` value is dropped, and so are CEL verdicts of an object
 * with any template (a rule may read a value only the operator knows).
 *
 * Where `spec.inputs` gives literal values, the object is also analysed as the operator
 * renders it for each input set, and the errors only that rendering shows (a value from
 * the inputs, a CEL rule) are reported on the template, naming the input set: the API
 * server refuses exactly those objects (test/cluster/operatorAgreement.test.ts).
 */
import { Severity, type Diagnostic } from '../diagnostics';
import type { Range } from '../text/lineIndex';
import { ParsedDocument } from '../yaml/parsedDocument';
import { embeddedObjects, literalInputSets, templatedRanges } from '../flux/resourceSet';
import { renderInputs, type InputSet } from '../flux/resourceSetTemplates';

/** Input sets rendered per object: enough for hand-written inputs, bounded for generated ones. */
const maxRenderedInputSets = 20;

type Analyze = (embedded: ParsedDocument) => Diagnostic[];

export function embeddedDiagnostics(doc: ParsedDocument, analyze: Analyze): Diagnostic[] {
  const out: Diagnostic[] = [];
  // A tree with syntax errors is not what the author meant: the syntax errors are what to show.
  if (doc.hasSyntaxErrors) return out;
  const inputSets = literalInputSets(doc).slice(0, maxRenderedInputSets);
  for (const e of embeddedObjects(doc)) {
    const templates = templatedRanges(e.parsed);
    const asWritten: Diagnostic[] = [];
    for (const d of analyze(e.parsed)) {
      // The ResourceSet document's own parse already reports YAML problems.
      if (d.code.startsWith('yaml/')) continue;
      if (templates.some((t) => overlaps(t, d.range))) continue;
      if (d.code === 'schema/cel' && templates.length) continue;
      asWritten.push(d);
    }
    out.push(...asWritten);
    if (templates.length) out.push(...renderedErrors(e.parsed, inputSets, analyze, asWritten));
  }
  return out;
}

/**
 * Errors of the object rendered with each input set that the template's own analysis does not
 * show, on the template's text; one diagnostic per error, naming every input set that has it.
 */
function renderedErrors(template: ParsedDocument, inputSets: InputSet[], analyze: Analyze, asWritten: Diagnostic[]): Diagnostic[] {
  const found = new Map<string, { d: Diagnostic; labels: string[] }>();
  for (const inputs of inputSets) {
    const r = renderInputs(template.text, inputs);
    if (!r || !r.used.length) continue;
    const rendered = new ParsedDocument(r.text);
    // A value that breaks the YAML is the operator's render error, not a verdict on the object.
    if (rendered.hasSyntaxErrors || !rendered.root) continue;
    for (const d of analyze(rendered)) {
      if (d.severity !== Severity.Error || d.code.startsWith('yaml/')) continue;
      const range: Range = {
        start: template.lineIndex.positionAt(r.sourceOffset(rendered.lineIndex.offsetAt(d.range.start), 'start')),
        end: template.lineIndex.positionAt(r.sourceOffset(rendered.lineIndex.offsetAt(d.range.end), 'end')),
      };
      if (asWritten.some((w) => w.code === d.code && w.message === d.message && sameRange(w.range, range))) continue;
      const key = `${d.code}\0${d.message}\0${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
      const seen = found.get(key);
      if (seen) seen.labels.push(inputs.label(r.used));
      // Quick fixes are dropped: their edits are in the rendering's coordinates, and the text to change is an input.
      else found.set(key, { d: { range, severity: d.severity, code: d.code, message: d.message }, labels: [inputs.label(r.used)] });
    }
  }
  return [...found.values()].map(({ d, labels }) => ({ ...d, message: `With ${labels.join(', ')}: ${d.message}` }));
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

function overlaps(a: Range, b: Range): boolean {
  return !(before(a.end, b.start) || before(b.end, a.start));
}

function before(p: Range['start'], q: Range['start']): boolean {
  return p.line < q.line || (p.line === q.line && p.character < q.character);
}
