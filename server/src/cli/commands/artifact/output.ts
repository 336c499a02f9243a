/**
 * What the artifact commands print: flux-style ►/✔/✗ lines on stderr for
 * people, and the result as JSON or YAML on stdout for scripts.
 */
import type { CliIO } from '../../command';
import type { ProgressListener } from '../../../domain/oci/operations/progress';
import type { OutputFormat } from '../../flags';

export function step(io: CliIO, message: string): void {
  io.stderr.write(`► ${message}\n`);
}

export function success(io: CliIO, message: string): void {
  io.stderr.write(`✔ ${message}\n`);
}

export function failure(io: CliIO, message: string): void {
  io.stderr.write(`✗ ${message}\n`);
}

/** Progress lines for people; byte counts only when FLUX_OCI_DEBUG is set. */
export function progressPrinter(io: CliIO): ProgressListener {
  return (e) => {
    if (e.bytes !== undefined && e.bytes > 0 && !io.env['FLUX_OCI_DEBUG']) return;
    if (e.phase === 'done') return;
    step(io, e.bytes && e.total ? `${e.message} ${e.bytes}/${e.total} bytes` : e.message);
  };
}

export async function printStructured(io: CliIO, format: OutputFormat, value: unknown): Promise<void> {
  // yaml is loaded for --format yaml only: most runs print no YAML (issue 18: load what is used).
  io.stdout.write(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : (await import('yaml')).stringify(value));
}

/** A plain text table with left-aligned columns (flux's list output). */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('\t')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** "1 file", "3 files". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
