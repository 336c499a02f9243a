import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  MarkupKind,
  ProposedFeatures,
  SymbolKind,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeActionParams,
  type CompletionItem,
  type CompletionParams,
  type Connection,
  type DefinitionParams,
  type DidChangeWatchedFilesParams,
  type DocumentSymbol,
  type DocumentSymbolParams,
  type Hover,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
  type Location,
  type LocationLink,
  type ReferenceParams,
  type SymbolInformation,
} from 'vscode-languageserver/node';
import { flushCompileCache } from 'node:module';
import { ObjectIndex } from '../domain/workspace/objectIndex';
import { WorkspaceLintContext } from '../domain/workspace/workspaceLintContext';
import type { LintContext } from '../domain/lint/index';
import { YamlFile } from '../domain/yaml/yamlFile';
import { completion } from '../domain/language/completion';
import { hover } from '../domain/language/hover';
import { definition } from '../domain/language/definition';
import { references } from '../domain/language/references';
import { documentSymbols, type ObjectSymbol } from '../domain/language/documentSymbols';
import { quickFixes, workspaceFix } from '../domain/language/codeActions';
import { shiftRange } from '../domain/text/lineIndex';
import { OpenDocuments } from './documents';
import { DiagnosticsScheduler } from './diagnosticsScheduler';
import { WorkspaceIndexer, isYamlFile } from './workspaceIndexer';
import { toCompletionItem, toLspRange } from './convert';
import { defaultSettings, readSettings, type ServerSettings } from './settings';
import { pathOfKey } from './fileKeys';
import { isKustomizationFile } from '../domain/workspace/patchFiles';
import { LiveResolution } from './liveResolution';
import { BucketPreviews } from './bucketPreview';
import { CiFeatures } from './ciCommands';
import { HelmValues } from './helmValues';
import { ClusterFeatures } from './cluster';
import { CommandRegistry } from './commandRegistry';
import { ArtifactCommands } from './artifactCommands';
import { registerEventLoopProbe } from './eventLoopProbe';
import { installProcessGuard } from './processGuard';
import { registerTestHooks } from './testHooks';
import { SchemaSelection } from './schemaSelection';
import { withSchemaSet } from '../domain/schema/schemaSet';
import { version } from '../version';

export const serverName = 'flux-oci-language-server';
export const serverVersion = version;

/** Starts the language server on a connection (stdio by default when launched with --stdio). */
export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): void {
  installProcessGuard(connection);
  const server = new FluxLanguageServer(connection);
  server.register();
  connection.listen();
}

/**
 * Wiring only: one `handleX` per LSP feature converts params in, calls the
 * domain feature, and converts the result out. Every handler is guarded, so a
 * bug on one odd input answers empty and logs instead of killing the server.
 */
class FluxLanguageServer {
  private readonly documents = new OpenDocuments();
  private readonly index = new ObjectIndex();
  private readonly lintContext = new WorkspaceLintContext();
  private readonly indexer: WorkspaceIndexer;
  private readonly diagnostics: DiagnosticsScheduler;
  /** Registry-backed hover, completion, hints, diagnostics and actions for OCIRepository (RES). */
  private readonly live: LiveResolution;
  /** Bucket previews: hover, bucket/* diagnostics and 'Preview Bucket Artifact' (issue 20). */
  private readonly buckets: BucketPreviews;
  /** The Gitless CI pipeline: Create CI Pipeline and the matchOIDCIdentity hover (issue 17). */
  private readonly ci: CiFeatures;
  /** Completion, hover and schema checks of HelmRelease spec.values from the chart in the registry (issue 15). */
  private readonly helmValues: HelmValues;
  /** Reconcile/suspend/resume/apply/delete commands, cluster tree, drift code lens (CLU). */
  private readonly cluster: ClusterFeatures;
  /** The one workspace/executeCommand handler; features register their commands here. */
  private readonly commands = new CommandRegistry();
  /** Push/pull/tag/list/diff/verify/sign and the editor's input defaults (VSC). */
  private readonly artifacts: ArtifactCommands;
  /** Which Flux each workspace folder is checked against (bundled release, workspace CRDs, cluster CRDs). */
  private readonly schemas: SchemaSelection;
  private settings: ServerSettings = defaultSettings;
  private workspaceFolders: string[] = [];
  private supportsConfiguration = false;
  private supportsConfigurationRegistration = false;
  private supportsWatchRegistration = false;
  private supportsWorkspaceFolders = false;
  private supportsLocationLinks = false;
  private supportsHierarchicalSymbols = false;
  private supportsWorkDoneProgress = false;
  private workspaceReady: Promise<void> = Promise.resolve();
  /** Folders added and not yet indexed (cross-file notes wait for them). */
  private foldersIndexing = 0;
  /** The cross-file lint facts as they were when indexing began, used until it ends. */
  private lintWhileIndexing: LintContext | undefined;

