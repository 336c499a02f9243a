/**
 * Resolutions per OCIRepository spec, on top of the RegistryCache: callers
 * `peek` synchronously (what the editor can show right now) and `request` one
 * in the background; listeners hear when a resolution arrives so an editor
 * can republish diagnostics and refresh inlay hints. Nothing here ever blocks
 * on the network.
 */
import { RegistryCache, type RegistryCacheOptions } from './registryCache';
import { resolveOciSource } from './resolveOciSource';
import { specKey, type OciSourceSpec } from './ociSourceSpec';
import type { Resolution } from './resolution';

interface Held {
  resolution?: Resolution;
  at: number;
  pending?: Promise<Resolution>;
  generation: number;
}

export class ResolutionService {
  readonly cache: RegistryCache;
  private readonly held = new Map<string, Held>();
  private readonly listeners = new Set<(spec: OciSourceSpec, r: Resolution) => void>();
  private readonly ttlMs: number;
  private generation = 0;

  constructor(options: RegistryCacheOptions = {}) {
    this.cache = new RegistryCache(options);
    this.ttlMs = options.ttlMs ?? 60_000;
  }

  onResolved(listener: (spec: OciSourceSpec, r: Resolution) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The last resolution of this spec, fresh or not, or undefined if never resolved. `key`: the
   * spec's `specKey` when the caller keeps it (the fleet view asks for thousands of placements).
   */
  peek(spec: OciSourceSpec, key = specKey(spec)): Resolution | undefined {
    return this.held.get(key)?.resolution;
  }

  isPending(spec: OciSourceSpec, key = specKey(spec)): boolean {
    return this.held.get(key)?.pending !== undefined;
  }

  /** Resolves in the background unless a fresh answer is held; the promise is shared by every caller. */
  request(spec: OciSourceSpec): Promise<Resolution> {
    const key = specKey(spec);
    const h = this.held.get(key);
    if (h?.pending) return h.pending;
    if (h?.resolution && Date.now() - h.at <= this.ttlFor(h.resolution)) return Promise.resolve(h.resolution);
    const generation = this.generation;
    const entry: Held = { at: Date.now(), generation, ...(h?.resolution ? { resolution: h.resolution } : {}) };
    entry.pending = resolveOciSource(spec, this.cache).then((resolution) => {
      if (generation === this.generation) {
        this.held.set(key, { resolution, at: Date.now(), generation });
        for (const l of this.listeners) l(spec, resolution);
      }
      return resolution;
    });
    this.held.set(key, entry);
    return entry.pending;
  }

  setOffline(offline: boolean): void {
    if (offline === this.cache.isOffline) return;
    this.cache.setOffline(offline);
    this.clear();
  }

  get offline(): boolean {
    return this.cache.isOffline;
  }

  /** Forgets every answer and cancels what is in flight (the "refresh" command). */
  refresh(): void {
    this.cache.refresh();
    this.clear();
  }

  async close(): Promise<void> {
    this.generation++;
    await this.cache.close();
  }

  private clear(): void {
    this.generation++;
    this.held.clear();
  }

  private ttlFor(r: Resolution): number {
    // A registry problem is retried sooner than a real answer expires.
    return !r.ok && r.registryProblem ? Math.min(this.ttlMs, 15_000) : this.ttlMs;
  }
}
