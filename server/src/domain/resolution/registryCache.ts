/**
 * The only way live resolution reaches registries. Per repository it keeps the
 * tag list and per reference the artifact facts, each with a TTL (artifacts by
 * digest never change, so they are kept until evicted); concurrent asks for
 * the same thing share one request; traffic goes through a RequestLimiter;
 * failures are remembered briefly so a broken registry is not hammered.
 * `refresh()` forgets everything and cancels what is in flight; offline mode
 * refuses all traffic.
 */
import type { RegistryClient } from '../oci/registry/client';
import type { CredentialSource } from '../oci/registry/auth/credential';
import type { Provider } from '../oci/registry/auth/cloudProviders';
import { openRegistry } from '../oci/registry/access';
import { RegistryError, isRegistryError } from '../oci/registry/errors';
import { resolveArtifact } from '../oci/operations/resolveArtifact';
import type { RepositoryReference } from '../oci/reference';
import { RequestLimiter } from './requestLimiter';
import { isDigestReference } from '../digest/digest';
import { NetworkGate, type OfflineError } from './networkGate';
import type { ArtifactFacts } from './resolution';

export interface RepositoryTarget extends RepositoryReference {
  insecure?: boolean;
  provider?: Provider;
}

/** What resolution needs from a registry; RegistryCache is the real one. */
export interface RepositoryReader {
  tags(repo: RepositoryTarget): Promise<string[]>;
  /** Facts of a tag or digest; undefined when the registry does not have it. */
  artifact(repo: RepositoryTarget, reference: string): Promise<ArtifactFacts | undefined>;
}

export interface RegistryCacheOptions {
  /** Credentials the editor handed over; tried before docker config. */
  session?: CredentialSource;
  env?: NodeJS.ProcessEnv;
  /** How long a tag list or tag→digest answer is trusted. */
  ttlMs?: number;
  /** How long a failure is remembered before asking again. */
  errorTtlMs?: number;
  /** A registry silent for this long counts as unreachable. */
  timeoutMs?: number;
  concurrency?: number;
  perRegistry?: number;
  /** Entries kept before the oldest are evicted. */
  maxEntries?: number;
  /**
   * Only talk to registries on loopback (default: env FLUX_OCI_REGISTRY_LOOPBACK_ONLY=1). The test
   * suite sets it so servers opening real-world files never reach out to ghcr.io and friends.
   */
  loopbackOnly?: boolean;
  log?: (message: string) => void;
}

interface Entry<T> {
  at: number;
  ttl: number;
  value?: T;
  error?: unknown;
  pending?: Promise<T>;
  generation: number;
}

export class RegistryCache implements RepositoryReader {
  private readonly options: RegistryCacheOptions;
  private readonly limiter: RequestLimiter;
  private readonly entries = new Map<string, Entry<unknown>>();
  private readonly clients = new Map<string, RegistryClient>();
  private controller = new AbortController();
  private generation = 0;
  /** Offline and loopback-only rules, shared with everything else the editor sends out. */
  readonly gate: NetworkGate;
  /** Requests sent since start (tags lists and manifests), for tests and the bench. */
  requests = 0;

  constructor(options: RegistryCacheOptions = {}) {
    this.options = options;
    this.gate = new NetworkGate({
      ...(options.env ? { env: options.env } : {}),
      ...(options.loopbackOnly !== undefined ? { loopbackOnly: options.loopbackOnly } : {}),
    });
    this.limiter = new RequestLimiter({ total: options.concurrency ?? 4, perRegistry: options.perRegistry ?? 2 });
  }

  setOffline(offline: boolean): void {
    if (offline === this.gate.offline) return;
    this.gate.offline = offline;
    if (offline) this.refresh();
  }

  get isOffline(): boolean {
    return this.gate.offline;
  }

