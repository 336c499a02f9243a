/**
 * The cluster commands: the "Flux Cluster" tree, reconcile, suspend, resume, apply (a dry-run
 * diff first, then the same text with `confirm`), delete, events and the object's YAML; and
 * the notification the server sends when its watches saw a change.
 */
import { commandType, notificationSpec, type Answer } from './messages';
import type { FluxTreeNode } from '../domain/cluster/fluxInventory';
import type { ObjectRef } from '../domain/cluster/fluxKinds';
import type { ObjectEvent } from '../domain/cluster/events';
import type { PlannedApply } from '../domain/cluster/applyObjects';
import type { KubeObject } from '../domain/cluster/kubeClient';
import type { KubeContextInfo } from '../domain/cluster/kubeConfig';
import type { Deployment, FleetContextStatus, FleetPlacement, FleetRow } from '../domain/cluster/fleet';

export type { FluxTreeNode, ObjectRef, KubeContextInfo, Deployment, FleetContextStatus, FleetPlacement, FleetRow };

/**
 * Which object: kind and name; without a namespace the context's namespace; without a context
 * the kubeconfig's current context.
 */
export interface ObjectArgs {
  kind: string;
  name: string;
  namespace?: string;
  context?: string;
}

export interface ReconcileArgs extends ObjectArgs {
  /**
   * Reconcile the object's source first (what `flux reconcile kustomization --with-source` does).
   * When omitted the server decides: yes for Kustomization and HelmRelease, no for sources.
   */
  withSource?: boolean;
}

/** The kubeconfig's contexts (merged like kubectl) and which one is current. */
export interface KubeContextList {
  /** The file `current-context` is written to. */
  file: string;
  /** Every kubeconfig file read, in order. */
  files: string[];
  current: string;
  contexts: KubeContextInfo[];
}

export interface UseContextArgs {
  context: string;
}

export interface UseContextResult {
  file: string;
  previous: string;
  current: string;
}

export interface ApplyArgs {
  /** The document to apply (an open one, unless `text` is given). */
  uri: string;
  text?: string;
  /** Apply what the dry run showed; without it the answer is the dry-run diff. */
  confirm?: boolean;
}

export interface ClusterTree {
  context: string;
  server: string;
  count: number;
  nodes: FluxTreeNode[];
  /** Why the view may lag behind the cluster (the API server unreachable); it recovers by itself. */
  stale?: string;
}

/** A failed cluster command may say the controller's reason (e.g. `BuildFailed`). */
export type ClusterAnswer<T> = Answer<T> | { ok: false; error: string; reason?: string };

export interface ReconcileResult {
  revision: string | null;
  elapsedMs: number;
  source?: { revision: string | null };
}

export interface ApplyResult {
  dryRun: boolean;
  objects: Array<Pick<PlannedApply, 'ref' | 'action' | 'diff'>>;
  skipped: string[];
}

export interface FleetTreeArgs {
  /** Which contexts; default: the `flux-oci.cluster.contexts` setting (none: the current context; `*`: all). */
  contexts?: string[];
  /** The first row of the page (default 0): the view is answered in pages, see `FleetTree.next`. */
  offset?: number;
  /** At most this many rows (default: as many as make about 500 placements). */
  limit?: number;
  /**
   * The `version` of the whole view the client holds (all its pages of that version): rows that
   * read the same since are left out of `rows`, and `ids` lists the page's rows.
   */
  known?: number;
}

/**
 * One page of the fleet view: each context's state, and rows (one per source across the
 * contexts) from `offset`. Ten clusters of 500 sources in one answer would hold the server's
 * event loop for hundreds of milliseconds while it is serialised; pages keep each step short.
 */
export interface FleetTree {
  contexts: FleetContextStatus[];
  rows: FleetRow[];
  /**
   * Asked with a `known` version of this server: the ids of the page's rows in order; those not in
   * `rows` read as in the client's view of that version. Absent: `rows` is the whole page.
   */
  ids?: string[];
  offset: number;
  /** Rows in the whole view. */
  total: number;
  /** Where the next page starts; absent on the last page. */
  next?: number;
  /** Changes whenever the view does: pages of different versions do not belong together (ask from 0 again). */
  version: number;
}

