/**
 * LSP wiring of the cluster features (issue 6): `workspace/executeCommand` handlers
 * (reconcile, suspend, resume, apply with a dry-run diff first, delete, the tree data,
 * events), `window/workDoneProgress` while waiting on a controller, cancellation, a
 * `flux-oci/clusterChanged` notification when watches fire (debounced), and the drift
 * code lens on OCIRepository documents ("cluster at v1.2.0, registry resolves v1.3.0").
 *
 * The cluster is read from the kubeconfig in the server's environment (KUBECONFIG or
 * ~/.kube/config) and the `flux-oci.cluster.context` argument; nothing here blocks a
 * request on the cluster for long: the tree is answered from a list+watch cache.
 */
import {
  type CancellationToken,
  type CodeLens,
  type CodeLensParams,
  type Connection,
  type ExecuteCommandParams,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import type { CommandRegistry } from './commandRegistry';
import { KubeClient, type KubeObject } from '../domain/cluster/kubeClient';
import { listKubeContexts, loadClusterAccess, useKubeContext } from '../domain/cluster/kubeConfig';
import { fluxKindInfo, objectPath, type ObjectRef } from '../domain/cluster/fluxKinds';
import { reconcile, withSourceByDefault } from '../domain/cluster/reconcile';
import { resume, suspend } from '../domain/cluster/suspend';
import { deleteObject } from '../domain/cluster/deleteObject';
import { applyPlan, planApply } from '../domain/cluster/applyObjects';
import { objectEvents } from '../domain/cluster/events';
import { FluxInventory, type FluxObjectSummary } from '../domain/cluster/fluxInventory';
import { compareDrift } from '../domain/cluster/drift';
import { readOciSource } from '../domain/language/liveResolution/index';
import type { ResolutionService } from '../domain/resolution/resolutionService';
import { shiftRange } from '../domain/text/lineIndex';
import type { OpenDocuments } from './documents';
import { toLspRange } from './convert';
import { clusterChangedNotification, clusterCommands } from '../protocol/clusterMessages';
import type { CommandType } from '../protocol/messages';

export interface ClusterHost {
  connection: Connection;
  /** The server's one executeCommand dispatcher; its command list is the capability. */
  commands: CommandRegistry;
  documents: OpenDocuments;
  /** Live resolution's service (registry side of drift). */
  resolution: () => ResolutionService;
  log: (message: string) => void;
}

export class ClusterFeatures {
  private client: KubeClient | undefined;
  private clientError: string | undefined;
  private inventory: FluxInventory | undefined;
  private lensRefreshSupported = false;
  private progressSupported = false;

  constructor(private readonly host: ClusterHost) {}

  static capabilities(): Partial<ServerCapabilities> {
    return { codeLensProvider: { resolveProvider: false } };
  }

  clientCapabilities(caps: { workspace?: { codeLens?: { refreshSupport?: boolean } }; window?: { workDoneProgress?: boolean } }): void {
    this.lensRefreshSupported = caps.workspace?.codeLens?.refreshSupport === true;
    this.progressSupported = caps.window?.workDoneProgress === true;
  }

  /** Registers the cluster commands on the server's dispatcher and the drift code lens. */
  register(): void {
    // One dispatcher for all of them: each answer has its protocol type, checked where it is built.
    for (const type of Object.values(clusterCommands) as Array<CommandType<unknown, unknown>>) {
      this.host.commands.register(type, (_arg, token, params) => this.execute(params, token));
    }
    this.host.connection.onCodeLens((p, token) => this.codeLenses(p, token));
  }

  close(): void {
    this.inventory?.close();
  }

  /** Forgets the cluster connection and its watches; the next ask reads the kubeconfig again. */
  reload(): void {
    this.inventory?.close();
    this.inventory = undefined;
    this.client = undefined;
    this.clientError = undefined;
  }

  // ---------- commands ----------

  private async execute(p: ExecuteCommandParams, token: CancellationToken): Promise<unknown> {
    const arg = (p.arguments?.[0] ?? {}) as Record<string, unknown>;
    try {
      // The kubeconfig itself: these work without a reachable (or even a valid current) context.
      switch (p.command) {
        case clusterCommands.contexts.command:
          return { ok: true, ...listKubeContexts() };
        case clusterCommands.useContext.command: {
          const name = typeof arg['context'] === 'string' ? arg['context'] : '';
          if (!name) return { ok: false, error: 'say which context: { context: NAME }' };
          const result = useKubeContext(name);
          this.host.log(`cluster: ${result.file}: current-context is now ${result.current} (was ${result.previous || 'unset'})`);
          // Follow the new context now: no restart, the client refreshes on the notification.
          this.reload();
          void this.host.connection.sendNotification(clusterChangedNotification.method, { context: result.current, count: 0 });
          return { ok: true, ...result };
        }
      }
      const client = this.kube();
      switch (p.command) {
        case clusterCommands.tree.command: {
          const inventory = this.watchInventory(client);
          const nodes = await inventory.tree();
          // `stale` says why the view may lag (the API server unreachable); it recovers by itself.
          return { context: client.access.context, server: client.access.server, count: inventory.size, nodes, ...(inventory.problem ? { stale: inventory.problem } : {}) };
        }
        case clusterCommands.events.command:
          return { events: await objectEvents(client, this.refOf(arg, client)) };
        case clusterCommands.getYaml.command:
          return { object: await client.get<KubeObject>(objectPath(this.refOf(arg, client))) };
        case clusterCommands.reconcile.command:
          return await this.withProgress(`Reconciling ${String(arg['kind'])} ${String(arg['name'])}`, token, async (signal, report) => {
            const ref = this.refOf(arg, client);
            // The editor's rule, in one place: consumers reconcile their source first unless told otherwise.
            const withSource = typeof arg['withSource'] === 'boolean' ? arg['withSource'] : withSourceByDefault(ref.kind);
            const r = await reconcile(client, ref, { withSource, signal, onProgress: report });
            return { ok: true, revision: r.revision ?? null, elapsedMs: Math.round(r.elapsedMs), source: r.source ? { revision: r.source.revision ?? null } : undefined };
          });
        case clusterCommands.suspend.command:
          await this.withProgress(`Suspending ${String(arg['kind'])} ${String(arg['name'])}`, token, (signal) => suspend(client, this.refOf(arg, client), signal));
          return { ok: true };
        case clusterCommands.resume.command:
          return await this.withProgress(`Resuming ${String(arg['kind'])} ${String(arg['name'])}`, token, async (signal, report) => {
            const r = await resume(client, this.refOf(arg, client), { signal, onProgress: report });
            return { ok: true, revision: r?.revision ?? null };
          });
        case clusterCommands.delete.command:
          await deleteObject(client, this.refOf(arg, client));
          return { ok: true };
        case clusterCommands.apply.command: {
          // First call: the dry-run diff. Second call with confirm: true applies that same text.
          const uri = String(arg['uri'] ?? '');
          const doc = this.host.documents.get(uri);
          const text = typeof arg['text'] === 'string' ? arg['text'] : doc?.yaml.text;
          if (text === undefined) return { ok: false, error: `${uri} is not open` };
          return await this.withProgress(`Applying ${uri.replace(/^.*\//, '')}`, token, async (signal) => {
            const plan = await planApply(client, text, uri.replace(/^.*\//, ''), signal);
            const summary = plan.objects.map((o) => ({ ref: o.ref, action: o.action, diff: o.diff }));
            if (arg['confirm'] !== true) return { ok: true, dryRun: true, objects: summary, skipped: plan.skipped };
            await applyPlan(client, plan, signal);
            return { ok: true, dryRun: false, objects: summary, skipped: plan.skipped };
          });
        }
      }
      return null;
    } catch (err) {
      // Commands answer with the reason instead of failing the request: the client shows it.
      const message = err instanceof Error ? err.message : String(err);
      this.host.log(`cluster: ${p.command} failed: ${message}`);
      return { ok: false, error: message, ...(err && typeof err === 'object' && 'reason' in err ? { reason: (err as { reason: unknown }).reason } : {}) };
    }
  }

  private async withProgress<T>(title: string, token: CancellationToken, run: (signal: AbortSignal, report: (m: string) => void) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    const progress = this.progressSupported ? await this.host.connection.window.createWorkDoneProgress().catch(() => undefined) : undefined;
    progress?.begin(title, undefined, undefined, true);
    progress?.token.onCancellationRequested(() => controller.abort());
    try {
      return await run(controller.signal, (m) => progress?.report(m));
    } finally {
      sub.dispose();
      progress?.done();
    }
  }

  private refOf(arg: Record<string, unknown>, client: KubeClient): ObjectRef {
    const info = fluxKindInfo(String(arg['kind'] ?? ''));
    if (!info) throw new Error(`unknown Flux kind "${String(arg['kind'])}"`);
    const name = String(arg['name'] ?? '');
    if (!name) throw new Error('the command needs a name');
    return { kind: info.kind, name, namespace: typeof arg['namespace'] === 'string' && arg['namespace'] ? arg['namespace'] : client.namespace };
  }

  private kube(): KubeClient {
    if (this.client) return this.client;
    try {
      this.client = new KubeClient(loadClusterAccess(), { onRetry: (m) => this.host.log(`cluster: ${m}`) });
      this.clientError = undefined;
      return this.client;
    } catch (err) {
      this.clientError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  private watchInventory(client: KubeClient): FluxInventory {
    this.inventory ??= new FluxInventory(client, {
      onChange: () => {
        void this.host.connection.sendNotification(clusterChangedNotification.method, { context: client.access.context, count: this.inventory?.size ?? 0 });
        if (this.lensRefreshSupported) void this.host.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
      },
      onError: (m) => this.host.log(`cluster: ${m}`),
      onRecovered: (m) => this.host.log(`cluster: ${m}`),
    });
    return this.inventory;
  }

  // ---------- drift code lens ----------

  private async codeLenses(p: CodeLensParams, token: CancellationToken): Promise<CodeLens[]> {
    const doc = this.host.documents.get(p.textDocument.uri);
    if (!doc) return [];
    const sources = doc.yaml.documents.flatMap((d) => {
      const src = readOciSource(d.parsed);
      return src ? [{ d, src }] : [];
    });
    if (sources.length === 0) return [];
    let client: KubeClient;
    try {
      client = this.kube();
    } catch {
      return []; // no cluster configured: no lens (the error is shown by commands)
    }
    let byKey: Map<string, FluxObjectSummary>;
    try {
      const inventory = this.watchInventory(client);
      const tree = await Promise.race([inventory.tree(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
      if (!tree || token.isCancellationRequested) return [];
      byKey = new Map();
      const walk = (nodes: typeof tree): void => {
        for (const n of nodes) {
          byKey.set(`${n.ref.kind}/${n.ref.namespace}/${n.ref.name}`, n);
          walk(n.children);
        }
      };
      walk(tree);
    } catch {
      return [];
    }
    const service = this.host.resolution();
    const lenses: CodeLens[] = [];
    for (const { d, src } of sources) {
      const id = d.parsed.identity;
      if (!id.name) continue;
      const namespace = id.namespace || client.namespace;
      const inCluster = byKey.get(`OCIRepository/${namespace}/${id.name}`);
      let resolution = service.peek(src.spec);
      if (!resolution && inCluster) {
        resolution = await Promise.race([service.request(src.spec).catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 1500))]);
        if (!resolution && this.lensRefreshSupported) {
          void service.request(src.spec).then(() => this.host.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined), () => undefined);
        }
      }
      const drift = compareDrift(inCluster?.revision, resolution, !!inCluster);
      const range = toLspRange(shiftRange(src.urlRange, d.slice.startLine));
      const args = [{ kind: 'OCIRepository', name: id.name, namespace }];
      const command =
        drift.state === 'not-in-cluster'
          ? { title: `${client.access.context}: not in the cluster — apply`, command: clusterCommands.apply.command, arguments: [{ uri: p.textDocument.uri }] }
          : { title: drift.state === 'drifted' ? `${drift.text} — reconcile` : drift.text, command: clusterCommands.reconcile.command, arguments: args };
      lenses.push({ range: { start: range.start, end: range.start }, command });
    }
    void this.clientError;
    return lenses;
  }
}
