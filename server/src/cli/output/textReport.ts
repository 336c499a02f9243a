import { Severity, severityNames } from '../../domain/diagnostics';
import type { FileDiagnostics } from './fileDiagnostics';

/** Compiler-style lines: `file:line:col: severity: message [code]`, 1-based like gcc/tsc so editors and terminals can jump. */
export function formatText(results: readonly FileDiagnostics[], opts: { includeHints: boolean }): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const d of r.diagnostics) {
      if (d.severity === Severity.Hint && !opts.includeHints) continue;
      const { line, character } = d.range.start;
      lines.push(`${r.file}:${line + 1}:${character + 1}: ${severityNames[d.severity]}: ${d.message} [${d.code}]`);
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

export function summarize(results: readonly FileDiagnostics[]): string {
  const count = (s: Severity) => results.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === s).length, 0);
  const errors = count(Severity.Error);
  const warnings = count(Severity.Warning);
  const files = results.filter((r) => r.diagnostics.some((d) => d.severity <= Severity.Warning)).length;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (!errors && !warnings) return `✓ ${plural(results.length, 'file')} checked, no problems\n`;
  return `${errors ? '✗' : '!'} ${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(files, 'file')} (${plural(results.length, 'file')} checked)\n`;
}
