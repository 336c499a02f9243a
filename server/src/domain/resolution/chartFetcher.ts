/**
 * Fetches the Helm chart an OCI source resolves to and reads what it says about its values
 * (validation/chartValues), for values help in the editor. The source is resolved by the
 * ResolutionService (source-controller's rules) and the chart layer downloaded through the
 * same RegistryCache, so the offline switch, loopback-only mode, the request limiter and the
 * editor's credentials apply. The layer is the one Flux takes (`layerSelector.mediaType`,
 * else the first), digest-checked while it streams, read in memory with size caps
 * (oci/artifact/chartArchive) and kept by digest. Anything that goes wrong is a reason to
 * show on hover, never an error.
 */
import { MediaType } from '../oci/mediaTypes';
import { ArtifactError } from '../oci/artifact/artifactError';
import { readChartArchive, defaultChartLimits, type ChartArchiveLimits } from '../oci/artifact/chartArchive';
import { isRegistryError } from '../oci/registry/errors';
import { chartValuesOf, type ChartValues } from '../validation/chartValues';
import type { OciSourceSpec } from './ociSourceSpec';
import type { ResolutionService } from './resolutionService';
import type { RepositoryTarget } from './registryCache';
import type { Resolution } from './resolution';
import { OfflineError } from './networkGate';
import { short } from './resolveOciSource';
import { repositoryTargetOf } from './ociSourceSpec';

export type ChartState =
  | { state: 'ready'; chart: ChartValues; layerDigest: string; reference: string }
  | { state: 'unavailable'; reason: string; offline?: boolean }
  | { state: 'resolving' };

export interface ChartFetcherOptions {
  limits?: ChartArchiveLimits;
  /** Charts kept in memory (by layer digest). */
  maxCharts?: number;
  /** How long a failed download is remembered before trying again. */
  errorTtlMs?: number;
}

interface Held {
  at: number;
  state?: ChartState;
  pending?: Promise<ChartState>;
  transient: boolean;
}

export class ChartFetcher {
  private readonly byDigest = new Map<string, Held>();
  private readonly listeners = new Set<() => void>();
  private readonly limits: ChartArchiveLimits;

  constructor(
    private readonly service: ResolutionService,
    private readonly options: ChartFetcherOptions = {},
  ) {
    this.limits = options.limits ?? defaultChartLimits;
  }

