/**
 * The cluster's Flux sources and their consumers, for a tree view: every source with
 * its status, revision and digest, and under it the Kustomizations and HelmReleases
 * that read it. `FluxInventory` keeps this live with one list+watch per kind and tells
 * its listener (debounced) when anything changed.
 */
import type { KubeClient, KubeObject } from './kubeClient';
import { backoffMs, isKindNotServed, isNotFound, KubeApiError, sleep } from './kubeClient';
import { collectionPath, fluxKinds, type FluxKind, type FluxKindInfo, type ObjectRef } from './fluxKinds';
import { artifactDigest, condition, isSuspended, reportedRevision } from './fluxStatus';
import { sourceOf } from './reconcile';
import type { OciSourceSpec } from '../resolution/ociSourceSpec';

export interface FluxObjectSummary {
  ref: ObjectRef;
  ready: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  revision?: string;
  digest?: string;
  suspended: boolean;
  /** OCIRepository/Bucket/GitRepository URL. */
  url?: string;
  /** For consumers: the source they read. */
  sourceRef?: ObjectRef;
  /** For an OCIRepository: what it asks the registry for (drift compares the registry's answer now). */
  ociSource?: OciSourceSpec;
}

export interface FluxTreeNode extends FluxObjectSummary {
  children: FluxTreeNode[];
}

export function summarize(kind: FluxKind, obj: KubeObject): FluxObjectSummary {
  const ref: ObjectRef = { kind, name: obj.metadata.name, namespace: obj.metadata.namespace ?? '' };
  const ready = condition(obj, 'Ready');
  const out: FluxObjectSummary = { ref, ready: ready?.status ?? 'Unknown', suspended: isSuspended(obj) };
  if (ready?.reason) out.reason = ready.reason;
  if (ready?.message) out.message = ready.message;
  const revision = reportedRevision(obj);
  if (revision) out.revision = revision;
  const digest = artifactDigest(obj);
  if (digest) out.digest = digest;
  if (typeof obj.spec?.['url'] === 'string') out.url = obj.spec['url'];
  if (kind === 'OCIRepository' && out.url?.startsWith('oci://')) out.ociSource = ociSourceOf(out.url, obj.spec ?? {});
  try {
    const src = sourceOf(obj, ref);
    if (src) out.sourceRef = src;
  } catch {
    /* a source kind we cannot reconcile still shows, just without a parent */
  }
  return out;
}