  constructor(private readonly connection: Connection) {
    this.indexer = new WorkspaceIndexer(this.index, this.documents, (m) => this.log(m));
    this.live = new LiveResolution({
      connection,
      commands: this.commands,
      documents: this.documents,
      settings: () => this.settings,
      log: (m) => this.log(m),
      // Secret manifests and key paths for spec.verify signature checks (SIG-ED).
      index: this.index,
      workspaceFolders: () => this.workspaceFolders,
    });
    this.helmValues = new HelmValues({
      documents: this.documents,
      index: this.index,
      service: () => this.live.service,
      settings: () => this.settings,
      chartsChanged: () => this.diagnostics.scheduleAll(0),
      log: (m) => this.log(m),
    });
    this.buckets = new BucketPreviews({
      commands: this.commands,
      documents: this.documents,
      index: this.index,
      settings: () => this.settings,
      gate: () => this.live.service.cache.gate,
      changed: () => this.diagnostics.scheduleAll(0),
      workspaceFolders: () => this.workspaceFolders,
      log: (m) => this.log(m),
    });
    this.ci = new CiFeatures({ commands: this.commands, documents: this.documents, log: (m) => this.log(m) });
    this.cluster = new ClusterFeatures({
      connection,
      commands: this.commands,
      documents: this.documents,
      resolution: () => this.live.service,
      contexts: () => this.settings.cluster.contexts,
      log: (m) => this.log(m),
    });
    this.artifacts = new ArtifactCommands({
      connection,
      commands: this.commands,
      documents: this.documents,
      index: this.index,
      workspaceFolders: () => this.workspaceFolders,
      progressSupported: () => this.supportsWorkDoneProgress,
      log: (m) => this.log(m),
      session: this.live.session,
    });
    this.schemas = new SchemaSelection({
      settings: () => this.settings,
      workspaceFolders: () => this.workspaceFolders,
      changed: () => this.diagnostics.scheduleAll(0),
      log: (m) => this.log(m),
    });
    this.diagnostics = new DiagnosticsScheduler(this.documents, this.index, {
      // Registry diagnostics join the synchronous ones; a late resolution republishes (RES).
      publish: (uri, version, diags) => this.live.publish(uri, version, [...diags, ...this.helmValues.diagnostics(uri), ...this.buckets.diagnostics(uri)]),
      validationEnabled: () => this.settings.validation.enable,
      workspaceIndexed: () => this.foldersIndexing === 0,
      analysisContext: (key) => ({ isPatch: this.indexer.isPatch(key), lint: this.workspaceLintFacts(), schemas: this.schemas.setFor(key) }),
      delayMs: () => this.settings.diagnosticsDelay,
      objectsChanged: (key) => this.diagnostics.scheduleAll(100, key),
      log: (m) => this.log(m),
      beginProgress: (title) => this.beginProgress(title),
    });
  }

