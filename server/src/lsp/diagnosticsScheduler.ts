import type { Diagnostic } from '../domain/diagnostics';
import type { AnalysisContext } from '../domain/analysis/index';
import { documentDiagnostics, toFileDiagnostics } from '../domain/language/fileDiagnostics';
import { unresolvedReferences } from '../domain/language/unresolvedReferences';
import type { ObjectIndex } from '../domain/workspace/objectIndex';
import type { OpenDocuments } from './documents';
import { parseInSlices, sliceBudgetMs, yieldToEventLoop } from './slices';

export interface DiagnosticsSink {
  publish(uri: string, version: number, diagnostics: Diagnostic[]): void;
  validationEnabled(): boolean;
  /** What analysis needs to know about a file beyond its text (patch or not, cross-file lint facts). */
  analysisContext(key: string): AnalysisContext;
  delayMs(): number;
  /** Called when a file's declared objects changed, so other files' cross-references can be rechecked. */
  objectsChanged(key: string): void;
  log(message: string): void;
}

/**
 * Debounces validation per document, works through big files in slices (so no
 * request waits more than a slice), drops a run as soon as a newer version
 * arrives, and publishes with the version it validated. Only documents whose
 * text changed are re-analysed: results are memoised on each document's parse.
 */
export class DiagnosticsScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly published = new Map<string, Diagnostic[]>();

  constructor(
    private readonly documents: OpenDocuments,
    private readonly index: ObjectIndex,
    private readonly sink: DiagnosticsSink,
  ) {}

  schedule(key: string, delayMs = this.sink.delayMs()): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.run(key).catch((e: unknown) => this.sink.log(`validation of ${key} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
      }, delayMs),
    );
  }

  scheduleAll(delayMs: number, except?: string): void {
    for (const d of this.documents.all()) if (d.key !== except) this.schedule(d.key, delayMs);
  }

  /** The diagnostics last published for a file (code actions match against them). */
  lastPublished(key: string): Diagnostic[] {
    return this.published.get(key) ?? [];
  }

  forget(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    this.published.delete(key);
  }

  private async run(key: string): Promise<void> {
    const doc = this.documents.byIndexKey(key);
    if (!doc) return;
    const { yaml, version, uri } = doc;
    const stale = () => this.documents.byIndexKey(key)?.yaml !== yaml;
    if (!(await parseInSlices(yaml, stale))) return;
    if (this.index.setFile(key, yaml)) this.sink.objectsChanged(key);
    if (!this.sink.validationEnabled()) {
      this.published.set(key, []);
      this.sink.publish(uri, version, []);
      return;
    }
    const ctx = this.sink.analysisContext(key);
    const out: Diagnostic[] = [];
    let sliceStart = performance.now();
    for (const d of yaml.documents) {
      const found = documentDiagnostics(d.parsed, ctx);
      if (found.length) out.push(...toFileDiagnostics(d, found));
      if (performance.now() - sliceStart > sliceBudgetMs) {
        await yieldToEventLoop();
        if (stale()) return;
        sliceStart = performance.now();
      }
    }
    out.push(...unresolvedReferences(key, this.index));
    this.published.set(key, out);
    this.sink.publish(uri, version, out);
  }
}
