/**
 * A small JSON client for the Kubernetes API: GET/PATCH/DELETE on paths and watches.
 * Flux objects are custom resources, so unstructured JSON is all we need; TLS, client
 * certificates, bearer tokens and exec plugins come from the kubeconfig through
 * @kubernetes/client-node (`applySecurityAuthentication`), requests go through undici.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { fetch, type Dispatcher } from 'undici';
import type { ClusterAccess } from './kubeConfig';

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    creationTimestamp?: string;
    managedFields?: unknown;
    [key: string]: unknown;
  };
  spec?: Record<string, any>;
  status?: Record<string, any>;
  [key: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** An answer from the API server that is not 2xx, with its Status message. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | undefined,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}

type Query = Record<string, string | number | boolean | undefined>;

export class KubeClient {
  /**
   * @kubernetes/client-node builds a new undici Agent for every request, so every request paid
   * a TCP+TLS handshake and left its own idle socket behind. The TLS material of a kubeconfig
   * without an exec plugin never changes, so one Agent (one connection pool) serves them all.
   */
  private sharedDispatcher: Dispatcher | undefined;
  private readonly dispatcherShareable: boolean;

  constructor(readonly access: ClusterAccess) {
    // Exec credential plugins may hand out client certificates that rotate: keep client-node's per-request Agent for them.
    this.dispatcherShareable = !access.config.getCurrentUser()?.exec;
  }

  get namespace(): string {
    return this.access.namespace;
  }

  get<T = KubeObject>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, signal });
  }

  list<T = KubeObject>(path: string, query?: Query, signal?: AbortSignal): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', path, { query, signal });
  }

  /** JSON merge patch (RFC 7386), as `flux reconcile/suspend/resume` send. */
  mergePatch<T = KubeObject>(path: string, patch: unknown, query?: Query): Promise<T> {
    return this.request<T>('PATCH', path, { query, body: JSON.stringify(patch), contentType: 'application/merge-patch+json' });
  }

  /** Server-side apply of one object (JSON is YAML) under a field manager. */
  apply<T = KubeObject>(path: string, object: unknown, fieldManager: string, options: { dryRun?: boolean; force?: boolean } = {}): Promise<T> {
    return this.request<T>('PATCH', path, {
      query: { fieldManager, force: options.force ?? true, ...(options.dryRun ? { dryRun: 'All' } : {}) },
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
    });
  }

  delete<T = KubeObject>(path: string, query?: Query): Promise<T> {
    return this.request<T>('DELETE', path, { query });
  }

  async request<T>(method: 'GET' | 'PATCH' | 'DELETE' | 'POST' | 'PUT', path: string, options: { query?: Query; body?: string; contentType?: string; signal?: AbortSignal } = {}): Promise<T> {
    const { url, headers, dispatcher } = await this.prepare(method, path, options.query);
    if (options.contentType) headers['content-type'] = options.contentType;
    let res;
    try {
      res = await fetch(url, { method, headers, body: options.body, dispatcher, signal: options.signal ?? null });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new KubeApiError(`cannot reach the API server ${this.access.server} (context "${this.access.context}"): ${describeNetworkError(err)}`, 0, undefined);
    }
    const text = await res.text();
    if (res.status < 200 || res.status > 299) throw apiError(res.status, text, method, path);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * Streams watch events of a collection until `signal` aborts, the server closes the
   * watch (resolves) or it fails (rejects). Callers reconnect from the last resourceVersion.
   */
  async watch<T = KubeObject>(path: string, query: Query, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const { url, headers, dispatcher } = await this.prepare('GET', path, { ...query, watch: true, allowWatchBookmarks: true });
    let res;
    try {
      res = await fetch(url, { method: 'GET', headers, dispatcher, signal });
    } catch (err) {
      if (signal.aborted) return;
      throw new KubeApiError(`cannot watch ${path} on ${this.access.server}: ${describeNetworkError(err)}`, 0, undefined);
    }
    if (res.status !== 200) throw apiError(res.status, await res.text(), 'WATCH', path);
    if (!res.body) return;
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    const lines = createInterface({ input: body, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === 'ERROR') {
          const status = event.object as unknown as { code?: number; message?: string; reason?: string };
          throw new KubeApiError(status.message ?? 'watch error', status.code ?? 500, status.reason);
        }
        onEvent(event);
      }
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    } finally {
      body.destroy();
    }
  }

  private async prepare(method: string, path: string, query?: Query): Promise<{ url: string; headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    const url = new URL(this.access.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), method as HttpMethod);
    await this.access.config.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = { accept: 'application/json', ...ctx.getHeaders() };
    let dispatcher = ctx.getDispatcher() as Dispatcher | undefined;
    if (this.dispatcherShareable && dispatcher) dispatcher = this.sharedDispatcher ??= dispatcher;
    return { url: ctx.getUrl(), headers, dispatcher };
  }
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the cluster running and the kubeconfig current?)';
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}

function apiError(status: number, text: string, method: string, path: string): KubeApiError {
  let message = text.trim().slice(0, 500);
  let reason: string | undefined;
  try {
    const s = JSON.parse(text) as { message?: string; reason?: string };
    if (s.message) message = s.message;
    reason = s.reason;
  } catch {
    /* not a Status object */
  }
  const hint =
    status === 401
      ? ' (the kubeconfig credentials were rejected: log in again or check the user of this context)'
      : status === 403
        ? ' (the kubeconfig user lacks RBAC permission for this)'
        : '';
  return new KubeApiError(`${method} ${path}: ${message || `HTTP ${status}`}${hint}`, status, reason);
}
