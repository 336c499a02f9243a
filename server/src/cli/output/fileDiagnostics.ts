import type { Diagnostic } from '../../domain/diagnostics';

/** Diagnostics of one checked file, as the output formatters receive them. */
export interface FileDiagnostics {
  /** Path as shown to the user (relative to the working folder when inside it). */
  file: string;
  diagnostics: Diagnostic[];
}
