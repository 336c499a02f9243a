/**
 * LSP wiring of live resolution: hover and completion answers merged with the
 * schema ones, inlay hints (refreshed when a resolution arrives), registry
 * diagnostics published with the synchronous ones (a late resolution
 * republishes), refactorings, the `flux-oci.refreshResolution` command, the
 * `flux-oci/registryCredentials` notification and the offline setting.
 * Nothing the editor asks for waits on a registry for more than a short,
 * cancellable budget; after it, the answer says "resolving".
 */
import type { CommandRegistry } from './commandRegistry';
import {
  CodeActionKind,
  MarkupKind,
  type CancellationToken,
  type ClientCapabilities,
  type CodeAction,
  type CodeActionParams,
  type CompletionItem,
  type CompletionList,
  type CompletionParams,
  type Connection,
  type Hover,
  type HoverParams,
  type InlayHint,
  type InlayHintParams,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import type { Diagnostic } from '../domain/diagnostics';
import { shiftDiagnostic } from '../domain/analysis/index';
import { YamlFile, type FileDocument } from '../domain/yaml/yamlFile';
import { shiftRange } from '../domain/text/lineIndex';
import { ResolutionService } from '../domain/resolution/resolutionService';
import { SessionCredentials } from '../domain/resolution/sessionCredentials';
import { specKey, type OciSourceSpec } from '../domain/resolution/ociSourceSpec';
import type { Resolution } from '../domain/resolution/resolution';
import { compareArtifactsClientCommand } from '../protocol/artifactMessages';
import {
  hoveredSources,
  ociSourcesAt,
  readOciSources,
  registryDiagnostics,
  resolutionHints,
  resolutionActions,
  liveHoverMarkdown,
  sourcePartAt,
  withSchemaHover,
} from '../domain/language/liveResolution/index';
import type { OpenDocument, OpenDocuments } from './documents';
import type { ServerSettings } from './settings';
import { toCompletionItem, toLspDiagnostic, toLspRange } from './convert';
import type { ObjectIndex } from '../domain/workspace/objectIndex';
import { EditorSignatures } from './signatureStatus';
import { settleWithin } from './settleWithin';
import { refCompletion, type WaitFor } from '../domain/language/liveResolution/refCompletion';
import {
  refreshResolutionCommand,
  registryCredentialsNotification,
  type RegistryCredential,
  type RegistryCredentialsParams,
} from '../protocol/resolutionMessages';

/** How long a hover may wait for a cold resolution before answering "resolving". */
const hoverBudgetMs = 1_000;
/** How long completion may wait for a tag list it does not have yet. */
const completionBudgetMs = 400;

interface SyncPublish {
  uri: string;
  version: number;
  yaml: YamlFile;
  diagnostics: Diagnostic[];
}

export interface LiveResolutionHost {
  connection: Connection;
  commands: CommandRegistry;
  documents: OpenDocuments;
  settings: () => ServerSettings;
  log: (message: string) => void;
  /** Secret manifests for `spec.verify.secretRef` signature checks (SIG-ED). */
  index?: ObjectIndex;
  workspaceFolders?: () => string[];
}

export class LiveResolution {
  /** The editor's registry log-ins, in memory only; artifact commands use them too. */
  readonly session = new SessionCredentials();
  readonly service: ResolutionService;
  /** Signature checks of resolved digests against `spec.verify` (SIG-ED). */
  readonly signatures: EditorSignatures;
  private verifySettings = '';
  private readonly lastSync = new Map<string, SyncPublish>();
  private readonly lastRegistry = new Map<string, Diagnostic[]>();
  private inlayRefreshSupported = false;
  /** The client runs its compare command from hover links (`experimental.fluxOci.compareArtifacts`, issue 14). */
  private compareLinksSupported = false;
  private inlayRefreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: LiveResolutionHost) {
    const timeout = Number(process.env['FLUX_OCI_REGISTRY_TIMEOUT_MS']);
    this.service = new ResolutionService({ session: this.session, ...(timeout > 0 ? { timeoutMs: timeout } : {}) });
    this.service.onResolved((spec) => this.resolved(spec));
    this.signatures = new EditorSignatures({
      cache: this.service.cache,
      settings: host.settings,
      changed: () => this.republishAll(),
      ...(host.index ? { index: host.index } : {}),
      ...(host.workspaceFolders ? { workspaceFolders: host.workspaceFolders } : {}),
    });
  }

  static capabilities(): Partial<ServerCapabilities> {
    return {
      inlayHintProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
    };
  }

  /** Registers the requests and notifications only live resolution answers. */
  register(): void {
    const c = this.host.connection;
    c.languages.inlayHint.on((p) => this.safe('inlayHint', [], () => this.inlayHints(p)));
    this.host.commands.register(refreshResolutionCommand, () =>
      this.safe('executeCommand', null, () => {
        this.host.log('registry: refresh requested, forgetting cached resolutions');
        this.service.refresh();
        this.signatures.refresh();
        this.republishAll();
        return null;
      }),
    );
    c.onNotification(registryCredentialsNotification.method, (p: RegistryCredentialsParams | RegistryCredential[] | null) =>
      this.safe('registryCredentials', undefined, () => {
        // Early clients sent the bare list; both shapes are accepted.
        const list: unknown = Array.isArray(p) ? p : p?.credentials;
        const n = this.session.replace(list);
        // Only the count and hosts: a credential never reaches a log.
        this.host.log(`registry: ${n} credential(s) from the editor (${this.session.registries.join(', ') || 'none'})`);
        this.service.refresh();
        this.signatures.refresh();
        this.republishAll();
      }),
    );
  }

  /** What the client said at initialize that matters here. */
  clientCapabilities(caps: ClientCapabilities): void {
    this.inlayRefreshSupported = caps.workspace?.inlayHint?.refreshSupport === true;
    this.compareLinksSupported = (caps.experimental as { fluxOci?: { compareArtifacts?: unknown } } | undefined)?.fluxOci?.compareArtifacts === true;
  }

  /** Call after settings changed. */
  settingsChanged(): void {
    const verify = JSON.stringify(this.host.settings().verify);
    const verifyChanged = verify !== this.verifySettings;
    this.verifySettings = verify;
    if (verifyChanged) this.signatures.refresh();
    if (this.syncOffline() || verifyChanged) this.republishAll();
  }

  async close(): Promise<void> {
    await this.service.close();
  }

  // ---------- diagnostics ----------

  /** Publishes the synchronous diagnostics of a file together with what the registry said. */
  publish(uri: string, version: number, diagnostics: Diagnostic[]): void {
    const doc = this.host.documents.get(uri);
    if (doc && doc.version === version) this.lastSync.set(doc.key, { uri, version, yaml: doc.yaml, diagnostics });
    const registry = doc && doc.version === version && this.host.settings().validation.enable ? this.registryDiagnosticsOf(doc.yaml) : [];
    if (doc) this.lastRegistry.set(doc.key, registry);
    this.send(uri, version, [...diagnostics, ...registry]);
    // An edited Secret may hold the key an OCIRepository's spec.verify needs (SIG-ED).
    if (doc && doc.version === version && this.signatures.secretsChanged(doc.key, doc.yaml)) this.republishAll();
  }

  /** Registry diagnostics last published for a file (code actions match against them). */
  published(key: string): Diagnostic[] {
    return this.lastRegistry.get(key) ?? [];
  }

  forget(key: string): void {
    this.lastSync.delete(key);
    this.lastRegistry.delete(key);
    this.signatures.forget(key);
  }

  private registryDiagnosticsOf(yaml: YamlFile): Diagnostic[] {
    this.syncOffline();
    const out: Diagnostic[] = [];
    if (this.service.offline) return out;
    for (const d of yaml.documents) {
      // Never force a parse here: a first look at a huge file is published before all of it is parsed.
      if (!d.isParsed) continue;
      // A ResourceSet may hold several sources (one per object, per input set).
      for (const src of readOciSources(d.parsed)) {
        const r = this.current(src.spec);
        if (!r) continue;
        for (const diag of registryDiagnostics(src, r)) out.push(shiftDiagnostic(diag, d.slice.startLine));
        for (const diag of this.signatures.diagnostics(src, r)) out.push(shiftDiagnostic(diag, d.slice.startLine));
      }
    }
    return out;
  }

  /** The resolution known now (possibly stale); asks for a fresh one in the background. */
  private current(spec: OciSourceSpec): Resolution | undefined {
    if (this.service.offline) return undefined;
    this.service.request(spec).catch((e: unknown) => this.host.log(`registry: resolution failed: ${String(e)}`));
    return this.service.peek(spec);
  }

  private resolved(spec: OciSourceSpec): void {
    const key = specKey(spec);
    let any = false;
    for (const [fileKey, last] of this.lastSync) {
      const doc = this.host.documents.byIndexKey(fileKey);
      if (!doc || doc.version !== last.version) continue; // a newer validation run will include it
      if (!doc.yaml.documents.some((d) => d.isParsed && specKeysOf(d).includes(key))) continue;
      any = true;
      this.republish(doc, last);
    }
    if (any || this.host.documents.all().length) this.scheduleInlayRefresh();
  }

  private republishAll(): void {
    for (const [fileKey, last] of this.lastSync) {
      const doc = this.host.documents.byIndexKey(fileKey);
      if (doc && doc.version === last.version) this.republish(doc, last);
    }
    this.scheduleInlayRefresh();
  }

  private republish(doc: OpenDocument, last: SyncPublish): void {
    const registry = this.host.settings().validation.enable ? this.registryDiagnosticsOf(doc.yaml) : [];
    this.lastRegistry.set(doc.key, registry);
    this.send(last.uri, last.version, [...last.diagnostics, ...registry]);
  }

  private send(uri: string, version: number, diagnostics: Diagnostic[]): void {
    void this.host.connection.sendDiagnostics({ uri, version, diagnostics: diagnostics.map(toLspDiagnostic) }).catch(() => undefined);
  }

  private scheduleInlayRefresh(): void {
    if (!this.inlayRefreshSupported || this.inlayRefreshTimer) return;
    this.inlayRefreshTimer = setTimeout(() => {
      this.inlayRefreshTimer = undefined;
      void this.host.connection.languages.inlayHint.refresh().catch(() => undefined);
    }, 50);
  }

  private syncOffline(): boolean {
    const offline = this.host.settings().registry.offline;
    if (offline === this.service.offline) return false;
    this.host.log(offline ? 'registry: offline, no registry traffic' : 'registry: online');
    this.service.setOffline(offline);
    this.signatures.refresh();
    return true;
  }

  // ---------- hover ----------

  /** The resolution above the schema hover when the cursor is on an OCIRepository's url or ref. */
  async hover(p: HoverParams, token: CancellationToken, schema: Hover | null): Promise<Hover | null> {
    try {
      const located = this.locate(p.textDocument.uri, p.position);
      const hovered = located ? hoveredSources(located.srcs, located.docLine, p.position.character, (s, line) => this.signatures.onVerify(s, line)) : [];
      if (!located || !hovered.length) return schema;
      this.syncOffline();
      const live = await liveHoverMarkdown(hovered, {
        resolutions: this.service,
        waitFor: (promise) => settleWithin(promise, hoverBudgetMs, token),
        signature: (s, r) => this.signatures.hover(s, r, token, hoverBudgetMs),
        ...(this.compareLinksSupported ? { compareCommand: compareArtifactsClientCommand } : {}),
      });
      const schemaText = schema && typeof schema.contents === 'object' && 'value' in schema.contents ? schema.contents.value : '';
      const range = schema?.range ?? toLspRange(YamlFile.toFileRange(located.fileDoc, hovered[0]!.urlRange));
      return { contents: { kind: MarkupKind.Markdown, value: withSchemaHover(live, schemaText) }, range };
    } catch (e) {
      this.host.log(`registry hover failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return schema;
    }
  }

  // ---------- completion ----------

  /** Registry items for `ref.tag`, `ref.digest` and `ref.semver`, added to the schema ones. */
  async completion(p: CompletionParams, token: CancellationToken, schema: CompletionItem[]): Promise<CompletionItem[] | CompletionList> {
    try {
      const fileDoc = this.host.documents.get(p.textDocument.uri)?.yaml.documentAt(p.position);
      if (!fileDoc) return schema;
      this.syncOffline();
      const waitFor: WaitFor = (promise) => settleWithin(promise, completionBudgetMs, token);
      const found = await refCompletion(fileDoc.parsed, YamlFile.toDocumentPosition(fileDoc, p.position), this.service.cache, waitFor);
      if (!found) return schema;
      const items = [...found.entries.map((e) => toCompletionItem(e, fileDoc.slice.startLine)), ...schema];
      return found.incomplete ? { isIncomplete: true, items } : items;
    } catch (e) {
      this.host.log(`registry completion failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return schema;
    }
  }

  // ---------- inlay hints ----------

  private inlayHints(p: InlayHintParams): InlayHint[] {
    const doc = this.host.documents.get(p.textDocument.uri);
    if (!doc) return [];
    this.syncOffline();
    if (this.service.offline) return [];
    const out: InlayHint[] = [];
    for (const d of doc.yaml.documents) {
      if (d.slice.startLine > p.range.end.line) break;
      for (const h of resolutionHints(readOciSources(d.parsed), (spec) => this.current(spec))) {
        const position = { line: h.position.line + d.slice.startLine, character: h.position.character };
        out.push({ position, label: h.label, tooltip: h.tooltip, paddingLeft: true });
      }
    }
    return out;
  }

  // ---------- code actions ----------

  codeActions(p: CodeActionParams): CodeAction[] {
    try {
      if (p.context.only && !p.context.only.some((k) => k === CodeActionKind.Refactor || k === CodeActionKind.RefactorRewrite || k === CodeActionKind.Empty))
        return [];
      const located = this.locate(p.textDocument.uri, p.range.start);
      const src = located?.srcs.find((s) => !!sourcePartAt(s, located.docLine, p.range.start.character));
      if (!located || !src) return [];
      const { fileDoc, doc } = located;
      if (this.service.offline) return [];
      const r = this.current(src.spec);
      return resolutionActions(src, r).map((a) => {
        const action: CodeAction = {
          title: a.title,
          kind: CodeActionKind.RefactorRewrite,
          edit: { changes: { [doc.uri]: a.edits.map((e) => ({ range: toLspRange(shiftRange(e.range, fileDoc.slice.startLine)), newText: e.newText })) } },
        };
        if (a.preferred) action.isPreferred = true;
        return action;
      });
    } catch (e) {
      this.host.log(`registry code actions failed: ${String(e)}`);
      return [];
    }
  }

  // ---------- plumbing ----------

  private locate(uri: string, position: { line: number; character: number }) {
    const doc = this.host.documents.get(uri);
    const fileDoc = doc?.yaml.documentAt(position);
    if (!doc || !fileDoc) return undefined;
    const docLine = position.line - fileDoc.slice.startLine;
    const srcs = ociSourcesAt(fileDoc.parsed, { line: docLine, character: position.character });
    if (!srcs.length) return undefined;
    return { doc, fileDoc, srcs, docLine };
  }

  private safe<T>(what: string, fallback: T, run: () => T): T {
    try {
      return run();
    } catch (e) {
      this.host.log(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return fallback;
    }
  }
}

function specKeysOf(d: FileDocument): string[] {
  return readOciSources(d.parsed).map((src) => specKey(src.spec));
}