/** The rows of the fleet view a client holds, by id, with the version they were answered for. */
interface HeldFleetView {
  version: number;
  rows: ReadonlyMap<string, FleetRow>;
}

/**
 * The rows of a view's pages in order: the rows sent, and for a page with `ids` the others from
 * the view held; undefined when one is in neither (ask again without `known`).
 */
function fleetRowsOfPages(pages: readonly FleetTree[], held: HeldFleetView | undefined): FleetRow[] | undefined {
  const out: FleetRow[] = [];
  for (const p of pages) {
    if (!p.ids) {
      out.push(...p.rows);
      continue;
    }
    const sent = new Map(p.rows.map((r) => [r.id, r]));
    for (const id of p.ids) {
      const row = sent.get(id) ?? held?.rows.get(id);
      if (!row) return undefined;
      out.push(row);
    }
  }
  return out;
}

/** One `flux-oci.fleetTree` round trip, however the client sends commands. */
export type AskFleetTree = (args: FleetTreeArgs | undefined) => Promise<FleetTree | { ok: false; error: string } | null | undefined>;

/** Where the pages after the first start, for `total` rows in pages of `size`. */
function pageOffsets(from: number, total: number, size: number): number[] {
  const out: number[] = [];
  for (let o = from; o < total; o += Math.max(1, size)) out.push(o);
  return out;
}

/**
 * How a client reads the whole fleet view (the VS Code client and bench:fleet alike). The server
 * answers in pages of about 500 placements, so no one answer holds it up. The pages the last view
 * had are asked together with the first, so a refresh is one round trip; any the first page says
 * are missing follow. Only pages of the first page's `version` belong to it: another means the view
 * changed meanwhile, start over (after a few tries the pages are shown as they came; the change's
 * own `clusterChanged` refreshes again). With the last whole view held, pages carry only the rows
 * that changed since and the ids of the rest, which come from the view held.
 */
export class FleetViewReader {
  /** How the last view was paged (its first page's `next` is the page size). */
  private shape: { total: number; size: number } | undefined;
  /** The last whole view of one version, so a refresh brings only the rows that changed. */
  private held: HeldFleetView | undefined;

  /** The whole view (all its rows in `rows`), the server's refusal, or null when it answered nothing. */
  async read(ask: AskFleetTree): Promise<FleetTree | { ok: false; error: string } | null> {
    const answer = await this.readPages(ask);
    const fleet = answer && !('ok' in answer) ? answer : undefined;
    this.shape = fleet?.next !== undefined ? { total: fleet.total, size: fleet.next } : undefined;
    this.held = fleet?.consistent ? { version: fleet.version, rows: new Map(fleet.rows.map((r) => [r.id, r])) } : undefined;
    if (!fleet) return answer;
    const { consistent: _consistent, ...view } = fleet;
    return view;
  }

  private async readPages(ask: AskFleetTree): Promise<(FleetTree & { consistent: boolean }) | { ok: false; error: string } | null> {
    let known = this.held;
    const last = this.shape;
    const page = (offset: number) => {
      const args = { ...(offset ? { offset } : {}), ...(known ? { known: known.version } : {}) };
      return ask(Object.keys(args).length ? args : undefined);
    };
    for (let attempt = 0; ; attempt++) {
      const [first, ...early] = await Promise.all([0, ...(last ? pageOffsets(last.size, last.total, last.size) : [])].map(page));
      if (!first || 'ok' in first) return first ?? null;
      const wanted = first.next === undefined ? [] : pageOffsets(first.next, first.total, first.next);
      const pages = new Map<number, FleetTree>();
      for (const p of early) if (p && !('ok' in p) && p.version === first.version && wanted.includes(p.offset)) pages.set(p.offset, p);
      const missing = wanted.filter((o) => !pages.has(o));
      for (const p of await Promise.all(missing.map(page))) {
        if (!p || 'ok' in p) return p ?? null;
        pages.set(p.offset, p);
      }
      const rest = wanted.map((o) => pages.get(o)!);
      const consistent = rest.every((p) => p.version === first.version);
      if (consistent || attempt >= 2) {
        const rows = fleetRowsOfPages([first, ...rest], known);
        if (rows) return { ...first, rows, consistent };
        known = undefined; // a row the client does not hold (should not happen): the whole pages
      }
    }
  }
}

