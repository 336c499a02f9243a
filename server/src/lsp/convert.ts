import {
  CompletionItemKind,
  DiagnosticSeverity,
  DiagnosticTag,
  InsertTextFormat,
  InsertTextMode,
  MarkupKind,
  type CompletionItem,
  type Diagnostic as LspDiagnostic,
  type Range as LspRange,
} from 'vscode-languageserver/node';
import { Severity, type Diagnostic } from '../domain/diagnostics';
import { shiftRange, type Range } from '../domain/text/lineIndex';
import type { CompletionEntry, CompletionEntryKind } from '../domain/language/completion';

/** Domain → LSP conversions. Positions already share LSP's convention, so ranges pass through. */
export function toLspRange(range: Range): LspRange {
  return { start: { ...range.start }, end: { ...range.end } };
}

const severities: Record<Severity, DiagnosticSeverity> = {
  [Severity.Error]: DiagnosticSeverity.Error,
  [Severity.Warning]: DiagnosticSeverity.Warning,
  [Severity.Information]: DiagnosticSeverity.Information,
  [Severity.Hint]: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  const out: LspDiagnostic = { range: toLspRange(d.range), severity: severities[d.severity], message: d.message, code: d.code, source: 'flux-oci' };
  const tags: DiagnosticTag[] = [];
  if (d.unnecessary) tags.push(DiagnosticTag.Unnecessary);
  if (d.deprecated) tags.push(DiagnosticTag.Deprecated);
  if (tags.length) out.tags = tags;
  return out;
}

const completionKinds: Record<CompletionEntryKind, CompletionItemKind> = {
  property: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  enum: CompletionItemKind.EnumMember,
  snippet: CompletionItemKind.Snippet,
  reference: CompletionItemKind.Reference,
  kind: CompletionItemKind.Class,
};

/** `lineOffset` moves the entry from document to file coordinates. */
export function toCompletionItem(e: CompletionEntry, lineOffset: number): CompletionItem {
  const item: CompletionItem = {
    label: e.label,
    kind: completionKinds[e.kind],
    sortText: e.sortText,
    textEdit: { range: toLspRange(shiftRange(e.replaceRange, lineOffset)), newText: e.insertText },
    insertTextFormat: e.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
  };
  if (e.multiline) item.insertTextMode = InsertTextMode.adjustIndentation;
  if (e.detail) item.detail = e.detail;
  if (e.documentation) item.documentation = { kind: MarkupKind.Markdown, value: e.documentation };
  if (e.filterText) item.filterText = e.filterText;
  if (e.preselect) item.preselect = true;
  if (e.deprecated) item.tags = [1];
  return item;
}
