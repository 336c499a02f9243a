import { severityNames } from '../../domain/diagnostics';
import type { Range } from '../../domain/text/lineIndex';
import type { FileDiagnostics } from './fileDiagnostics';

/** One entry of `flux-oci check --format json` (0-based positions, like LSP). */
export interface JsonDiagnostic {
  file: string;
  range: Range;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  code: string;
}

export function formatJson(results: readonly FileDiagnostics[]): string {
  const out: JsonDiagnostic[] = [];
  for (const r of results) {
    for (const d of r.diagnostics) out.push({ file: r.file, range: d.range, severity: severityNames[d.severity], message: d.message, code: d.code });
  }
  return JSON.stringify(out, null, 2) + '\n';
}