  /** Called whenever a chart was read (or failed for good), so diagnostics can be republished. */
  onLoaded(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What is known now, without waiting; undefined when nothing was asked yet. */
  /** `valuesFiles`: a HelmChart's values files, which replace values.yaml (see chartValuesOf). */
  peek(spec: OciSourceSpec, valuesFiles?: readonly string[]): ChartState | undefined {
    if (this.service.offline) return offline();
    const r = this.service.peek(spec);
    if (!r) return this.service.isPending(spec) ? { state: 'resolving' } : undefined;
    const picked = pickLayer(spec, r);
    if ('state' in picked) return picked;
    const held = this.byDigest.get(keyOf(picked.digest, valuesFiles));
    if (held?.pending) return { state: 'resolving' };
    // A failure that may pass (unreachable, a refresh) is not an answer once it is old: ask again.
    if (held?.state && !(held.transient && this.expired(held))) return held.state;
    return undefined;
  }

  /** Resolves the source and reads its chart (shared by every caller; kept by digest). */
  async request(spec: OciSourceSpec, valuesFiles?: readonly string[]): Promise<ChartState> {
    if (this.service.offline) return offline();
    let r = await this.service.request(spec);
    // A resolution cut short by a refresh (new credentials, the refresh command) is not kept: ask again.
    if (!r.ok && r.registryProblem && !this.service.peek(spec) && !this.service.offline) r = await this.service.request(spec);
    const picked = pickLayer(spec, r);
    if ('state' in picked) return picked;
    const now = Date.now();
    const key = keyOf(picked.digest, valuesFiles);
    const held = this.byDigest.get(key);
    if (held?.pending) return held.pending;
    if (held?.state && !(held.transient && this.expired(held))) {
      this.byDigest.delete(key);
      this.byDigest.set(key, held);
      return held.state;
    }
    const entry: Held = { at: now, transient: false };
    entry.pending = this.load(spec, picked, valuesFiles, r.ok ? `${r.repository}${r.tag ? `:${r.tag}` : ''}@${short(r.digest)}` : '').then(
      ({ state, transient, retry }) => {
        if (retry) {
          // Cancelled (a refresh, new credentials): nothing learnt, the next ask starts afresh.
          if (this.byDigest.get(key) === entry) this.byDigest.delete(key);
          return state;
        }
        entry.state = state;
        entry.transient = transient;
        entry.at = Date.now();
        delete entry.pending;
        this.evict();
        for (const l of this.listeners) l();
        return state;
      },
    );
    this.byDigest.set(key, entry);
    return entry.pending;
  }

  /** Forgets failed downloads (the refresh command); charts by digest never change. */
  refresh(): void {
    for (const [k, h] of this.byDigest) if (h.transient && !h.pending) this.byDigest.delete(k);
  }

  private expired(held: Held): boolean {
    return Date.now() - held.at >= (this.options.errorTtlMs ?? 15_000);
  }

  private async load(
    spec: OciSourceSpec,
    layer: { digest: string; size: number },
    valuesFiles: readonly string[] | undefined,
    reference: string,
  ): Promise<{ state: ChartState; transient: boolean; retry?: boolean }> {
    let target: RepositoryTarget;
    try {
      target = repositoryTargetOf(spec);
    } catch (e) {
      return { state: { state: 'unavailable', reason: String(e instanceof Error ? e.message : e) }, transient: false };
    }
    if (layer.size > this.limits.maxCompressedBytes) {
      return {
        state: {
          state: 'unavailable',
          reason: `the chart archive is ${layer.size} bytes, more than the ${this.limits.maxCompressedBytes} bytes values help downloads`,
        },
        transient: false,
      };
    }
    try {
      const files = await this.service.cache.withClient(target, async (client) =>
        readChartArchive(await client.openBlob(target.repository, layer), this.limits, 0, valuesFiles ?? []),
      );
      const chart = chartValuesOf(files, valuesFiles);
      if (!chart.hasValues && !chart.hasSchema) {
        return {
          state: { state: 'unavailable', reason: `the chart ${chart.name || reference} has neither values.schema.json nor values.yaml` },
          transient: false,
        };
      }
      return { state: { state: 'ready', chart, layerDigest: layer.digest, reference }, transient: false };
    } catch (e) {
      if (e instanceof OfflineError) return { state: offline(e.message), transient: true, retry: true };
      if (isRegistryError(e, 'cancelled')) return { state: { state: 'resolving' }, transient: true, retry: true };
      if (e instanceof ArtifactError) return { state: { state: 'unavailable', reason: e.message }, transient: false };
      const message = e instanceof Error ? e.message : String(e);
      const transient = !isRegistryError(e, 'digest-mismatch');
      return { state: { state: 'unavailable', reason: `the chart could not be downloaded: ${message}` }, transient };
    }
  }

  private evict(): void {
    const max = this.options.maxCharts ?? 32;
    for (const k of this.byDigest.keys()) {
      if (this.byDigest.size <= max) break;
      if (!this.byDigest.get(k)?.pending) this.byDigest.delete(k);
    }
  }
}

/** Charts are kept by layer digest and the values files that make their defaults. */
function keyOf(digest: string, valuesFiles: readonly string[] | undefined): string {
  return valuesFiles?.length ? `${digest}|${JSON.stringify(valuesFiles)}` : digest;
}

function offline(message = 'registry lookups are turned off (flux-oci.registry.offline)'): ChartState {
  return { state: 'unavailable', reason: message, offline: true };
}

/** The layer Flux hands to helm-controller, or why there is no chart to read. */
function pickLayer(spec: OciSourceSpec, r: Resolution): { digest: string; size: number } | ChartState {
  if (!r.ok) {
    if (r.reason === 'offline') return offline(r.message);
    return { state: 'unavailable', reason: r.registryProblem ? r.message : `the chart source does not resolve: ${r.message}` };
  }
  const layers = r.artifact.layers;
  const layer = spec.layerMediaType ? layers.find((l) => l.mediaType === spec.layerMediaType) : layers[0];
  if (!layer) {
    return spec.layerMediaType
      ? {
          state: 'unavailable',
          reason: `the artifact has no layer of media type ${spec.layerMediaType} (it has ${layers.map((l) => l.mediaType).join(', ') || 'none'})`,
        }
      : { state: 'unavailable', reason: 'the artifact has no layers' };
  }
  if (layer.mediaType === MediaType.helmChartProvenance) {
    return {
      state: 'unavailable',
      reason: `Flux takes the first layer, which is the chart's provenance file (${layer.mediaType}), not the chart: set spec.layerSelector.mediaType to ${MediaType.helmChartContent} on the OCIRepository`,
    };
  }
  if (layer.mediaType === MediaType.helmConfig || /\+json$|\.prov$/.test(layer.mediaType)) {
    return { state: 'unavailable', reason: `the layer Flux takes (${layer.mediaType}) is not a chart archive` };
  }
  return { digest: layer.digest, size: layer.size };
}