  register(): void {
    const c = this.connection;
    c.onInitialize((p) => this.handleInitialize(p));
    c.onInitialized(() => this.guardVoid('initialized', () => this.handleInitialized()));
    c.onDidOpenTextDocument((p) =>
      this.guardVoid('didOpen', () => {
        // The workspace scan may have parsed this file already (or be parsing it): its parses are reused.
        const doc = this.documents.open(p.textDocument.uri, p.textDocument.version, p.textDocument.text, (key) => this.indexer.parsesOf(key));
        this.diagnostics.schedule(doc.key, 0);
      }),
    );
    c.onDidChangeTextDocument((p) =>
      this.guardVoid('didChange', () => {
        const doc = this.documents.change(p.textDocument.uri, p.textDocument.version, p.contentChanges);
        if (doc) this.diagnostics.schedule(doc.key);
      }),
    );
    c.onDidCloseTextDocument((p) =>
      this.guardVoid('didClose', () => {
        const doc = this.documents.close(p.textDocument.uri);
        if (!doc) return;
        this.diagnostics.forget(doc.key);
        this.live.forget(doc.key);
        void this.connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
        // The file on disk (if any) is what the workspace holds again.
        const file = pathOfKey(doc.key);
        const reindex = file && this.isInWorkspace(file) ? this.indexer.indexFile(file) : Promise.resolve(this.index.removeFile(doc.key));
        void reindex.then((changed) => changed && this.diagnostics.scheduleAll(100)).catch((e: unknown) => this.logError('didClose', e));
      }),
    );
    c.onDidChangeConfiguration(() => this.guardVoid('didChangeConfiguration', () => void this.pullSettings()));
    c.onDidChangeWatchedFiles((p) => this.guardVoid('didChangeWatchedFiles', () => void this.handleWatchedFiles(p)));
    c.onCompletion(
      async (p, token) =>
        (await this.helmValues.completion(p, token)) ??
        this.live.completion(
          p,
          token,
          this.guard('completion', [], () => this.handleCompletion(p)),
        ),
    );
    c.onHover(async (p, token) =>
      this.ci.hover(
        p,
        token,
        await this.cluster.hover(
          p,
          token,
          await this.buckets.hover(
            p,
            token,
            await this.helmValues.hover(
              p,
              token,
              await this.live.hover(
                p,
                token,
                this.guard('hover', null, () => this.handleHover(p)),
              ),
            ),
          ),
        ),
      ),
    );
    c.onDefinition((p) => this.guard('definition', [], () => this.handleDefinition(p)));
    c.onReferences((p) => this.guard('references', [], () => this.handleReferences(p)));
    c.onDocumentSymbol((p) => this.guard('documentSymbol', [], () => this.handleDocumentSymbol(p)));
    c.onCodeAction((p) => [...this.guard('codeAction', [], () => this.handleCodeAction(p)), ...this.live.codeActions(p)]);
    this.cluster.register();
    this.live.register();
    this.buckets.register();
    this.ci.register();
    this.artifacts.register();
    this.commands.listen(c, (m) => this.log(m));
    registerEventLoopProbe(c);
    registerTestHooks(c);
    // Settle every registry lookup and stop watches before the editor's exit notification.
    c.onShutdown(async () => {
      this.cluster.close();
      this.schemas.close();
      this.buckets.close();
      await this.live.close().catch((e: unknown) => this.logError('shutdown', e));
    });
  }

  // ---------- lifecycle ----------

