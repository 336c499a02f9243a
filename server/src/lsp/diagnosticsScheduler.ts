import type { Diagnostic } from '../domain/diagnostics';
import type { AnalysisContext } from '../domain/analysis/index';
import { documentDiagnostics, toFileDiagnostics } from '../domain/language/fileDiagnostics';
import { unresolvedReferences } from '../domain/language/unresolvedReferences';
import type { ObjectIndex } from '../domain/workspace/objectIndex';
import type { OpenDocument, OpenDocuments } from './documents';
import { documentObjects } from '../domain/workspace/objectReferences';
import { sliceBudgetMs, yieldToEventLoop } from './slices';

/** A first look at a huge file is published after this long, then the complete set. */
const firstPublishAfterMs = 60;

export interface DiagnosticsSink {
  publish(uri: string, version: number, diagnostics: Diagnostic[]): void;
  validationEnabled(): boolean;
  /**
   * False while the workspace is being indexed: "not found in the workspace" would be said of
   * objects not read yet (a 5,000-file repository showed dozens of such notes, gone seconds later).
   */
  workspaceIndexed(): boolean;
  /** What analysis needs to know about a file beyond its text (patch or not, cross-file lint facts). */
  analysisContext(key: string): AnalysisContext;
  delayMs(): number;
  /** Called when a file's declared objects changed, so other files' cross-references can be rechecked. */
  objectsChanged(key: string): void;
  log(message: string): void;
  /** Shows a long validation as work-done progress in the editor; returns how to end it. */
  beginProgress(title: string): () => void;
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
  private readonly running = new Map<string, { yaml: OpenDocument['yaml']; rerun: boolean }>();
  /** Cross-file results per file, valid while neither the workspace's objects nor the file's references change. */
  private readonly unresolved = new Map<string, { objects: number; file: number; diagnostics: Diagnostic[] }>();

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
        this.start(key);
      }, delayMs),
    );
  }

  /** At most one run per file and text: a request for the same text while it runs becomes one re-run after it. */
  private start(key: string): void {
    const yaml = this.documents.byIndexKey(key)?.yaml;
    if (!yaml) return;
    const current = this.running.get(key);
    if (current && current.yaml === yaml) {
      current.rerun = true;
      return;
    }
    const state = { yaml, rerun: false };
    this.running.set(key, state);
    this.run(key)
      .catch((e: unknown) => this.sink.log(`validation of ${key} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`))
      .finally(() => {
        if (this.running.get(key) === state) this.running.delete(key);
        if (state.rerun) this.schedule(key, 0);
      });
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
    this.unresolved.delete(key);
  }

  private async run(key: string): Promise<void> {
    const doc = this.documents.byIndexKey(key);
    if (!doc) return;
    const { yaml, version, uri } = doc;
    const stale = () => this.documents.byIndexKey(key)?.yaml !== yaml;
    const enabled = this.sink.validationEnabled();
    // One pass does parse, index extraction and analysis per document, so the first
    // documents' diagnostics exist long before the last document of a huge file is parsed.
    // The lint context is the workspace's as it was; if indexing this file changes it, a
    // second pass re-runs only the lints (schema results are memoised separately).
    const started = performance.now();
    const ctx = enabled ? this.sink.analysisContext(key) : undefined;
    let endProgress: (() => void) | undefined;
    try {
      await this.validate(key, yaml, version, uri, stale, ctx, started, this.published.has(key), (end) => (endProgress = end));
    } finally {
      endProgress?.();
    }
  }

  private async validate(
    key: string,
    yaml: OpenDocument['yaml'],
    version: number,
    uri: string,
    stale: () => boolean,
    initialCtx: AnalysisContext | undefined,
    started: number,
    alreadyPublished: boolean,
    onProgress: (end: () => void) => void,
  ): Promise<void> {
    let ctx = initialCtx;
    let partialSent = alreadyPublished;
    const perDocument: Diagnostic[][] = new Array<Diagnostic[]>(yaml.documents.length);
    let sliceStart = started;
    for (let i = 0; i < yaml.documents.length; i++) {
      const d = yaml.documents[i]!;
      documentObjects(d.parsed);
      // Until the first look is out, analyse as we parse; after it, only parse and read the objects:
      // indexing this file usually changes the lint context (a chartRef, a Secret), which would
      // make every document's lints run twice. The rest is analysed once, after indexing.
      if (ctx && !partialSent) perDocument[i] = documentDiagnostics(d.parsed, ctx);
      if (performance.now() - sliceStart > sliceBudgetMs) {
        if (ctx && !partialSent && performance.now() - started > firstPublishAfterMs) {
          // First sight of a huge file: show what is known for the top of it now.
          partialSent = true;
          this.sink.publish(uri, version, this.collect(yaml, perDocument, i + 1));
          onProgress(this.sink.beginProgress(`Checking ${yaml.documents.length} YAML documents`));
        }
        await yieldToEventLoop();
        if (stale()) return;
        sliceStart = performance.now();
      }
    }
    const objectsChanged = this.index.setFile(key, yaml);
    if (objectsChanged) this.sink.objectsChanged(key);
    if (!ctx) {
      this.published.set(key, []);
      this.sink.publish(uri, version, []);
      return;
    }
    const after = this.sink.analysisContext(key);
    const contextChanged = after.lint !== ctx.lint || after.isPatch !== ctx.isPatch;
    // The facts lints read across files changed with this file (a Secret's type, a chartRef): the other open files re-lint too.
    if (after.lint !== ctx.lint && !objectsChanged) this.sink.objectsChanged(key);
    if (contextChanged) ctx = after;
    sliceStart = performance.now();
    for (let i = 0; i < yaml.documents.length; i++) {
      // Documents analysed above under the same context are done (and memoised on the parse anyway).
      if (!contextChanged && perDocument[i]) continue;
      perDocument[i] = documentDiagnostics(yaml.documents[i]!.parsed, ctx);
      if (performance.now() - sliceStart > sliceBudgetMs) {
        await yieldToEventLoop();
        if (stale()) return;
        sliceStart = performance.now();
      }
    }
    const out = this.collect(yaml, perDocument, yaml.documents.length);
    for (const d of this.unresolvedIn(key)) out.push(d);
    this.published.set(key, out);
    this.sink.publish(uri, version, out);
  }

  private unresolvedIn(key: string): Diagnostic[] {
    // Said once the index is complete (its end re-checks the open files).
    if (!this.sink.workspaceIndexed()) return [];
    const objects = this.index.version;
    const file = this.index.fileVersion(key);
    const cached = this.unresolved.get(key);
    if (cached && cached.objects === objects && cached.file === file) return cached.diagnostics;
    const diagnostics = unresolvedReferences(key, this.index);
    this.unresolved.set(key, { objects, file, diagnostics });
    return diagnostics;
  }

  private collect(yaml: OpenDocument['yaml'], perDocument: Diagnostic[][], count: number): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (let i = 0; i < count; i++) {
      const found = perDocument[i];
      if (found?.length) for (const d of toFileDiagnostics(yaml.documents[i]!, found)) out.push(d);
    }
    return out;
  }
}
