/**
 * LSP wiring of the cluster features (issue 6): `workspace/executeCommand` handlers
 * (reconcile, suspend, resume, apply with a dry-run diff first, delete, the tree data,
 * events), `window/workDoneProgress` while waiting on a controller, cancellation, a
 * `flux-oci/clusterChanged` notification when watches fire (debounced), and the drift
 * code lens on OCIRepository documents ("cluster at v1.2.0, registry resolves v1.3.0").
 *
 * The cluster is read from the kubeconfig in the server's environment (KUBECONFIG or
 * ~/.kube/config): the current context, or the one a command names (`context`). The fleet view
 * (issue 16) follows the contexts of `flux-oci.cluster.contexts` at once through the domain's
 * `Fleet`; nothing here blocks a request on a cluster for long: trees are answered from
 * list+watch caches, and a cluster that is slow or down is shown as such.
 */
import {
  type CancellationToken,
  type CodeLens,
  type CodeLensParams,
  type Connection,
  type ExecuteCommandParams,
  type Hover,
  type HoverParams,
  type ServerCapabilities,
  type WorkDoneProgressReporter,
  MarkupKind,
} from 'vscode-languageserver/node';
import type { CommandRegistry } from './commandRegistry';
import type { KubeClient, KubeObject } from '../domain/cluster/kubeClient';
import { listKubeContexts, useKubeContext } from '../domain/cluster/kubeConfig';
import { Fleet, deploymentsMarkdown, groupFleetInSlices, placementDrift, sameFleetRow, whereDeployed, type FleetTrees } from '../domain/cluster/fleet';
import { runBatch } from '../domain/cluster/batch';
import { fluxKindInfo, objectPath, type ObjectRef } from '../domain/cluster/fluxKinds';
import { reconcile, withSourceByDefault } from '../domain/cluster/reconcile';
import { resume, suspend } from '../domain/cluster/suspend';
import { deleteObject } from '../domain/cluster/deleteObject';
import { applyPlan, planApply } from '../domain/cluster/applyObjects';
import { objectEvents } from '../domain/cluster/events';
import type { FluxInventory, FluxObjectSummary } from '../domain/cluster/fluxInventory';
import { compareDrift } from '../domain/cluster/drift';
import { ociSourcesAt, readOciSource, readOciSources, sourcePartAt } from '../domain/language/liveResolution/index';
import { deployedDriftLenses } from './deployedDriftLenses';
import { YamlFile } from '../domain/yaml/yamlFile';
import { specKey, type OciSourceSpec } from '../domain/resolution/ociSourceSpec';
import type { ResolutionService } from '../domain/resolution/resolutionService';
import { shiftRange } from '../domain/text/lineIndex';
import type { OpenDocuments } from './documents';
import { toLspRange } from './convert';
import {
  clusterChangedNotification,
  clusterCommands,
  type BatchArgs,
  type BatchItemResult,
  type BatchResult,
  type FleetRow,
  type FleetTree,
  type FluxTreeNode,
  type ObjectArgs,
  type WhereDeployedArgs,
  type WhereDeployedResult,
} from '../protocol/clusterMessages';
import type { CommandType } from '../protocol/messages';
import { settleWithin } from './settleWithin';
import { whenCancelled } from './cancellation';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A fleet row as the client needs it: serialising the answer is the fleet view's largest cost
 * (a 6 × 500 bench spent most of its busy time in JSON.stringify; hence also pages of about
 * `placementsPerPage`, each its own answer), so the placements drop what
 * the row already says (`url`) or only the server uses (`sourceRef`). `ociSource` stays: the
 * view's "Compare with Registry" compares the cluster's revision with what that spec resolves to.
 */
function leanRow(row: FleetRow): FleetRow {
  const lean = (n: FluxTreeNode): FluxTreeNode => {
    const { url: _url, sourceRef: _source, children, ...rest } = n;
    return { ...rest, children: children.map(lean) };
  };
  return { ...row, placements: row.placements.map((p) => ({ ...p, node: lean(p.node) })) };
}