  private handleInitialize(p: InitializeParams): InitializeResult {
    const caps = p.capabilities;
    this.supportsConfiguration = caps.workspace?.configuration === true;
    this.supportsConfigurationRegistration = caps.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    this.live.clientCapabilities(caps);
    this.cluster.clientCapabilities(caps);
    this.supportsWatchRegistration = caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    this.supportsWorkspaceFolders = caps.workspace?.workspaceFolders === true;
    this.supportsLocationLinks = caps.textDocument?.definition?.linkSupport === true;
    this.supportsHierarchicalSymbols = caps.textDocument?.documentSymbol?.hierarchicalDocumentSymbolSupport === true;
    this.supportsWorkDoneProgress = caps.window?.workDoneProgress === true;
    const init = p.initializationOptions as { settings?: unknown } | undefined;
    if (init?.settings) this.settings = readSettings(init.settings);
    const folders = p.workspaceFolders?.map((f) => f.uri) ?? (p.rootUri ? [p.rootUri] : []);
    this.workspaceFolders = folders.map((u) => pathOfKey(u)).filter((x): x is string => x !== undefined);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        // `:` opens value completion right after a key; typing a word opens the rest (no space trigger: it would pop up on every indent).
        completionProvider: { triggerCharacters: [':'], resolveProvider: false },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        ...LiveResolution.capabilities(),
        ...ClusterFeatures.capabilities(),
        executeCommandProvider: { commands: this.commands.commands },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: serverName, version: serverVersion },
    };
  }

  private handleInitialized(): void {
    // V8's compile cache, when the launch turned it on (the VS Code client does): written now that
    // the server's code is compiled, not only at a clean exit, which an editor may never give it.
    flushCompileCache?.();
    if (this.supportsConfiguration) {
      // Registered only with a client that takes registrations for it (Neovim warns otherwise);
      // every client sends didChangeConfiguration anyway, and the settings are pulled here.
      if (this.supportsConfigurationRegistration) {
        void this.connection.client.register(DidChangeConfigurationNotification.type, { section: 'flux-oci' }).catch(() => undefined);
      }
      void this.pullSettings();
    }
    if (this.supportsWatchRegistration) {
      void this.connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{yaml,yml}' }] }).catch(() => undefined);
    }
    // Only a client with workspace folders sends their changes; asking any other (an editor that
    // gives a rootUri alone) throws, and once ended this handler before the workspace was indexed.
    if (this.supportsWorkspaceFolders) {
      this.connection.workspace.onDidChangeWorkspaceFolders((e) =>
        this.guardVoid('didChangeWorkspaceFolders', () => {
          const added = e.added.map((f) => pathOfKey(f.uri)).filter((x): x is string => x !== undefined);
          const removed = new Set(e.removed.map((f) => pathOfKey(f.uri)));
          this.workspaceFolders = [...this.workspaceFolders.filter((f) => !removed.has(f)), ...added];
          void this.indexFolders(added);
        }),
      );
    }
    // settings from initializationOptions (fromCluster) apply even with no folder open
    this.schemas.settingsChanged();
    void this.indexFolders(this.workspaceFolders);
  }

  /**
   * Indexes the folders (one read of each file serves the object index and the Flux-version facts).
   * Shown as work-done progress "Indexing the workspace": its end says cross-file references and
   * "not found in the workspace" notes are final (the open files are re-checked right after).
   */
  private indexFolders(folders: string[]): Promise<void> {
    if (folders.length === 0) return this.workspaceReady;
    const started = performance.now();
    let endProgress: (() => void) | undefined;
    this.foldersIndexing += folders.length;
    this.workspaceReady = this.workspaceReady
      .then(() => {
        endProgress = this.beginProgress('Indexing the workspace');
        return this.indexer.indexFolders(folders, (folder, file, text) => this.schemas.sawFile(folder, file, text));
      })
      .then((n) => {
        this.schemas.scanned(folders);
        this.log(`indexed ${n} YAML files in ${Math.round(performance.now() - started)} ms`);
      })
      .catch((e: unknown) => this.logError('workspace index', e))
      .finally(() => {
        this.foldersIndexing -= folders.length;
        // The cross-file lint facts over the full index: read by every check from now on, so the
        // first open of a file does not pay for them (~10 ms for a 2,000-object file).
        if (this.foldersIndexing === 0) this.guardVoid('lint facts', () => void this.workspaceLintFacts());
        this.diagnostics.scheduleAll(0);
        endProgress?.();
      });
    return this.workspaceReady;
  }

  private async pullSettings(): Promise<void> {
    if (!this.supportsConfiguration) return;
    try {
      const raw: unknown = await this.connection.workspace.getConfiguration('flux-oci');
      const before = this.settings.validation.enable;
      this.settings = readSettings(raw);
      this.live.settingsChanged();
      this.buckets.settingsChanged();
      this.schemas.settingsChanged();
      if (before !== this.settings.validation.enable) this.diagnostics.scheduleAll(0);
    } catch (e) {
      this.logError('configuration', e);
    }
  }

  private async handleWatchedFiles(p: DidChangeWatchedFilesParams): Promise<void> {
    let changed = false;
    for (const ev of p.changes) {
      const file = pathOfKey(ev.uri);
      if (!file || !isYamlFile(file) || !this.isInWorkspace(file)) continue;
      if (ev.type === FileChangeType.Deleted) changed = this.indexer.removeFile(file) || changed;
      else changed = (await this.indexer.indexFile(file)) || changed;
      // A kustomization.yaml decides which files are patches (not held to required fields).
      if (isKustomizationFile(file)) changed = true;
      // A gotk-components.yaml or FluxInstance may decide which Flux the folder is checked against.
      await this.schemas.fileChanged(file, ev.type === FileChangeType.Deleted);
    }
    if (changed) this.diagnostics.scheduleAll(50);
  }

  private isInWorkspace(file: string): boolean {
    return this.workspaceFolders.some((f) => file === f || file.startsWith(f.endsWith('/') ? f : `${f}/`));
  }

  // ---------- features ----------

  private handleCompletion(p: CompletionParams): CompletionItem[] {
    const doc = this.documents.get(p.textDocument.uri);
    if (!doc) return [];
    const d = doc.yaml.documentAt(p.position);
    if (!d) return [];
    const entries = withSchemaSet(this.schemas.setFor(doc.key), () => completion(d.parsed, YamlFile.toDocumentPosition(d, p.position), { index: this.index }));
    return entries.map((e) => toCompletionItem(e, d.slice.startLine));
  }

  private handleHover(p: HoverParams): Hover | null {
    const doc = this.documents.get(p.textDocument.uri);
    const d = doc?.yaml.documentAt(p.position);
    if (!d) return null;
    const h = withSchemaSet(this.schemas.setFor(doc!.key), () => hover(d.parsed, YamlFile.toDocumentPosition(d, p.position)));
    if (!h) return null;
    // Which Flux the answer comes from (a bundled release, the workspace's or the cluster's CRDs).
    const against = this.schemas.describe(doc!.key);
    const markdown = against ? `${h.markdown}\n\n---\n_Checked against ${against}_` : h.markdown;
    return { contents: { kind: MarkupKind.Markdown, value: markdown }, range: toLspRange(shiftRange(h.range, d.slice.startLine)) };
  }

  private handleDefinition(p: DefinitionParams): Location[] | LocationLink[] {
    const doc = this.documents.get(p.textDocument.uri);
    if (!doc) return [];
    this.refreshIndex(doc.key);
    const found = definition(doc.yaml, p.position, this.index);
    if (this.supportsLocationLinks) {
      return found.map((l) => ({ targetUri: this.uriOf(l.file), targetRange: toLspRange(l.range), targetSelectionRange: toLspRange(l.selectionRange) }));
    }
    return found.map((l) => ({ uri: this.uriOf(l.file), range: toLspRange(l.selectionRange) }));
  }

  private handleReferences(p: ReferenceParams): Location[] {
    const doc = this.documents.get(p.textDocument.uri);
    if (!doc) return [];
    this.refreshIndex(doc.key);
    return references(doc.yaml, p.position, this.index, p.context.includeDeclaration).map((l) => ({ uri: this.uriOf(l.file), range: toLspRange(l.range) }));
  }

  private handleDocumentSymbol(p: DocumentSymbolParams): DocumentSymbol[] | SymbolInformation[] {
    const doc = this.documents.get(p.textDocument.uri);
    if (!doc) return [];
    const symbols = documentSymbols(doc.yaml);
    if (!this.supportsHierarchicalSymbols) {
      const flat = symbols.flatMap((s) => [s, ...(s.children ?? [])]);
      return flat.map((s) => ({ name: s.name, kind: SymbolKind.Class, location: { uri: doc.uri, range: toLspRange(s.range) }, containerName: s.detail }));
    }
    const toLsp = (s: ObjectSymbol): DocumentSymbol => ({
      name: s.name,
      detail: s.detail,
      kind: SymbolKind.Class,
      range: toLspRange(s.range),
      selectionRange: toLspRange(s.selectionRange),
      ...(s.children ? { children: s.children.map(toLsp) } : {}),
    });
    return symbols.map(toLsp);
  }

  private handleCodeAction(p: CodeActionParams): CodeAction[] {
    const doc = this.documents.get(p.textDocument.uri);
    if (!doc) return [];
    if (
      p.context.only &&
      !p.context.only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`) || k === CodeActionKind.Empty)
    )
      return [];
    const requested = p.context.diagnostics.map((d) => ({
      range: d.range,
      code: d.code,
      message: typeof d.message === 'string' ? d.message : d.message.value,
    }));
    const found = quickFixes(requested, [...this.diagnostics.lastPublished(doc.key), ...this.live.published(doc.key), ...this.buckets.published(doc.key)]);
    // A fix that repoints references elsewhere reads them from an index that includes this very edit state.
    if (found.some(({ fix }) => fix.retarget)) this.refreshIndex(doc.key);
    const actions = found.map(({ fix, diagnosticIndex }) => {
      const wf = workspaceFix(fix, doc.key, this.index);
      const changes: Record<string, Array<{ range: ReturnType<typeof toLspRange>; newText: string }>> = {};
      for (const [key, edits] of wf.changes)
        changes[key === doc.key ? doc.uri : this.uriOf(key)] = edits.map((e) => ({ range: toLspRange(e.range), newText: e.newText }));
      const action: CodeAction = { title: wf.title, kind: CodeActionKind.QuickFix, diagnostics: [p.context.diagnostics[diagnosticIndex]!], edit: { changes } };
      if (wf.preferred) action.isPreferred = true;
      return action;
    });
    // "Migrate the whole file" beside the per-object fixes of a removed/deprecated apiVersion
    const whole = this.schemas.migrateFileAction(doc, p.context.diagnostics);
    return whole ? [...actions, whole] : actions;
  }

  // ---------- plumbing ----------

  /** Work-done progress for long work (workspace indexing, huge files), when the editor shows it. */
  private beginProgress(title: string): () => void {
    if (!this.supportsWorkDoneProgress) return () => undefined;
    let ended = false;
    let end: () => void = () => {
      ended = true;
    };
    this.connection.window
      .createWorkDoneProgress()
      .then((progress) => {
        if (ended) return progress.done();
        progress.begin('Flux OCI', undefined, title);
        end = () => progress.done();
      })
      .catch(() => undefined);
    return () => end();
  }

  /**
   * The cross-file facts the lints read. While the workspace is being indexed they change with
   * every file read and are incomplete anyway, so they are not recomputed over the whole index for
   * each check of an open file (5,000 files: 20-30 ms per check, the longest event-loop blocks while
   * indexing); the open files are checked again with the complete facts when indexing ends.
   */
  private workspaceLintFacts(): LintContext {
    if (this.foldersIndexing > 0) return (this.lintWhileIndexing ??= this.lintContext.current(this.index));
    this.lintWhileIndexing = undefined;
    return this.lintContext.current(this.index);
  }

  /** Navigation must see the text being edited even before its (debounced) validation ran. */
  private refreshIndex(key: string): void {
    const doc = this.documents.byIndexKey(key);
    if (doc && this.index.setFile(key, doc.yaml)) this.diagnostics.scheduleAll(100, key);
  }

  private uriOf(key: string): string {
    return this.documents.byIndexKey(key)?.uri ?? key;
  }

  private guard<T>(name: string, fallback: T, run: () => T): T {
    try {
      return run();
    } catch (e) {
      this.logError(name, e);
      return fallback;
    }
  }

  private guardVoid(name: string, run: () => void): void {
    this.guard(name, undefined, run);
  }

  private log(message: string): void {
    this.connection.console.log(message);
  }

  private logError(what: string, e: unknown): void {
    this.connection.console.error(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
}