export type BatchAction = 'reconcile' | 'suspend' | 'resume';

export interface BatchArgs {
  action: BatchAction;
  objects: ObjectArgs[];
  /** For reconcile; omitted: the server's default per kind (as for `flux-oci.reconcile`). */
  withSource?: boolean;
  progressToken?: string | number;
}

export interface BatchItemResult {
  object: ObjectRef & { context: string };
  ok: boolean;
  error?: string;
  reason?: string;
  /** The revision after a reconcile or resume. */
  revision?: string | null;
  cancelled?: boolean;
}

export interface BatchResult {
  results: BatchItemResult[];
  succeeded: number;
  failed: number;
  /** The request was cancelled: what had not finished is marked `cancelled`. */
  cancelled: boolean;
}

export interface WhereDeployedArgs {
  /** An `oci://` repository URL, or … */
  url?: string;
  /** … an artifact digest (`sha256:…`), or … */
  digest?: string;
  /** … what is under the cursor: an OCIRepository's url/ref, or a digest anywhere. */
  uri?: string;
  position?: { line: number; character: number };
}

export interface WhereDeployedResult {
  query: { url?: string; digest?: string };
  deployments: Deployment[];
  /** The contexts asked, with their state (an unreachable one may run it too). */
  contexts: FleetContextStatus[];
}

export const clusterCommands = {
  tree: commandType<undefined, ClusterTree | { ok: false; error: string }>('flux-oci.clusterTree'),
  reconcile: commandType<ReconcileArgs, ClusterAnswer<ReconcileResult>>('flux-oci.reconcile'),
  suspend: commandType<ObjectArgs, ClusterAnswer<object>>('flux-oci.suspend'),
  resume: commandType<ObjectArgs, ClusterAnswer<{ revision: string | null }>>('flux-oci.resume'),
  apply: commandType<ApplyArgs, ClusterAnswer<ApplyResult>>('flux-oci.apply'),
  delete: commandType<ObjectArgs, ClusterAnswer<object>>('flux-oci.delete'),
  events: commandType<ObjectArgs, { events: ObjectEvent[] } | { ok: false; error: string }>('flux-oci.events'),
  getYaml: commandType<ObjectArgs, { object: KubeObject } | { ok: false; error: string }>('flux-oci.clusterObject'),
  /** The kubeconfig's contexts, for a picker. */
  contexts: commandType<undefined, Answer<KubeContextList>>('flux-oci.kubeContexts'),
  /**
   * Makes a context current like `kubectl config use-context` (only `current-context` of the
   * kubeconfig changes; comments and layout stay), then follows the new context at once.
   */
  useContext: commandType<UseContextArgs, Answer<UseContextResult>>('flux-oci.useContext'),
  /** Several contexts at once; never waits long on any cluster (see `FleetContextStatus.state`). */
  fleetTree: commandType<FleetTreeArgs | undefined, FleetTree | { ok: false; error: string }>('flux-oci.fleetTree'),
  /** Reconcile, suspend or resume many objects (across contexts) with progress and cancellation. */
  batch: commandType<BatchArgs, Answer<BatchResult>>('flux-oci.clusterBatch'),
  /** The clusters (of the fleet view's contexts) running a repository or a digest. */
  whereDeployed: commandType<WhereDeployedArgs, Answer<WhereDeployedResult>>('flux-oci.whereDeployed'),
} as const;

export interface ClusterChangedParams {
  context: string;
  /** Flux objects the server now knows of. */
  count: number;
}

/** server → client, debounced, when the watches saw objects change. */
export const clusterChangedNotification = notificationSpec<ClusterChangedParams>('flux-oci/clusterChanged');