/**
 * `specKey` of a cluster object's spec, kept while the object's summary lives: a summary is never
 * changed once made (a watch event replaces it), and every build of the fleet view asks for the
 * drift of each of thousands of placements (a JSON.stringify each, ~60 ms per build at 10 × 500).
 */
const clusterSpecKeys = new WeakMap<OciSourceSpec, string>();
function clusterSpecKey(spec: OciSourceSpec): string {
  let key = clusterSpecKeys.get(spec);
  if (key === undefined) clusterSpecKeys.set(spec, (key = specKey(spec)));
  return key;
}

/** About this many placements per page of `flux-oci.fleetTree` (~0.2 MB of JSON, a few ms to serialise). */
const placementsPerPage = 500;

/** How long a hover waits for the clusters before answering without "deployed on". */
const hoverBudgetMs = 800;
/** How long the fleet view waits for the registry before showing rows without drift (it follows later). */
const driftBudgetMs = 1_500;

/** A whole fleet view, what it was built from (`key`), and its version as the pages say it. */
interface BuiltFleet {
  key: string;
  contexts: FleetTree['contexts'];
  rows: FleetRow[];
  version: number;
  /**
   * `leanRow` of each row, made when a page first asks for it: a view is asked again and again
   * while nothing changes (every refresh, every page), and copying 5,000 placements per ask kept
   * the young generation churning (scavenges of tens of ms on a loaded machine).
   */
  lean: Array<FleetRow | undefined>;
  /**
   * Per row, the version since which it reads the same (rows compared with the build before): a
   * client holding a view of that version or later has it already. One change on one cluster
   * changes a row or two of 500, and sending the whole view again (~3 MB at 10 × 500) to a client
   * that has it was most of the serialising, the client's parsing and the garbage of a refresh.
   */
  stamps: number[];
  /** Row index by id. */
  index: Map<string, number>;
}

/** How many placements are compared with the last build before the event loop gets a turn. */
const comparedPerSlice = 1_000;

export interface ClusterHost {
  connection: Connection;
  /** The server's one executeCommand dispatcher; its command list is the capability. */
  commands: CommandRegistry;
  documents: OpenDocuments;
  /** Live resolution's service (registry side of drift). */
  resolution: () => ResolutionService;
  /** `flux-oci.cluster.contexts`: the contexts of the fleet view (none: the current one; `*`: all). */
  contexts?: () => readonly string[];
  log: (message: string) => void;
}

export class ClusterFeatures {
  private readonly fleet: Fleet;
  private lensRefreshSupported = false;
  private progressSupported = false;
  /** Drift of a spec that was not resolved yet when asked: its answer refreshes the view once. */
  private readonly driftWaiting = new Set<string>();
  /** Registry answers so far (drift depends on them) and the last fleet answer with what it was built from. */
  private resolutions = 0;
  private hookedService: ResolutionService | undefined;
  /** The last fleet view built (pages are cut from it), and the one being built (pages asked at once share it). */
  private lastFleet: BuiltFleet | undefined;
  private buildingFleet: { key: string; built: Promise<BuiltFleet> } | undefined;
  /**
   * Versions of built views. They start at random so a client's `known` version from an earlier
   * server (a restart) is not taken for one of this server's.
   */
  private fleetVersions = Math.floor(Math.random() * 2 ** 40);
  private readonly firstFleetVersion = this.fleetVersions + 1;

