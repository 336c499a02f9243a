/**
 * The cluster as the source of truth for schemas: the CustomResourceDefinitions
 * of a kube context (Flux's decide the release; other groups', such as Flux Operator's
 * FluxInstance and ResourceSet, add their kinds), read with the shared KubeClient, kept current with a watch, so
 * validation and completion follow a CRD that is installed, patched or removed
 * without a restart. One cache per context.
 */
import type { KubeClient, KubeList, KubeObject } from './kubeClient';
import { closestBundledSchemaSet, fluxVersionOfCrd, isCrd, isFluxCrd, newestSchemaSet, schemaSetFromCrds, type CrdObject } from '../schema/schemaSet';
import type { SchemaChoice } from '../workspace/fluxVersion';

const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Lists the CRDs of the cluster (every group: Flux's and the kinds other projects add). */
export async function readCrds(client: KubeClient, signal?: AbortSignal): Promise<{ crds: CrdObject[]; resourceVersion: string | undefined }> {
  const list = await client.list<KubeObject>(crdPath, undefined, signal);
  // items of a list carry no kind of their own
  return {
    crds: list.items.map(asCrd).filter(isCrd),
    resourceVersion: (list as KubeList & { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion,
  };
}

/** The schema choice of a context's CRDs; undefined when the cluster has no Flux CRD at all. */
export function clusterSchemaChoice(crds: readonly CrdObject[], context: string): SchemaChoice | undefined {
  const flux = crds.filter(isFluxCrd);
  if (!flux.length) return undefined;
  const all = crds.filter(isCrd);
  const version = flux.map(fluxVersionOfCrd).find((v) => v !== undefined);
  const base = version ? closestBundledSchemaSet(version) : newestSchemaSet();
  const label = version ? `Flux ${version.replace(/^v?(\d+\.\d+).*$/, '$1')}` : `the cluster's Flux CRDs`;
  return { set: schemaSetFromCrds(all, base, label), reason: `CRDs of kube context ${context}` };
}

export interface ClusterSchemasOptions {
  /** Called when the choice changed (a Flux CRD was added, changed or removed), or reading it first failed. */
  onChange: (choice: SchemaChoice | undefined) => void;
  log?: (message: string) => void;
}

/**
 * Reads a context's Flux CRDs and watches them. `current` is what validation uses
 * now; until the first read it is undefined (the caller falls back to the
 * workspace's choice), and a cluster that cannot be reached keeps the last good set.
 */
export class ClusterSchemas {
  private choice: SchemaChoice | undefined;
  private readonly crds = new Map<string, CrdObject>();
  private readonly abort = new AbortController();
  private firstRead: Promise<void>;
  private specKey: string | undefined;
  error: string | undefined;

  constructor(
    readonly client: KubeClient,
    private readonly options: ClusterSchemasOptions,
  ) {
    this.firstRead = this.run();
  }

  get context(): string {
    return this.client.access.context;
  }

  get current(): SchemaChoice | undefined {
    return this.choice;
  }

  /** Resolves after the first read (successful or not). */
  ready(): Promise<void> {
    return this.firstRead;
  }

  close(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let resourceVersion: string | undefined;
    let attempt = 0;
    let resolveFirst: () => void = () => undefined;
    const firstPromise = new Promise<void>((r) => (resolveFirst = r));
    const first = { resolve: () => resolveFirst(), promise: firstPromise };
    void (async () => {
      while (!signal.aborted) {
        try {
          if (!resourceVersion) {
            const read = await readCrds(this.client, signal);
            this.crds.clear();
            for (const c of read.crds) this.crds.set(c.metadata?.name ?? '', c);
            resourceVersion = read.resourceVersion;
            this.error = undefined;
            this.update();
            first.resolve();
          }
          const watching = Date.now();
          await this.client.watch<KubeObject>(
            crdPath,
            { resourceVersion: resourceVersion ?? '' },
            (ev) => {
              const obj = asCrd(ev.object) as CrdObject & { metadata?: { resourceVersion?: string } };
              if (obj?.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
              if ((ev.type as string) === 'BOOKMARK') return;
              if ((ev.type as string) === 'ERROR') {
                resourceVersion = undefined; // expired: list again
                return;
              }
              const name = obj?.metadata?.name ?? '';
              const had = this.crds.has(name);
              if (ev.type === 'DELETED') this.crds.delete(name);
              else if (isCrd(obj)) this.crds.set(name, obj);
              else return;
              if (had || isCrd(obj)) this.update();
            },
            signal,
          );
          attempt = 0;
          // a watch the server ends at once (no events) must not turn into a busy loop
          if (Date.now() - watching < 1000) await pause(1000, signal);
        } catch (err) {
          if (signal.aborted) break;
          const message = err instanceof Error ? err.message : String(err);
          const firstFailure = !this.error;
          if (firstFailure) this.options.log?.(`schemas from cluster (${this.context}): ${message}`);
          this.error = message;
          // the caller says why the cluster's schemas are not in use
          if (firstFailure) this.options.onChange(this.choice);
          first.resolve();
          // list again after a failure: the watch may have missed events (or its resourceVersion expired)
          resourceVersion = undefined;
          await pause(Math.min(30_000, 500 * 2 ** Math.min(++attempt, 6)), signal);
        }
      }
      first.resolve();
    })();
    return first.promise;
  }

  private update(): void {
    // CRD status updates (conditions, accepted names) come as MODIFIED too: only a change of the specs makes a new set
    const key = JSON.stringify(
      [...this.crds.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, c]) => [name, c.spec, c.metadata?.labels?.['app.kubernetes.io/version']]),
    );
    if (key === this.specKey) return;
    this.specKey = key;
    const before = this.choice?.set;
    this.choice = clusterSchemaChoice([...this.crds.values()], this.context);
    if (this.choice?.set !== before) this.options.onChange(this.choice);
  }
}

function asCrd(o: KubeObject): CrdObject {
  return { ...(o as CrdObject), kind: 'CustomResourceDefinition' };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
