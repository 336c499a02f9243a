import type { Diagnostic } from '../diagnostics';
import type { ParsedDocument } from '../yaml/parsedDocument';

/** Flux lints beyond the schema. Placeholder until the lint modules land. */
export function fluxLints(_doc: ParsedDocument): Diagnostic[] {
  return [];
}