  /**
   * Forgets every answer, cancels requests in flight and those waiting for a slot
   * (each rejects with a `cancelled` RegistryError), drops connections and tokens.
   */
  refresh(): void {
    this.generation++;
    const cancelled = new RegistryError('cancelled by a refresh', { code: 'cancelled' });
    this.controller.abort(cancelled);
    this.limiter.cancelWaiting(cancelled);
    this.controller = new AbortController();
    this.entries.clear();
    const old = [...this.clients.values()];
    this.clients.clear();
    for (const c of old) void c.close().catch(() => undefined);
    this.limiter.reset();
  }

  /** Cancels everything in flight or waiting and closes connections (server shutdown). */
  async close(): Promise<void> {
    this.generation++;
    const closed = new RegistryError('cancelled: the language server is shutting down', { code: 'cancelled' });
    this.controller.abort(closed);
    this.limiter.cancelWaiting(closed);
    this.entries.clear();
    await Promise.all([...this.clients.values()].map((c) => c.close().catch(() => undefined)));
    this.clients.clear();
  }

  tags(repo: RepositoryTarget): Promise<string[]> {
    return this.cached(
      `tags|${this.clientKey(repo)}|${repo.repository}`,
      this.options.ttlMs ?? 60_000,
      () => this.client(repo).listTags(repo.repository),
      repo.registry,
    );
  }

  artifact(repo: RepositoryTarget, reference: string): Promise<ArtifactFacts | undefined> {
    const ttl = isDigestReference(reference) ? Number.POSITIVE_INFINITY : (this.options.ttlMs ?? 60_000);
    return this.cached(`artifact|${this.clientKey(repo)}|${repo.repository}|${reference}`, ttl, () => this.fetchArtifact(repo, reference), repo.registry);
  }

  /**
   * Runs `work` with this repository's client under the same rules as every
   * other request (offline, loopback only, limiter, refresh) without caching
   * its answer: signature checks keep their own, per digest and policy.
   */
  withClient<T>(repo: RepositoryTarget, work: (client: RegistryClient) => Promise<T>): Promise<T> {
    const refused = this.refusal(repo.registry);
    if (refused) return Promise.reject(refused);
    const generation = this.generation;
    return this.limiter
      .run(
        repo.registry,
        () => {
          if (generation !== this.generation) return Promise.reject(new RegistryError('cancelled by a refresh', { code: 'cancelled' }));
          this.requests++;
          return work(this.client(repo));
        },
        this.controller.signal,
      )
      .then(
        (value) => {
          this.limiter.succeeded(repo.registry);
          return value;
        },
        (error: unknown) => {
          if (isRegistryError(error, 'network') || isRegistryError(error, 'timeout') || isRegistryError(error, 'tls')) this.dropClients(repo.registry);
          throw error;
        },
      );
  }

  /** The tag list if it is known and fresh, without asking the registry. */
  peekTags(repo: RepositoryTarget): string[] | undefined {
    return this.peek<string[]>(`tags|${this.clientKey(repo)}|${repo.repository}`);
  }

  peekArtifact(repo: RepositoryTarget, reference: string): ArtifactFacts | undefined {
    return this.peek<ArtifactFacts | undefined>(`artifact|${this.clientKey(repo)}|${repo.repository}|${reference}`);
  }

  private peek<T>(key: string): T | undefined {
    const e = this.entries.get(key) as Entry<T> | undefined;
    if (!e || e.pending || e.error !== undefined || Date.now() - e.at > e.ttl) return undefined;
    return e.value;
  }

