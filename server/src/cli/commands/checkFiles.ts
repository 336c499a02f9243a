// The analysis `check` does on its share of the files, the same on the main thread and in the
// worker that takes the other share (checkWorker.ts), so both say exactly the same.
import type { Diagnostic } from '../../domain/diagnostics';
import { analyzeFile } from '../../domain/analysis/index';
import type { LintContext } from '../../domain/lint/lintTypes';
import type { SchemaSet } from '../../domain/schema/schemaSet';
import { YamlFile } from '../../domain/yaml/yamlFile';

export interface CheckInput {
  /** Absolute path, or `<stdin>`. */
  file: string;
  text: string;
}

/** What the analysis of any file needs from all of them (and from the command line). */
export interface CheckContext {
  /** Files named as patches by a kustomization file: not held to required fields. */
  patches: ReadonlySet<string>;
  lint: LintContext;
  schemas: SchemaSet;
}

/** One input's diagnostics; the file is parsed here and its parse dropped when done. */
export function analyzeInput({ file, text }: CheckInput, ctx: CheckContext): Diagnostic[] {
  return analyzeFile(YamlFile.parse(text), { isPatch: ctx.patches.has(file), lint: ctx.lint, schemas: ctx.schemas });
}
