/**
 * LSP wiring of Bucket previews (issue 20): the hover on a Bucket's bucketName, endpoint,
 * prefix or ignore shows what source-controller would pack; `bucket/*` diagnostics join each
 * publish (a warning past flux-oci.bucket.maxArtifactBytes / maxArtifactFiles, information
 * when the store cannot be listed); the "Preview Bucket Artifact" command answers the file
 * list. Listings go through BucketCache (the editor's network gate, a limiter, a TTL);
 * nothing waits on a bucket for more than a short budget, and a listing that arrives later
 * re-publishes diagnostics.
 */
import path from 'node:path';
import { MarkupKind, type CancellationToken, type Hover, type HoverParams } from 'vscode-languageserver/node';
import type { Diagnostic } from '../domain/diagnostics';
import { shiftDiagnostic } from '../domain/analysis/index';
import { YamlFile } from '../domain/yaml/yamlFile';
import type { ParsedDocument } from '../domain/yaml/parsedDocument';
import { onBucketField, readBucket, type BucketDocument } from '../domain/language/bucketPreview/bucketDocument';
import { bucketDiagnostics, bucketHoverMarkdown, type BucketState } from '../domain/language/bucketPreview/bucketText';
import { BucketCache } from '../domain/resolution/bucket/bucketCache';
import { bucketCredentials, bucketTls, type BucketCredentials, type BucketTls, type SecretLookup } from '../domain/resolution/bucket/bucketCredentials';
import { previewBucket, type BucketPreview } from '../domain/resolution/bucket/bucketPreview';
import { BucketError, type BucketListing } from '../domain/resolution/bucket/bucketLister';
import type { NetworkGate } from '../domain/resolution/networkGate';
import type { ObjectIndex } from '../domain/workspace/objectIndex';
import { addBucketIgnoreCommand, previewBucketCommand, type AddBucketIgnoreResult, type PreviewBucketResult } from '../protocol/bucketMessages';
import { addIgnorePatterns } from '../domain/language/bucketPreview/ignoreEdits';
import { shiftRange } from '../domain/text/lineIndex';
import type { Answer } from '../protocol/messages';
import type { CommandRegistry } from './commandRegistry';
import type { OpenDocuments } from './documents';
import type { ServerSettings } from './settings';
import { pathOfKey } from './fileKeys';
import { settleWithin } from './settleWithin';
import { whenCancelled } from './cancellation';
import { toLspRange } from './convert';

const hoverBudgetMs = 1_500;

export interface BucketPreviewHost {
  commands: CommandRegistry;
  documents: OpenDocuments;
  index: ObjectIndex;
  settings: () => ServerSettings;
  /** The editor's one network gate (offline, loopback-only), shared with registry lookups. */
  gate: () => NetworkGate;
  /** A listing arrived or failed: diagnostics of open files should be recomputed. */
  changed: () => void;
  workspaceFolders: () => string[];
  log: (message: string) => void;
}

export class BucketPreviews {
  private cacheInstance: BucketCache | undefined;

  constructor(private readonly host: BucketPreviewHost) {}

  private get cache(): BucketCache {
    if (!this.cacheInstance) {
      const timeout = Number(process.env['FLUX_OCI_REGISTRY_TIMEOUT_MS']);
      this.cacheInstance = new BucketCache({ gate: this.host.gate(), ...(timeout > 0 ? { timeoutMs: timeout } : {}) });
      this.cacheInstance.onListed(() => this.host.changed());
    }
    return this.cacheInstance;
  }

  register(): void {
    this.host.commands.register(previewBucketCommand, async (arg, token) => this.previewCommand(arg ?? {}, token));
    this.host.commands.register(addBucketIgnoreCommand, (arg) => this.addIgnoreCommand(arg ?? {}));
  }

  private readonly lastPublished = new Map<string, Diagnostic[]>();

  /** bucket/* diagnostics last published for a file (code actions match their fixes against them). */
  published(key: string): Diagnostic[] {
    return this.lastPublished.get(key) ?? [];
  }

  private addIgnoreCommand(arg: {
    uri?: string;
    name?: string;
    namespace?: string;
    position?: { line: number; character: number };
    patterns?: unknown;
  }): Answer<AddBucketIgnoreResult> {
    const patterns = Array.isArray(arg.patterns) ? arg.patterns.filter((p): p is string => typeof p === 'string') : [];
    if (!arg.uri || !patterns.length) return { ok: false, error: 'give the uri of the open document and the patterns to add', code: 'invalid' };
    const doc = this.host.documents.get(arg.uri);
    if (!doc) return { ok: false, error: `${arg.uri} is not open`, code: 'not-found' };
    for (const d of arg.position ? [doc.yaml.documentAt(arg.position)].filter((x) => !!x) : doc.yaml.documents) {
      const b = readBucket(d!.parsed);
      if (!b || (arg.name && b.spec.name !== arg.name) || (arg.namespace && b.spec.namespace !== arg.namespace)) continue;
      const edit = addIgnorePatterns(b, patterns);
      const edits = edit ? [{ range: toLspRange(shiftRange(edit.range, d!.slice.startLine)), newText: edit.newText }] : [];
      return { ok: true, uri: arg.uri, edits };
    }
    return { ok: false, error: `no Bucket${arg.name ? ` named '${arg.name}'` : ''} in ${arg.uri}`, code: 'not-found' };
  }

