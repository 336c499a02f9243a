/**
 * The cluster's Flux sources and their consumers, for a tree view: every source with
 * its status, revision and digest, and under it the Kustomizations and HelmReleases
 * that read it. `FluxInventory` keeps this live with one list+watch per kind and tells
 * its listener (debounced) when anything changed.
 */
import type { KubeClient, KubeObject } from './kubeClient';
import { isNotFound } from './kubeClient';
import { collectionPath, fluxKinds, type FluxKind, type FluxKindInfo, type ObjectRef } from './fluxKinds';
import { artifactDigest, condition, isSuspended, reportedRevision } from './fluxStatus';
import { sourceOf } from './reconcile';

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
  try {
    const src = sourceOf(obj, ref);
    if (src) out.sourceRef = src;
  } catch {
    /* a source kind we cannot reconcile still shows, just without a parent */
  }
  return out;
}

const key = (r: ObjectRef): string => `${r.kind}/${r.namespace}/${r.name}`;

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
  const order = (a: FluxTreeNode, b: FluxTreeNode): number => a.ref.namespace.localeCompare(b.ref.namespace) || a.ref.kind.localeCompare(b.ref.kind) || a.ref.name.localeCompare(b.ref.name);
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
  onError?: (message: string) => void;
}

/** List+watch of every Flux kind; `tree()` answers from memory. */
export class FluxInventory {
  private readonly objects = new Map<string, FluxObjectSummary>();
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly ready: Promise<void>;

  constructor(
    private readonly client: KubeClient,
    private readonly options: InventoryOptions,
  ) {
    this.ready = Promise.all(fluxKinds.map((k) => this.follow(k))).then(() => undefined);
  }

  /** Resolves once the first list of every kind arrived. */
  async tree(): Promise<FluxTreeNode[]> {
    await this.ready;
    return buildFluxTree(this.objects.values());
  }

  get size(): number {
    return this.objects.size;
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

  /** Lists a kind, then watches it in the background (resuming; re-listing on 410). */
  private async follow(info: FluxKindInfo): Promise<void> {
    const signal = this.controller.signal;
    const path = collectionPath(info);
    const relist = async (): Promise<string | undefined> => {
      const list = await this.client.list(path, undefined, signal);
      for (const k of [...this.objects.keys()]) if (k.startsWith(`${info.kind}/`)) this.objects.delete(k);
      for (const o of list.items) this.objects.set(key({ kind: info.kind, name: o.metadata.name, namespace: o.metadata.namespace ?? '' }), summarize(info.kind, o));
      return list.metadata.resourceVersion;
    };
    let rv: string | undefined;
    try {
      rv = await relist();
    } catch (err) {
      if (isNotFound(err)) return; // this CRD is not installed
      this.options.onError?.(`listing ${info.kind}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    void (async () => {
      let failures = 0;
      while (!signal.aborted) {
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
              failures = 0;
              this.changed();
            },
            signal,
          );
        } catch (err) {
          if (signal.aborted) return;
          if ((err as { status?: number }).status === 410) {
            rv = await relist().catch(() => rv);
            this.changed();
            continue;
          }
          failures++;
          this.options.onError?.(`watching ${info.kind}: ${err instanceof Error ? err.message : String(err)}`);
          await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** failures)));
        }
      }
    })();
  }
}