  private async fetchArtifact(repo: RepositoryTarget, reference: string): Promise<ArtifactFacts | undefined> {
    const client = this.client(repo);
    try {
      const ref = isDigestReference(reference) ? { ...repo, digest: reference } : { ...repo, tag: reference };
      const r = await resolveArtifact(client, ref);
      const layers = r.manifest.layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest }));
      const size = (r.manifest.config?.size ?? 0) + layers.reduce((n, l) => n + (l.size > 0 ? l.size : 0), 0);
      return {
        digest: r.digest,
        mediaType: r.manifest.mediaType ?? '',
        manifestDigest: r.manifestDigest,
        size,
        layers,
        ...(r.created !== undefined ? { created: r.created } : {}),
        ...(r.source !== undefined ? { source: r.source } : {}),
        ...(r.revision !== undefined ? { revision: r.revision } : {}),
      };
    } catch (err) {
      if (isRegistryError(err, 'not-found')) return undefined;
      throw err;
    }
  }

  private cached<T>(key: string, ttl: number, load: () => Promise<T>, registry: string): Promise<T> {
    const refused = this.refusal(registry);
    if (refused) return Promise.reject(refused);
    const now = Date.now();
    const e = this.entries.get(key) as Entry<T> | undefined;
    if (e?.pending) return e.pending;
    if (e && now - e.at <= e.ttl) {
      // Re-insert so the map's order is least recently used first.
      this.entries.delete(key);
      this.entries.set(key, e as Entry<unknown>);
      return e.error !== undefined ? Promise.reject(e.error) : Promise.resolve(e.value as T);
    }
    const generation = this.generation;
    const entry: Entry<T> = { at: now, ttl, generation };
    const pending = this.limiter
      .run(
        registry,
        () => {
          if (generation !== this.generation) return Promise.reject(new RegistryError('cancelled by a refresh', { code: 'cancelled' }));
          this.requests++;
          return load();
        },
        this.controller.signal,
      )
      .then(
        (value) => {
          this.limiter.succeeded(registry);
          if (generation === this.generation) this.store(key, { at: Date.now(), ttl, value, generation });
          return value;
        },
        (error: unknown) => {
          if (isRegistryError(error, 'rate-limited')) this.limiter.rateLimited(registry);
          // A client whose first contact failed keeps that failure (scheme detection is cached): start afresh next time.
          if (isRegistryError(error, 'network') || isRegistryError(error, 'timeout') || isRegistryError(error, 'tls')) this.dropClients(registry);
          if (generation === this.generation) this.store(key, { at: Date.now(), ttl: this.options.errorTtlMs ?? 15_000, error, generation });
          throw error;
        },
      );
    entry.pending = pending;
    this.entries.set(key, entry as Entry<unknown>);
    return pending;
  }

  /** Why no request may go to this registry now, if so. */
  private refusal(registry: string): OfflineError | undefined {
    return this.gate.refusal(registry);
  }

  private store<T>(key: string, entry: Entry<T>): void {
    this.entries.delete(key);
    this.entries.set(key, entry as Entry<unknown>);
    const max = this.options.maxEntries ?? 5_000;
    for (const k of this.entries.keys()) {
      if (this.entries.size <= max) break;
      if (!this.entries.get(k)?.pending) this.entries.delete(k);
    }
  }

  private dropClients(registry: string): void {
    for (const [key, c] of this.clients) {
      if (!key.startsWith(`${registry}|`)) continue;
      this.clients.delete(key);
      void c.close().catch(() => undefined);
    }
  }

  private clientKey(repo: RepositoryTarget): string {
    return `${repo.registry}|${repo.insecure ? 'insecure' : ''}|${repo.provider ?? 'generic'}`;
  }

  private client(repo: RepositoryTarget): RegistryClient {
    const key = this.clientKey(repo);
    let c = this.clients.get(key);
    if (!c) {
      c = openRegistry(repo.registry, {
        // The editor's log-ins, then the docker config; a cloud provider's login only when they have none (facts §c.4).
        ...(this.options.session ? { session: this.options.session } : {}),
        ...(repo.provider ? { provider: repo.provider, providerAfterStatic: true } : {}),
        ...(repo.insecure ? { insecure: true } : {}),
        env: this.options.env ?? process.env,
        signal: this.controller.signal,
        idleTimeoutMs: this.options.timeoutMs ?? 10_000,
        // An editor would rather show "unreachable" soon than wait through long retries.
        retry: { retries: 1, baseDelayMs: 300, maxDelayMs: 2_000, maxRetryAfterMs: 5_000 },
        userAgent: 'flux-oci-language-server',
      });
      this.clients.set(key, c);
    }
    return c;
  }
}