  refresh(): void {
    this.cacheInstance?.refresh();
  }

  private lastSettings = '';

  /** Call after settings changed: going offline or new thresholds re-publish (offline drops bucket/* diagnostics). */
  settingsChanged(): void {
    const s = this.host.settings();
    const now = JSON.stringify([s.registry.offline, s.bucket, s.validation.enable]);
    if (now === this.lastSettings) return;
    const first = this.lastSettings === '';
    this.lastSettings = now;
    if (s.registry.offline) this.cacheInstance?.refresh();
    if (!first) this.host.changed();
  }

  close(): void {
    this.cacheInstance?.close();
  }

  /** `bucket/*` diagnostics of an open file, from what is known now; starts listings it lacks. */
  diagnostics(uri: string): Diagnostic[] {
    try {
      const settings = this.host.settings();
      if (!settings.validation.enable || this.host.gate().offline) return [];
      const doc = this.host.documents.get(uri);
      if (!doc) return [];
      const out: Diagnostic[] = [];
      this.lastPublished.set(doc.key, out);
      for (const d of doc.yaml.documents) {
        if (!d.isParsed) continue;
        const b = readBucket(d.parsed);
        if (!b) continue;
        const state = this.current(b, false);
        for (const diag of bucketDiagnostics(b, state, { maxBytes: settings.bucket.maxArtifactBytes, maxFiles: settings.bucket.maxArtifactFiles })) {
          out.push(shiftDiagnostic(diag, d.slice.startLine));
        }
      }
      return out;
    } catch (e) {
      this.host.log(`bucket diagnostics failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return [];
    }
  }

  /** The preview above `previous` when the cursor is on a Bucket's listed fields. */
  async hover(p: HoverParams, token: CancellationToken, previous: Hover | null): Promise<Hover | null> {
    try {
      const doc = this.host.documents.get(p.textDocument.uri);
      const fileDoc = doc?.yaml.documentAt(p.position);
      if (!fileDoc) return previous;
      const b = readBucket(fileDoc.parsed);
      const pos = YamlFile.toDocumentPosition(fileDoc, p.position);
      if (!b || !onBucketField(b, pos.line, pos.character)) return previous;
      let state = this.current(b, true);
      const access = this.access(b);
      if (state.state === 'listing' && !('problem' in access)) {
        const settled = await settleWithin(this.cache.list(b.spec, access.creds, access.tls ? { tls: access.tls } : {}), hoverBudgetMs, token);
        if (settled) state = { state: 'done', preview: this.previewOf(settled, b.spec.ignore) };
        else state = this.current(b, false);
      }
      const text = bucketHoverMarkdown(b, state);
      const before = previous && typeof previous.contents === 'object' && 'value' in previous.contents ? previous.contents.value : '';
      return {
        contents: { kind: MarkupKind.Markdown, value: before ? `${text}\n\n---\n\n${before}` : text },
        range: previous?.range ?? toLspRange(YamlFile.toFileRange(fileDoc, b.anchor)),
      };
    } catch (e) {
      this.host.log(`bucket hover failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return previous;
    }
  }

  /** What is known of a Bucket's listing now; starts one in the background when none is fresh. */
  private current(b: BucketDocument, quiet: boolean): BucketState {
    const gate = this.host.gate();
    if (gate.offline) return { state: 'offline' };
    // What the gate refuses is never asked, and nothing is said about its credentials either.
    const refusal = gate.refusal(b.spec.endpoint);
    if (refusal) return { state: 'failed', error: new BucketError(refusal.message.replace('registry lookups are', 'bucket listings are'), 'offline') };
    const access = this.access(b);
    if ('problem' in access) return { state: 'failed', error: new BucketError(access.problem, access.code ?? 'credentials') };
    const known = this.cache.peek(b.spec);
    if (!this.cache.isPending(b.spec)) {
      this.cache.list(b.spec, access.creds, access.tls ? { tls: access.tls } : {}).catch((e: unknown) => {
        if (!quiet) this.host.log(`bucket: listing ${b.spec.bucketName} at ${b.spec.endpoint} failed: ${e instanceof Error ? e.message : String(e)}`);
      });
    }
    if (known?.listing) return { state: 'done', preview: this.previewOf(known.listing, b.spec.ignore) };
    if (known?.error && !this.cache.isPending(b.spec)) return { state: 'failed', error: known.error };
    return { state: 'listing' };
  }

  /** Previews per listing and spec.ignore text: a keystroke elsewhere in the file must not re-match every key. */
  private readonly previews = new WeakMap<BucketListing, Map<string, BucketPreview>>();

  private previewOf(listing: BucketListing, ignore: string | undefined): BucketPreview {
    let byIgnore = this.previews.get(listing);
    if (!byIgnore) this.previews.set(listing, (byIgnore = new Map()));
    const key = ignore ?? '\u0000absent';
    let p = byIgnore.get(key);
    if (!p) {
      if (byIgnore.size >= 8) byIgnore.clear();
      byIgnore.set(key, (p = previewBucket(listing, ignore)));
    }
    return p;
  }

  /** Credentials and TLS material for listing `b`, or why it cannot be listed from here. */
  private access(b: BucketDocument): { creds: BucketCredentials; tls?: BucketTls } | { problem: string; code?: 'unsupported' } {
    if (b.spec.provider === 'gcp' || b.spec.provider === 'azure') {
      return { problem: `provider ${b.spec.provider} is not previewed (flux-oci lists S3-compatible stores: provider generic and aws)`, code: 'unsupported' };
    }
    const secrets = this.secrets();
    const creds = bucketCredentials(b.spec, secrets, { env: process.env });
    if (creds.kind === 'missing') return { problem: creds.problem };
    const tls = bucketTls(b.spec, secrets);
    if (tls && 'problem' in tls) return { problem: tls.problem };
    return { creds, ...(tls ? { tls } : {}) };
  }

  private secrets(): SecretLookup {
    const index = this.host.index;
    return {
      findSecret: (name, namespace) => {
        const found = index.find('Secret', name, namespace || undefined);
        const best = found.find((o) => o.namespace === namespace) ?? found[0];
        const doc = best && index.documentOf(best);
        return best && doc ? { doc, where: this.displayPath(best.file) } : undefined;
      },
    };
  }

  private async previewCommand(
    arg: { uri?: string; name?: string; namespace?: string; position?: { line: number; character: number }; refresh?: boolean },
    token: CancellationToken,
  ): Promise<Answer<PreviewBucketResult>> {
    try {
      const b = this.findBucket(arg);
      if (!b)
        return {
          ok: false,
          error: `no Bucket${arg.name ? ` named '${arg.name}'` : ''} found${arg.uri ? ` in ${arg.uri}` : ' in the workspace'}`,
          code: 'not-found',
        };
      if (this.host.gate().offline) return { ok: false, error: 'bucket listings are turned off (flux-oci.registry.offline)', code: 'offline' };
      const access = this.access(b);
      if ('problem' in access) return { ok: false, error: access.problem, code: 'credentials' };
      const pending = this.cache.list(b.spec, access.creds, { force: !!arg.refresh, ...(access.tls ? { tls: access.tls } : {}) });
      const cancelled = new Promise<'cancelled'>((resolve) => whenCancelled(token, () => resolve('cancelled')));
      const listing = await Promise.race([pending, cancelled]);
      if (listing === 'cancelled') return { ok: false, error: 'cancelled', code: 'cancelled' };
      const s = b.spec;
      return {
        ok: true,
        bucket: { name: s.name, namespace: s.namespace, endpoint: s.endpoint, bucketName: s.bucketName, prefix: s.prefix ?? '' },
        preview: this.previewOf(listing, s.ignore),
      };
    } catch (e) {
      if (e instanceof BucketError) return { ok: false, error: e.message, code: e.code };
      this.host.log(`bucket preview failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  private findBucket(arg: { uri?: string; name?: string; namespace?: string; position?: { line: number; character: number } }): BucketDocument | undefined {
    const matches = (b: BucketDocument | undefined): b is BucketDocument =>
      !!b && (!arg.name || b.spec.name === arg.name) && (!arg.namespace || b.spec.namespace === arg.namespace);
    if (arg.uri) {
      const doc = this.host.documents.get(arg.uri);
      if (doc) {
        if (arg.position) {
          const at = doc.yaml.documentAt(arg.position);
          const b = at ? readBucket(at.parsed) : undefined;
          if (matches(b)) return b;
        }
        for (const d of doc.yaml.documents) {
          const b = readBucket(d.parsed);
          if (matches(b)) return b;
        }
      }
    }
    if (!arg.name) return undefined;
    for (const o of this.host.index.find('Bucket', arg.name, arg.namespace)) {
      const parsed: ParsedDocument | undefined = this.host.index.documentOf(o);
      const b = parsed ? readBucket(parsed) : undefined;
      if (matches(b)) return b;
    }
    return undefined;
  }

  private displayPath(key: string): string {
    const file = pathOfKey(key);
    if (!file) return key;
    const root = this.host.workspaceFolders().find((f) => file.startsWith(f.endsWith('/') ? f : `${f}/`));
    return root ? path.relative(root, file) : path.basename(file);
  }
}