/** The fields of an OCIRepository's spec that decide which artifact it gets, as live resolution reads them. */
function ociSourceOf(url: string, spec: Record<string, any>): OciSourceSpec {
  const ref: OciSourceSpec['ref'] = {};
  for (const f of ['tag', 'semver', 'semverFilter', 'digest'] as const) {
    const v: unknown = spec['ref']?.[f];
    if (typeof v === 'string' && v !== '') ref[f] = v;
  }
  const out: OciSourceSpec = { url, ref };
  const media: unknown = spec['layerSelector']?.['mediaType'];
  if (typeof media === 'string' && media) out.layerMediaType = media;
  if (spec['insecure'] === true) out.insecure = true;
  if (spec['provider'] === 'aws' || spec['provider'] === 'azure' || spec['provider'] === 'gcp') out.provider = spec['provider'];
  return out;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * namespace, kind, name. Kubernetes names are lower-case ASCII, so code-unit order is the
 * alphabetical one; `localeCompare` costs ~10x more (a 10 × 500-object fleet view felt it).
 */
export function compareRefs(a: ObjectRef, b: ObjectRef): number {
  return byCodeUnit(a.namespace, b.namespace) || byCodeUnit(a.kind, b.kind) || byCodeUnit(a.name, b.name);
}

const key = (r: ObjectRef): string => `${r.kind}/${r.namespace}/${r.name}`;

/** Objects per page of the inventory's lists (client-go's reflector asks for 500). */
const listPageSize = 250;

let startTurns: Promise<void> = Promise.resolve();
/**
 * One event-loop turn per list+watch loop that starts, across every inventory: a fleet of ten
 * clusters starts seventy of them (requests, TLS connections) and in one step they held up the
 * language server for hundreds of milliseconds.
 */
function startTurn(): Promise<void> {
  const turn = startTurns.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  startTurns = turn;
  return turn;
}

/** Sources at the top (sorted by namespace/name), consumers under the source they read; orphans at the top. */
export function buildFluxTree(objects: Iterable<FluxObjectSummary>): FluxTreeNode[] {
  const nodes = new Map<string, FluxTreeNode>();
  const all = [...objects];
  for (const o of all) nodes.set(key(o.ref), { ...o, children: [] });
  const roots: FluxTreeNode[] = [];
  for (const o of all) {
    const node = nodes.get(key(o.ref))!;
    const parent = o.sourceRef ? nodes.get(key(o.sourceRef)) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const order = (a: FluxTreeNode, b: FluxTreeNode): number => compareRefs(a.ref, b.ref);
  const sortDeep = (list: FluxTreeNode[]): FluxTreeNode[] => {
    list.sort(order);
    for (const n of list) sortDeep(n.children);
    return list;
  };
  return sortDeep(roots);
}

/** One-shot: lists every Flux kind the cluster serves (kinds whose CRD is missing are skipped). */
export async function listFluxObjects(client: KubeClient, namespace?: string, signal?: AbortSignal): Promise<FluxObjectSummary[]> {
  const lists = await Promise.all(
    fluxKinds.map(async (info) => {
      try {
        const list = await client.list(collectionPath(info, namespace), undefined, signal);
        return list.items.map((o) => summarize(info.kind, o));
      } catch (err) {
        if (isNotFound(err)) return [];
        throw err;
      }
    }),
  );
  return lists.flat();
}

export interface InventoryOptions {
  /** Called (debounced) after objects changed. */
  onChange: () => void;
  debounceMs?: number;
  /** A list or watch failed (once per outage and kind; retries continue in the background). */
  onError?: (message: string) => void;
  /** A kind is followed again after failures. */
  onRecovered?: (message: string) => void;
}

/**
 * List+watch of every Flux kind; `tree()` answers from memory. Each kind is followed on its
 * own until `close()`: a watch that breaks (API server restarted, network gone) is resumed
 * from its last resourceVersion with backoff, a resourceVersion the server no longer has
 * (410 Gone) or a failed list starts over with a fresh list, so the view recovers by itself.
 */
export class FluxInventory {
  private readonly objects = new Map<string, FluxObjectSummary>();
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly ready: Promise<void>;
  /** Kinds whose list or watch is failing right now, with the last error. */
  private readonly failing = new Map<FluxKind, string>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: InventoryOptions,
  ) {
    this.ready = Promise.all(fluxKinds.map((k) => this.follow(k))).then(() => undefined);
  }

  /** Resolves once the first list of every kind was tried (answered or failed). */
  async tree(): Promise<FluxTreeNode[]> {
    await this.ready;
    return buildFluxTree(this.objects.values());
  }

  get size(): number {
    return this.objects.size;
  }

  /** Why the tree may be out of date (some kind cannot be listed or watched now), else undefined. */
  get problem(): string | undefined {
    if (this.failing.size === 0) return undefined;
    const [kind, message] = [...this.failing.entries()][0]!;
    return `${kind}${this.failing.size > 1 ? ` and ${this.failing.size - 1} more kind(s)` : ''} cannot be followed (${message}); retrying in the background`;
  }

  close(): void {
    this.controller.abort();
    if (this.timer) clearTimeout(this.timer);
  }

  private changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.controller.signal.aborted) this.options.onChange();
    }, this.options.debounceMs ?? 150);
  }

  /** Follows a kind in the background; resolves after its first list was tried. */
  private follow(info: FluxKindInfo): Promise<void> {
    return new Promise<void>((firstTried) => void startTurn().then(() => this.run(info, firstTried)));
  }

  private async run(info: FluxKindInfo, firstTried: () => void): Promise<void> {
    const signal = this.controller.signal;
    const path = collectionPath(info);
    const prefix = `${info.kind}/`;
    let rv: string | undefined;
    let failures = 0;
    let listedOnce = false;
    const relist = async (): Promise<string | undefined> => {
      // In pages, as client-go's reflector lists: parsing thousands of objects in one answer would
      // hold up the event loop (ten clusters list at once). The kind's objects are swapped in whole.
      const fresh = new Map<string, FluxObjectSummary>();
      let next: string | undefined;
      let version: string | undefined;
      do {
        // One attempt: this loop does its own retrying, and tree() must not wait on retries.
        const list = await this.client.list(path, { limit: listPageSize, ...(next ? { continue: next } : {}) }, signal, { retryForMs: 0 });
        for (const o of list.items) fresh.set(key({ kind: info.kind, name: o.metadata.name, namespace: o.metadata.namespace ?? '' }), summarize(info.kind, o));
        next = list.metadata.continue || undefined;
        version = list.metadata.resourceVersion;
      } while (next);
      for (const k of [...this.objects.keys()]) if (k.startsWith(prefix)) this.objects.delete(k);
      for (const [k, o] of fresh) this.objects.set(k, o);
      return version;
    };
    // Both edges of an outage are changes for the listener: the view says it may be stale, then not.
    const recovered = (): void => {
      if (failures > 0) {
        this.options.onRecovered?.(`following ${info.kind} again`);
        this.failing.delete(info.kind);
        this.changed();
      }
      failures = 0;
    };
    const failed = async (doing: string, err: unknown): Promise<void> => {
      const message = err instanceof Error ? err.message : String(err);
      if (failures === 0) {
        this.options.onError?.(`${doing} ${info.kind}: ${message} (retrying in the background)`);
        this.failing.set(info.kind, message);
        this.changed();
      }
      this.failing.set(info.kind, message);
      failures++;
      // Up to 8 s apart: an API server back from a restart is noticed within seconds.
      await sleep(backoffMs(failures, 8000), signal);
    };
    try {
      while (!signal.aborted) {
        if (rv === undefined) {
          try {
            rv = await relist();
            recovered();
            if (listedOnce) this.changed();
            listedOnce = true;
            firstTried();
          } catch (err) {
            if (signal.aborted) return;
            if (isKindNotServed(err) && !(await this.client.apiServerStarting(signal))) {
              this.failing.delete(info.kind);
              return; // this CRD is not installed
            }
            firstTried();
            await failed('listing', err);
            continue;
          }
        }
        // Each (re)start of a watch in its own event-loop turn: lists of many kinds and clusters
        // answer together, and their watches would all open in that one step.
        await startTurn();
        if (signal.aborted) return;
        const watchStarted = Date.now();
        try {
          await this.client.watch(
            path,
            { resourceVersion: rv },
            (ev) => {
              if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
              if (ev.type === 'BOOKMARK') return;
              const k = key({ kind: info.kind, name: ev.object.metadata.name, namespace: ev.object.metadata.namespace ?? '' });
              if (ev.type === 'DELETED') this.objects.delete(k);
              else this.objects.set(k, summarize(info.kind, ev.object));
              this.changed();
            },
            signal,
            recovered,
          );
          // The server ended the watch (its timeout, or shutting down): resume from rv, after
          // a pause if it ended at once, so a server that keeps closing watches is not hammered.
          if (Date.now() - watchStarted < 1000) await sleep(backoffMs(2), signal);
        } catch (err) {
          if (signal.aborted) return;
          if (err instanceof KubeApiError && err.status === 410) {
            rv = undefined; // the server no longer has our resourceVersion: list again
            continue;
          }
          await failed('watching', err);
        }
      }
    } finally {
      firstTried();
    }
  }
}
