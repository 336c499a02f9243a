/**
 * The only way the editor lists Buckets, with the same rules as RegistryCache: every
 * request passes the network gate (offline, loopback-only under tests), listings run
 * through a RequestLimiter (one per endpoint, two at once), answers are kept for a TTL and
 * failures for a shorter one, concurrent asks for the same listing share one, and
 * `refresh()` forgets everything and cancels what is in flight.
 */
import { NetworkGate } from '../networkGate';
import { RequestLimiter } from '../requestLimiter';
import { bucketListingKey, type BucketSpec } from './bucketSpec';
import { BucketError, listBucket, type BucketListing } from './bucketLister';
import type { BucketCredentials } from './bucketCredentials';

export interface BucketCacheOptions {
  gate?: NetworkGate;
  ttlMs?: number;
  errorTtlMs?: number;
  timeoutMs?: number;
  maxObjects?: number;
}

interface Entry {
  at: number;
  listing?: BucketListing;
  error?: BucketError;
  pending?: Promise<BucketListing>;
  generation: number;
}

export class BucketCache {
  readonly gate: NetworkGate;
  private readonly limiter = new RequestLimiter({ total: 2, perRegistry: 1 });
  private readonly entries = new Map<string, Entry>();
  private controller = new AbortController();
  private generation = 0;
  private readonly listeners: ((spec: BucketSpec) => void)[] = [];
  /** Requests sent since start, for tests. */
  requests = 0;

  constructor(private readonly options: BucketCacheOptions = {}) {
    this.gate = options.gate ?? new NetworkGate();
  }

  onListed(listener: (spec: BucketSpec) => void): void {
    this.listeners.push(listener);
  }

  /** The listing known now (possibly stale), or the remembered failure; never waits. */
  peek(spec: BucketSpec): { listing?: BucketListing; error?: BucketError } | undefined {
    const e = this.entries.get(bucketListingKey(spec));
    if (!e || (!e.listing && !e.error)) return undefined;
    return { ...(e.listing ? { listing: e.listing } : {}), ...(e.error ? { error: e.error } : {}) };
  }

  isPending(spec: BucketSpec): boolean {
    return !!this.entries.get(bucketListingKey(spec))?.pending;
  }

  /** A fresh-enough listing, starting one when needed; shared by concurrent callers. */
  list(
    spec: BucketSpec,
    credentials: BucketCredentials,
    options: { force?: boolean; tls?: { ca?: string; cert?: string; key?: string } } = {},
  ): Promise<BucketListing> {
    const key = bucketListingKey(spec);
    const now = Date.now();
    const e = this.entries.get(key);
    if (e?.pending) return e.pending;
    if (!options.force && e?.listing && now - e.at < (this.options.ttlMs ?? 5 * 60_000)) return Promise.resolve(e.listing);
    if (!options.force && e?.error && now - e.at < (this.options.errorTtlMs ?? 30_000)) return Promise.reject(e.error);
    const refusal = this.gate.refusal(spec.endpoint);
    if (refusal) return Promise.reject(new BucketError(refusal.message.replace('registry lookups are', 'bucket listings are'), 'offline'));
    const generation = this.generation;
    const signal = this.controller.signal;
    const entry: Entry = { at: now, generation, ...(e?.listing ? { listing: e.listing } : {}) };
    const pending = this.limiter
      .run(
        spec.endpoint,
        () =>
          listBucket(spec, credentials, {
            gate: this.gate,
            signal,
            onRequest: () => this.requests++,
            ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
            ...(this.options.maxObjects ? { maxObjects: this.options.maxObjects } : {}),
            ...(options.tls ? { tls: options.tls } : {}),
          }),
        signal,
      )
      .then(
        (listing) => {
          if (generation === this.generation) {
            this.entries.set(key, { at: Date.now(), listing, generation });
            for (const l of this.listeners) l(spec);
          }
          return listing;
        },
        (err: unknown) => {
          const error = err instanceof BucketError ? err : new BucketError(String((err as Error)?.message ?? err), 'cancelled');
          if (generation === this.generation && error.code !== 'cancelled') {
            this.entries.set(key, { at: Date.now(), error, generation });
            for (const l of this.listeners) l(spec);
          } else if (generation === this.generation) this.entries.delete(key);
          throw error;
        },
      );
    entry.pending = pending;
    this.entries.set(key, entry);
    pending.catch(() => undefined);
    return pending;
  }

  /** Forgets every listing and cancels those in flight or waiting. */
  refresh(): void {
    this.generation++;
    const cancelled = new BucketError('cancelled by a refresh', 'cancelled');
    this.controller.abort(cancelled);
    this.limiter.cancelWaiting(cancelled);
    this.controller = new AbortController();
    this.entries.clear();
    this.limiter.reset();
  }

  close(): void {
    this.refresh();
  }
}
