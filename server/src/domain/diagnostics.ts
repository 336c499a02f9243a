import type { Range } from './text/lineIndex';

/** Same order as LSP's DiagnosticSeverity (1 = error ... 4 = hint). */
export const enum Severity {
  Error = 1,
  Warning = 2,
  Information = 3,
  Hint = 4,
}

export const severityNames: Record<Severity, 'error' | 'warning' | 'info' | 'hint'> = {
  [Severity.Error]: 'error',
  [Severity.Warning]: 'warning',
  [Severity.Information]: 'info',
  [Severity.Hint]: 'hint',
};

/** A text edit in the same coordinates as the diagnostic it fixes. */
export interface TextEdit {
  range: Range;
  newText: string;
}

/** A quick fix a lint offers; the LSP layer turns it into a CodeAction. */
export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix most users want; editors may apply it with one key. */
  preferred?: boolean;
  /**
   * References elsewhere in the workspace the fix also repoints: those naming
   * `from` whose field accepts `toKind` get that kind. Resolved against the
   * workspace index when the fix is asked for, so their positions are never stale.
   */
  retarget?: { from: { kind: string; name: string; namespace?: string }; toKind: string };
}

/**
 * A fix whose edits are built the first time they are read (when a code action asks for them):
 * most diagnostics of a big file never have their fix applied, and building edit text
 * (a YAML re-quote, say) cost about a twentieth of opening a fleet file. `build` must not fail.
 */
export function lazyFix(title: string, build: () => TextEdit[], rest: Omit<Fix, 'title' | 'edits'> = {}): Fix {
  let edits: TextEdit[] | undefined;
  const fix = { title } as Fix;
  Object.defineProperty(fix, 'edits', { get: () => (edits ??= build()), enumerable: true, configurable: true });
  return Object.assign(fix, rest);
}

export interface Diagnostic {
  range: Range;
  severity: Severity;
  message: string;
  /** Stable identifier such as `schema/required` or `flux/gitrepository-oci-url`. */
  code: string;
  fixes?: Fix[];
  /** Marks diagnostics that say code is unnecessary (rendered faded). */
  unnecessary?: boolean;
  /** Marks diagnostics that say an API is deprecated or removed (rendered struck through). */
  deprecated?: boolean;
}