  constructor(private readonly host: ClusterHost) {
    this.fleet = new Fleet({
      onChange: (context, count) => this.changed(context, count),
      log: (m) => this.host.log(`cluster: ${m}`),
    });
  }

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
    this.fleet.close();
  }

  /** Forgets every cluster connection and its watches; the next ask reads the kubeconfig again. */
  reload(): void {
    this.fleet.reload();
  }

  private changed(context: string, count: number): void {
    void this.host.connection.sendNotification(clusterChangedNotification.method, { context, count });
    // The drift lens shows the current context only: other clusters' changes leave it as it is.
    let current = '';
    try {
      current = this.fleet.contexts().current;
    } catch {
      /* no kubeconfig now: refresh anyway, the lens goes away */
    }
    if (this.lensRefreshSupported && (!current || current === context))
      void this.host.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
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
          this.changed(result.current, 0);
          return { ok: true, ...result };
        }
        case clusterCommands.fleetTree.command:
          return await this.fleetTree(arg);
        case clusterCommands.whereDeployed.command:
          return await this.whereDeployedCommand(arg as WhereDeployedArgs);
        case clusterCommands.batch.command:
          return await this.batch(arg as Partial<BatchArgs>, token, p);
      }
      const client = this.kube(typeof arg['context'] === 'string' ? arg['context'] : undefined);
      switch (p.command) {
        case clusterCommands.tree.command: {
          const inventory = this.watchInventory();
          const nodes = await inventory.tree();
          // `stale` says why the view may lag (the API server unreachable); it recovers by itself.
          return {
            context: client.access.context,
            server: client.access.server,
            count: inventory.size,
            nodes,
            ...(inventory.problem ? { stale: inventory.problem } : {}),
          };
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
            return {
              ok: true,
              revision: r.revision ?? null,
              elapsedMs: Math.round(r.elapsedMs),
              source: r.source ? { revision: r.source.revision ?? null } : undefined,
            };
          });
        case clusterCommands.suspend.command:
          await this.withProgress(`Suspending ${String(arg['kind'])} ${String(arg['name'])}`, token, (signal) =>
            suspend(client, this.refOf(arg, client), signal),
          );
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
    const sub = whenCancelled(token, () => controller.abort());
    const progress = this.progressSupported ? await this.host.connection.window.createWorkDoneProgress().catch(() => undefined) : undefined;
    progress?.begin(title, undefined, undefined, true);
    whenCancelled(progress?.token, () => controller.abort());
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

  private kube(context?: string): KubeClient {
    return this.fleet.client(context);
  }

  /** The current context's list+watch (the single-cluster tree and the drift lens). */
  private watchInventory(): FluxInventory {
    return this.fleet.inventory();
  }

  // ---------- fleet ----------

  private selectedContexts(arg: Record<string, unknown>): string[] {
    const given = Array.isArray(arg['contexts']) ? arg['contexts'].filter((c): c is string => typeof c === 'string') : undefined;
    return this.fleet.select(given ?? this.host.contexts?.() ?? []);
  }

  private async fleetTree(arg: Record<string, unknown>): Promise<FleetTree> {
    const names = this.selectedContexts(arg);
    if (names.length === 0) this.fleet.current(); // throws with what to do: no current context
    const built = await this.fleetRows(names);
    await nextTurn(); // pages asked at once wait on one build: each is cut and sent in its own turn
    const total = built.rows.length;
    const offset = Math.min(total, Math.max(0, Math.floor(Number(arg['offset']) || 0)));
    const given = Math.floor(Number(arg['limit']) || 0);
    const limit = given > 0 ? given : Math.max(1, Math.floor(placementsPerPage / Math.max(1, names.length)));
    const end = Math.min(total, offset + limit);
    // The client holds the whole view of version `known` (of this server): rows that read the same since are left out.
    const known = Number(arg['known']);
    const delta = Number.isSafeInteger(known) && known >= this.firstFleetVersion && known <= built.version;
    const rows: FleetRow[] = [];
    for (let i = offset; i < end; i++) if (!delta || built.stamps[i]! > known) rows.push((built.lean[i] ??= leanRow(built.rows[i]!)));
    return {
      contexts: built.contexts,
      rows,
      ...(delta ? { ids: built.rows.slice(offset, end).map((r) => r.id) } : {}),
      offset,
      total,
      ...(end < total ? { next: end } : {}),
      version: built.version,
    };
  }

  /** The whole fleet view's rows: the last ones when nothing changed, else grouped again (in slices). */
  private async fleetRows(names: readonly string[]): Promise<BuiltFleet> {
    const view = await this.fleet.view(names);
    const service = this.host.resolution();
    if (this.hookedService !== service) {
      this.hookedService = service;
      this.resolutions++;
      service.onResolved(() => void (this.hookedService === service && this.resolutions++));
    }
    // Nothing changed since the last answer (no watch event, no state change, no registry answer): reuse it.
    const keyNow = (): string => `${view.signature}#${this.resolutions}#${service.offline}`;
    if (view.signature && this.lastFleet?.key === keyNow()) return this.lastFleet;
    // The other pages of a view ask together with the first: they wait for its build.
    if (view.signature && this.buildingFleet?.key === keyNow()) return this.buildingFleet.built;
    // Drift needs the registry's answer for each cluster's spec: wait a little for the cold ones,
    // then answer; a late answer refreshes the view once (clusterChanged).
    const specs = new Map<string, OciSourceSpec>();
    for (const t of view.trees) for (const n of t.nodes) if (n.ociSource) specs.set(clusterSpecKey(n.ociSource), n.ociSource);
    const cold = [...specs.entries()].filter(([key, spec]) => !service.offline && (!service.peek(spec, key) || service.isPending(spec, key)));
    if (cold.length) {
      const pending = Promise.all(cold.map(([, spec]) => service.request(spec).catch(() => undefined)));
      const settled = await Promise.race([pending.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), driftBudgetMs))]);
      if (!settled) {
        for (const [key] of cold) {
          if (this.driftWaiting.has(key)) continue;
          this.driftWaiting.add(key);
          void pending.then(() => {
            this.driftWaiting.delete(key);
            // The registry answered: the view can show drift now.
            const first = view.contexts[0];
            if (first) this.changed(first.context, first.count);
          });
        }
      }
    }
    const key = keyNow();
    if (this.lastFleet?.key === key) return this.lastFleet;
    const running = this.buildingFleet;
    if (running) {
      if (running.key === key) return running.built;
      // One build at a time: asks for newer views during a slow build each started their own
      // (12 × 1000 placements: gigabytes, and none finished). Wait for it, then look again.
      await running.built.catch(() => undefined);
      return this.fleetRows(names);
    }
    const answered = new Set(view.contexts.filter((c) => c.state === 'ready' || c.state === 'stale').map((c) => c.context));
    const build = async (): Promise<BuiltFleet> => {
      // Thousands of placements: grouped in slices, each page serialised on its own.
      await nextTurn();
      const rows = await groupFleetInSlices(view.trees, answered, (node) => placementDrift(node, (spec) => service.peek(spec, clusterSpecKey(spec))));
      const version = ++this.fleetVersions;
      this.lastFleet = { key, contexts: view.contexts, version, ...(await this.sameAsLast(rows, version)) };
      return this.lastFleet;
    };
    const building = { key, built: build() };
    this.buildingFleet = building;
    try {
      return await building.built;
    } finally {
      if (this.buildingFleet === building) this.buildingFleet = undefined;
    }
  }

  /**
   * Each row's `stamps` entry: the last build's when the row reads the same there, else this
   * version (compared in slices). A row that reads the same is the last build's object, with its
   * lean copy: the rows a view keeps live until the next change, and building all of them anew
   * after every change filled the old generation with copies (and brought a major GC on).
   */
  private async sameAsLast(built: readonly FleetRow[], version: number): Promise<Pick<BuiltFleet, 'rows' | 'lean' | 'stamps' | 'index'>> {
    const last = this.lastFleet;
    const rows: FleetRow[] = [];
    const lean: Array<FleetRow | undefined> = [];
    const stamps: number[] = [];
    const index = new Map<string, number>();
    let compared = 0;
    for (const [i, row] of built.entries()) {
      index.set(row.id, i);
      const j = last?.index.get(row.id);
      if (last && j !== undefined && sameFleetRow(last.rows[j]!, row)) {
        rows.push(last.rows[j]!);
        lean.push(last.lean[j]);
        stamps.push(last.stamps[j]!);
      } else {
        rows.push(row);
        lean.push(undefined);
        stamps.push(version);
      }
      compared += row.placements.length;
      if (compared >= comparedPerSlice) {
        compared = 0;
        await nextTurn();
      }
    }
    return { rows, lean, stamps, index };
  }

  private async whereDeployedCommand(arg: WhereDeployedArgs): Promise<{ ok: true } & WhereDeployedResult> {
    const query =
      arg.url || arg.digest
        ? { ...(arg.url ? { url: arg.url } : {}), ...(arg.digest ? { digest: arg.digest } : {}) }
        : arg.uri && arg.position
          ? this.queryAt(arg.uri, arg.position)
          : undefined;
    if (!query) throw new Error('nothing to look for: give an oci:// url or a digest, or a position on an OCIRepository or a digest');
    // Answers within the fleet's first-answer wait: a slow cluster is listed as such in `contexts`.
    const view = await this.fleet.view(this.selectedContexts({}));
    return { ok: true, query, deployments: whereDeployed(view.trees, query), contexts: view.contexts };
  }

  /** What "where is this deployed?" asks about at a position: a digest under the cursor, else the OCIRepository there. */
  private queryAt(uri: string, position: { line: number; character: number }): { url?: string; digest?: string } | undefined {
    const doc = this.host.documents.get(uri);
    const fileDoc = doc?.yaml.documentAt(position);
    if (!doc || !fileDoc) return undefined;
    const line = fileDoc.parsed.lineIndex.lineText(position.line - fileDoc.slice.startLine);
    for (const m of line.matchAll(/sha256:[a-f0-9]{64}/g)) {
      if (position.character >= m.index && position.character <= m.index + m[0].length) return { digest: m[0] };
    }
    const docPos = YamlFile.toDocumentPosition(fileDoc, position);
    const src = ociSourcesAt(fileDoc.parsed, docPos).find((s) => !s.origin && !!sourcePartAt(s, docPos.line, docPos.character));
    return src ? { url: src.spec.url } : undefined;
  }

  /** "Deployed on" under the hover of an OCIRepository's url or ref, or of a digest (the fleet view's contexts). */
  async hover(p: HoverParams, token: CancellationToken, base: Hover | null): Promise<Hover | null> {
    try {
      const query = this.queryAt(p.textDocument.uri, p.position);
      if (!query) return base;
      let view: FleetTrees | undefined;
      try {
        view = await settleWithin(this.fleet.view(this.selectedContexts({})), hoverBudgetMs, token);
      } catch {
        return base; // no kubeconfig: nothing to say
      }
      if (!view || token.isCancellationRequested) return base;
      const text = deploymentsMarkdown(whereDeployed(view.trees, query), view.contexts, query);
      if (!text) return base;
      const baseText = base && typeof base.contents === 'object' && 'value' in base.contents ? base.contents.value : '';
      return {
        contents: { kind: MarkupKind.Markdown, value: baseText ? `${baseText}\n\n---\n\n${text}` : text },
        ...(base?.range ? { range: base.range } : {}),
      };
    } catch (e) {
      this.host.log(`cluster hover failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return base;
    }
  }

  /** Many objects, one action: a few at a time, progress per object, cancellation, every outcome in the answer. */
  private async batch(a: Partial<BatchArgs>, token: CancellationToken, params: ExecuteCommandParams): Promise<{ ok: true } & BatchResult> {
    const action = a.action;
    if (action !== 'reconcile' && action !== 'suspend' && action !== 'resume') throw new Error('action must be reconcile, suspend or resume');
    const objects = Array.isArray(a.objects) ? a.objects : [];
    if (objects.length === 0) throw new Error('no objects to act on');
    const controller = new AbortController();
    const sub = whenCancelled(token, () => controller.abort());
    const progress = await this.progressFor(`${action} ${objects.length} object(s)`, params.workDoneToken ?? a.progressToken);
    whenCancelled(progress?.token, () => controller.abort());
    try {
      const outcomes = await runBatch(
        objects,
        async (o: ObjectArgs, signal): Promise<BatchItemResult> => {
          const context = typeof o.context === 'string' && o.context ? o.context : this.fleet.current();
          // A cluster the view already knows to be down fails at once instead of retrying per object.
          const known = this.fleet.lastState(context);
          if (known && (known.state === 'unreachable' || known.state === 'error')) throw new Error(`${context}: ${known.message ?? known.state}`);
          const client = this.fleet.client(context);
          const ref = this.refOf(o as unknown as Record<string, unknown>, client);
          const object = { ...ref, context };
          if (action === 'suspend') {
            await suspend(client, ref, signal);
            return { object, ok: true };
          }
          if (action === 'resume') {
            const r = await resume(client, ref, { signal });
            return { object, ok: true, revision: r?.revision ?? null };
          }
          const withSource = typeof a.withSource === 'boolean' ? a.withSource : withSourceByDefault(ref.kind);
          const r = await reconcile(client, ref, { withSource, signal });
          return { object, ok: true, revision: r.revision ?? null };
        },
        {
          concurrency: 4,
          signal: controller.signal,
          onSettled: (outcome, done, total) => {
            const o = outcome.item;
            const what = `${o.context ? `${o.context}: ` : ''}${o.kind} ${o.name}`;
            progress?.report(Math.round((done / total) * 100), `${done}/${total} ${outcome.ok ? '✔' : '✗'} ${what}`);
          },
        },
      );
      const results: BatchItemResult[] = outcomes.map((o) => {
        if (o.ok) return o.value;
        const item = o.item;
        const object = { kind: item.kind, name: item.name, namespace: item.namespace ?? '', context: item.context ?? '' } as BatchItemResult['object'];
        return { object, ok: false, error: o.error, ...(o.reason ? { reason: o.reason } : {}), ...(o.cancelled ? { cancelled: true } : {}) };
      });
      const failed = results.filter((r) => !r.ok).length;
      return { ok: true, results, succeeded: results.length - failed, failed, cancelled: controller.signal.aborted };
    } finally {
      sub.dispose();
      progress?.done();
    }
  }

  private async progressFor(
    title: string,
    token: string | number | undefined,
  ): Promise<(WorkDoneProgressReporter & { token?: CancellationToken }) | undefined> {
    if (token !== undefined) {
      const reporter = this.host.connection.window.attachWorkDoneProgress(token);
      reporter.begin(title, 0, undefined, true);
      return reporter;
    }
    if (!this.progressSupported) return undefined;
    const reporter = await this.host.connection.window.createWorkDoneProgress().catch(() => undefined);
    reporter?.begin(title, 0, undefined, true);
    return reporter;
  }

  // ---------- drift code lens ----------

  private async codeLenses(p: CodeLensParams, token: CancellationToken): Promise<CodeLens[]> {
    const doc = this.host.documents.get(p.textDocument.uri);
    if (!doc) return [];
    const sources = doc.yaml.documents.flatMap((d) => {
      const src = readOciSource(d.parsed);
      return src ? [{ d, src }] : [];
    });
    // FluxInstance sources: what runs from them is on another object (the generated OCIRepository, the instance's status)
    const deployed = doc.yaml.documents.flatMap((d) =>
      readOciSources(d.parsed)
        .filter((src) => src.deployedAt)
        .map((src) => ({ startLine: d.slice.startLine, src })),
    );
    if (sources.length === 0 && deployed.length === 0) return [];
    let client: KubeClient;
    try {
      client = this.kube();
    } catch {
      return []; // no cluster configured: no lens (the error is shown by commands)
    }
    const operatorLenses = await deployedDriftLenses(deployed, {
      client,
      service: this.host.resolution(),
      reconcileCommand: clusterCommands.reconcile.command,
      token,
      ...(this.lensRefreshSupported ? { refresh: () => void this.host.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined) } : {}),
    });
    if (sources.length === 0) return operatorLenses;
    let byKey: Map<string, FluxObjectSummary>;
    try {
      const inventory = this.watchInventory();
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
        resolution = await Promise.race([
          service.request(src.spec).catch(() => undefined),
          new Promise<undefined>((r) => setTimeout(() => r(undefined), 1500)),
        ]);
        if (!resolution && this.lensRefreshSupported) {
          void service.request(src.spec).then(
            () => this.host.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined),
            () => undefined,
          );
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
    return [...operatorLenses, ...lenses];
  }
}
