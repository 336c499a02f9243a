/**
 * A small JSON client for the Kubernetes API: GET/PATCH/DELETE on paths and watches.
 * Flux objects are custom resources, so unstructured JSON is all we need; TLS, client
 * certificates, bearer tokens and exec plugins come from the kubeconfig through
 * @kubernetes/client-node (`applySecurityAuthentication`), requests go through undici's request
 * API: not its fetch, whose module (with the rest of undici's index) cost every cluster command
 * ~20 ms of its start (issue 18).
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { gunzip } from 'node:zlib';
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Dispatcher } from 'undici';
import { flatHeaders } from '../oci/registry/sender';
import { Agent, requestTo } from '../oci/registry/undiciParts';
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

/** An answer from the API server that is not 2xx, with its Status message; status 0 when none came. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | undefined,
    /** The connection was refused: the request never reached a server. */
    readonly refused = false,
    /** Seconds from a Retry-After header (429, 503). */
    readonly retryAfterSeconds?: number,
    /** The Status's details; a 404 naming no object is a kind the server does not serve. */
    readonly details?: { name?: string; kind?: string },
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}

/** A 404 about the kind (no such resource served), not about one object. */
export function isKindNotServed(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404 && !err.details?.name;
}

/**
 * Failures that go away on their own: no answer (refused, reset, timed out: an API server
 * restarting or a flaky network), 429, 502-504 and any 5xx with Retry-After (an API server
 * starting, shutting down or overloaded). Watches and idempotent requests are retried on
 * these; other 5xx (a failing webhook, say) are reported at once, as client-go does.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return false;
  const s = err.status;
  return s === 0 || s === 429 || s === 502 || s === 503 || s === 504 || (s >= 500 && err.retryAfterSeconds !== undefined);
}

type Query = Record<string, string | number | boolean | undefined>;

export interface KubeClientOptions {
  /** Each attempt of a (non-watch) request gives up after this long. Default 30 s. */
  requestTimeoutMs?: number;
  /** How long an idempotent request keeps retrying transient failures. Default 45 s. */
  retryForMs?: number;
  /** Told once when requests start being retried, and once when the API server answers again. */
  onRetry?: (message: string) => void;
}

export interface RequestOptions {
  query?: Query;
  body?: string;
  contentType?: string;
  signal?: AbortSignal | undefined;
  /**
   * Whether sending the request twice is harmless. GET, server-side apply and our merge
   * patches (fixed values) are; a refused connection is retried for any method since
   * nothing reached the server.
   */
  idempotent?: boolean;
  /** Overrides the client's retry window (0: one attempt; for callers with their own retry loop). */
  retryForMs?: number;
}

/** An answer this long (a list page of a few hundred objects) is parsed in an event-loop turn of its own. */
const largeAnswerChars = 64 * 1024;
let turns: Promise<void> = Promise.resolve();
/**
 * The next free event-loop turn, one per caller in order: list pages of many clusters arriving
 * together were each parsed (and read by their caller) in one run of microtasks, and so were the
 * first answers of their watches (an HTTP/2 connection delivers many at once): steps of tens of
 * milliseconds for a language server following ten clusters.
 */
function ownTurn(): Promise<void> {
  const turn = turns.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  turns = turn;
  return turn;
}

export class KubeClient {
  /**
   * @kubernetes/client-node builds a new undici Agent for every request, so every request paid
   * a TCP+TLS handshake and left its own idle socket behind. The TLS material of a kubeconfig
   * without an exec plugin never changes, so one Agent (one connection pool) serves them all.
   */
  private sharedDispatcher: Promise<Dispatcher> | undefined;
  private readonly dispatcherShareable: boolean;
  /**
   * Headers of a user whose credentials never change (client certificate, static token or
   * password: no exec plugin, no auth provider), from the first request: client-node's
   * `applySecurityAuthentication` reads the CA, certificate and key files again (synchronously)
   * and builds an Agent for every request, and a fleet's watches and lists make hundreds.
   */
  private staticHeaders: Record<string, string> | undefined;
  private readonly authStatic: boolean;

  private readonly requestTimeoutMs: number;
  private readonly retryForMs: number;
  private readonly onRetry: ((message: string) => void) | undefined;
  /** Requests are being retried: the next success is worth saying. */
  private retrying = false;
  /**
   * The API server has answered this client before. Until it has, a connection failure is
   * most likely a wrong kubeconfig or a cluster that is not running, and is reported at once
   * (as kubectl does); after, it is an API server restarting or a network blip, and retried.
   */
  private reached = false;

  constructor(
    readonly access: ClusterAccess,
    options: KubeClientOptions = {},
  ) {
    // Exec credential plugins may hand out client certificates that rotate: keep client-node's per-request Agent for them.
    const user = access.config.getCurrentUser();
    this.dispatcherShareable = !user?.exec;
    this.authStatic = !user?.exec && !user?.authProvider;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.retryForMs = options.retryForMs ?? 45_000;
    this.onRetry = options.onRetry;
  }

  get namespace(): string {
    return this.access.namespace;
  }

  /**
   * Closes the connections this client keeps, so a one-shot user (the CLI) does not wait on
   * idle keep-alive sockets (a TLS handshake still pending ends at undici's connect timeout).
   */
  async close(): Promise<void> {
    const dispatcher = await this.sharedDispatcher;
    this.sharedDispatcher = undefined;
    await dispatcher?.destroy().catch(() => undefined);
  }

  get<T = KubeObject>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, signal });
  }

  list<T = KubeObject>(path: string, query?: Query, signal?: AbortSignal, options: { retryForMs?: number } = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', path, { query, signal, ...options });
  }

  /**
   * JSON merge patch (RFC 7386), as `flux reconcile/suspend/resume` send. Every patch we send
   * sets fixed values, so sending it twice changes nothing more: it is retried like a GET.
   */
  mergePatch<T = KubeObject>(path: string, patch: unknown, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('PATCH', path, { query, body: JSON.stringify(patch), contentType: 'application/merge-patch+json', signal, idempotent: true });
  }

  /** Server-side apply of one object (JSON is YAML) under a field manager; idempotent, so retried. */
  apply<T = KubeObject>(
    path: string,
    object: unknown,
    fieldManager: string,
    options: { dryRun?: boolean; force?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.request<T>('PATCH', path, {
      query: { fieldManager, force: options.force ?? true, ...(options.dryRun ? { dryRun: 'All' } : {}) },
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
      signal: options.signal,
      idempotent: true,
    });
  }

  delete<T = KubeObject>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('DELETE', path, { query, signal });
  }

  /**
   * One request, retried with backoff while the failure is transient (see `isTransient`)
   * and the request is idempotent, for at most `retryForMs`; each attempt is bounded by
   * `requestTimeoutMs`, the whole by `signal`. Connection failures are retried only once
   * the API server has answered this client (see `reached`).
   */
  async request<T>(method: 'GET' | 'PATCH' | 'DELETE' | 'POST' | 'PUT', path: string, options: RequestOptions = {}): Promise<T> {
    const idempotent = options.idempotent ?? method === 'GET';
    const started = Date.now();
    let last: KubeApiError | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.requestOnce<T>(method, path, options);
        if (this.retrying) {
          this.retrying = false;
          this.onRetry?.(`the API server ${this.access.server} answers again`);
        }
        return answer;
      } catch (err) {
        // Cut short by the caller (cancel, deadline): the last failure says more than "aborted".
        if (options.signal?.aborted) throw last ?? err;
        if (err instanceof KubeApiError && err.status === 0 && !this.reached) throw err;
        const refused = err instanceof KubeApiError && err.refused;
        // Right after it starts, the API server answers 404 for custom resources until its
        // CRD informer has synced: while /readyz says not ready, that 404 is transient too.
        const starting = idempotent && isKindNotServed(err) && (await this.apiServerStarting(options.signal));
        if (!(refused || starting || (idempotent && isTransient(err)))) throw err;
        last = err as KubeApiError;
        const delay = Math.max(backoffMs(attempt), retryAfterMs(err));
        const spent = Date.now() - started;
        if (spent + delay > (options.retryForMs ?? this.retryForMs)) {
          if (attempt === 1) throw err;
          throw new KubeApiError(
            `${(err as Error).message} (gave up after ${attempt} attempts in ${Math.round(spent / 1000)}s)`,
            (err as KubeApiError).status,
            (err as KubeApiError).reason,
          );
        }
        if (!this.retrying) {
          this.retrying = true;
          this.onRetry?.(`${(err as Error).message}; retrying`);
        }
        await sleep(delay, options.signal);
        if (options.signal?.aborted) throw err;
      }
    }
  }

  /** Whether the API server is up but says it is not ready yet (starting, or shutting down). */
  async apiServerStarting(signal?: AbortSignal): Promise<boolean> {
    try {
      await this.requestOnce('GET', '/readyz', { signal, raw: true });
      return false;
    } catch (err) {
      // /readyz answers 500 with the checks that are not done yet.
      return err instanceof KubeApiError && (err.status >= 500 || err.status === 0);
    }
  }

  private async requestOnce<T>(method: string, path: string, options: RequestOptions & { raw?: boolean }): Promise<T> {
    const { url, headers, dispatcher } = await this.prepare(method, path, options.query);
    if (options.contentType) headers['content-type'] = options.contentType;
    const attempt = AbortSignal.timeout(this.requestTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, attempt]) : attempt;
    let res;
    let text;
    try {
      // Large lists come gzipped, as they did to fetch (the API server compresses answers over 128 KiB).
      res = await send(dispatcher, url, { method, headers: { ...headers, 'accept-encoding': 'gzip' }, body: options.body, signal });
      text = await bodyText(res);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      const what = attempt.aborted ? `no answer within ${Math.round(this.requestTimeoutMs / 1000)}s` : describeNetworkError(err);
      throw new KubeApiError(
        `cannot reach the API server ${this.access.server} (context "${this.access.context}"): ${what}`,
        0,
        undefined,
        networkCode(err) === 'ECONNREFUSED',
      );
    }
    this.reached = true;
    if (res.statusCode < 200 || res.statusCode > 299) throw apiError(res.statusCode, text, method, path, flatHeaders(res.headers)['retry-after']);
    if (options.raw) return text as T;
    if (text.length > largeAnswerChars) await ownTurn();
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * Streams watch events of a collection until `signal` aborts, the server closes the
   * watch (resolves) or it fails (rejects with a KubeApiError; `isTransient` tells whether
   * to try again). Callers reconnect from the last resourceVersion. `onOpen` runs once the
   * server accepted the watch.
   *
   * The server ends the watch after `timeoutSeconds` (5 to 10 minutes, spread like
   * client-go's, so many watches do not reconnect at once); if the stream stays open past
   * that, the connection is dead without a reset (a frozen server, a dropped route) and
   * the watch is abandoned so the caller reconnects instead of waiting forever.
   */
  async watch<T = KubeObject>(path: string, query: Query, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    if (signal.aborted) return;
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const { url, headers, dispatcher } = await this.prepare('GET', path, { ...query, watch: true, allowWatchBookmarks: true, timeoutSeconds });
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let why: 'connect' | 'stale' | undefined;
    const connectTimer = setTimeout(() => ((why = 'connect'), ctl.abort()), this.requestTimeoutMs);
    const staleTimer = setTimeout(() => ((why = 'stale'), ctl.abort()), (timeoutSeconds + 30) * 1000);
    const cannot = (err: unknown): KubeApiError =>
      new KubeApiError(
        `cannot watch ${path} on ${this.access.server} (context "${this.access.context}"): ${why === 'connect' ? `no answer within ${Math.round(this.requestTimeoutMs / 1000)}s` : err instanceof SyntaxError ? 'the stream was cut off mid-event' : describeNetworkError(err)}`,
        0,
        undefined,
        networkCode(err) === 'ECONNREFUSED',
      );
    let body: Readable | undefined;
    let lines: ReturnType<typeof createInterface> | undefined;
    try {
      let res;
      try {
        res = await send(dispatcher, url, { method: 'GET', headers, signal: ctl.signal });
      } catch (err) {
        if (signal.aborted || why === 'stale') return;
        throw cannot(err);
      }
      body = res.body;
      clearTimeout(connectTimer);
      this.reached = true;
      if (res.statusCode !== 200) throw apiError(res.statusCode, await res.body.text().catch(() => ''), 'WATCH', path, flatHeaders(res.headers)['retry-after']);
      await ownTurn();
      if (signal.aborted) return;
      onOpen?.();
      lines = createInterface({ input: body, crlfDelay: Infinity });
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
        if (signal.aborted || why === 'stale') return;
        if (err instanceof KubeApiError) throw err;
        // The connection broke mid-stream (the API server stopped or restarted).
        throw cannot(err);
      }
    } finally {
      clearTimeout(connectTimer);
      clearTimeout(staleTimer);
      signal.removeEventListener('abort', onAbort);
      // Destroyed before its end (a watch stopped or cut), undici's body reports an abort, and the
      // line reader would pass it on as an 'error' nobody listens to any more: closed first.
      lines?.close();
      body?.on('error', () => undefined).destroy();
    }
  }

  private async prepare(
    method: string,
    path: string,
    query?: Query,
  ): Promise<{ url: string; headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    const url = new URL(this.access.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    if (this.staticHeaders && this.sharedDispatcher) {
      const text = url.toString(); // as client-node's RequestContext.getUrl gives it: no trailing slash
      return {
        url: text.endsWith('/') ? text.slice(0, -1) : text,
        headers: { accept: 'application/json', ...this.staticHeaders },
        dispatcher: await this.sharedDispatcher,
      };
    }
    const ctx = new RequestContext(url.toString(), method as HttpMethod);
    await this.access.config.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = { accept: 'application/json', ...ctx.getHeaders() };
    let dispatcher = ctx.getDispatcher() as Dispatcher | undefined;
    if (this.dispatcherShareable && dispatcher) {
      dispatcher = await (this.sharedDispatcher ??= this.pool(dispatcher));
      if (this.authStatic) this.staticHeaders = ctx.getHeaders();
    }
    return { url: ctx.getUrl(), headers, dispatcher };
  }

  /**
   * The shared pool, with the kubeconfig's CA, certificate and key parsed into one TLS context:
   * given them as text, undici parses them again for every connection (a fleet of ten clusters
   * opening its watches spent hundreds of milliseconds of event loop on it). Anything but a plain
   * agent (a proxy) keeps client-node's dispatcher.
   */
  private async pool(given: Dispatcher): Promise<Dispatcher> {
    try {
      const config = this.access.config;
      const https: Record<string, unknown> = {};
      await config.applyToHTTPSOptions(https);
      const material: SecureContextOptions = {};
      for (const k of ['ca', 'cert', 'key', 'pfx', 'passphrase'] as const) if (https[k] !== undefined && https[k] !== null) material[k] = https[k] as never;
      const options = config.createDispatcherOptions(config.getCurrentCluster(), {
        ...material,
        ...(https['rejectUnauthorized'] !== undefined ? { rejectUnauthorized: https['rejectUnauthorized'] as boolean } : {}),
        ...(https['servername'] !== undefined ? { servername: https['servername'] as string } : {}),
      });
      if (options.type !== 'agent') return given;
      void given.destroy().catch(() => undefined);
      return new Agent({ connect: { ...options.connect, secureContext: createSecureContext(material) } });
    } catch {
      return given;
    }
  }
}

/** Used when client-node gives a request no dispatcher of its own (it always has, so far). */
let defaultAgent: Dispatcher | undefined;

function send(
  dispatcher: Dispatcher | undefined,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | undefined; signal: AbortSignal },
): Promise<Dispatcher.ResponseData> {
  return requestTo(dispatcher ?? (defaultAgent ??= new Agent()), new URL(url), {
    method: init.method as Dispatcher.HttpMethod,
    headers: init.headers,
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal: init.signal,
  });
}

/** The answer as text, gunzipped when the API server compressed it. */
async function bodyText(res: Dispatcher.ResponseData): Promise<string> {
  if (flatHeaders(res.headers)['content-encoding'] !== 'gzip') return res.body.text();
  const zipped = Buffer.from(await res.body.arrayBuffer());
  return new Promise((resolve, reject) => gunzip(zipped, (err, plain) => (err ? reject(err) : resolve(plain.toString('utf8')))));
}

function networkCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.cause?.code ?? e?.code;
}

function describeNetworkError(err: unknown): string {
  const code = networkCode(err);
  if (code === 'ECONNREFUSED') return 'connection refused (is the cluster running and the kubeconfig current?)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED')
    return 'the connection was closed by the server (is the API server restarting?)';
  // The failure itself, or the one it wraps.
  const inner = (err as { cause?: { code?: string; message?: string } })?.cause ?? (err as { code?: string; message?: string });
  if (inner?.code) return `${inner.code}${inner.message ? ` (${inner.message})` : ''}`;
  if (inner?.message) return inner.message; // undici's own, e.g. "bad port"
  return err instanceof Error ? err.message : String(err);
}

/** 0.25 s doubling to `capMs` (4 s), with jitter so many clients do not come back in step. */
export function backoffMs(attempt: number, capMs = 4000): number {
  const base = Math.min(capMs, 250 * 2 ** (Math.min(attempt, 20) - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function retryAfterMs(err: unknown): number {
  const s = err instanceof KubeApiError ? err.retryAfterSeconds : undefined;
  return s ? Math.min(s, 10) * 1000 : 0;
}

/** Waits `ms`, or less when `signal` aborts (the caller then sees the signal aborted). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function apiError(status: number, text: string, method: string, path: string, retryAfter?: string | null): KubeApiError {
  let message = text.trim().slice(0, 500);
  let reason: string | undefined;
  let details: { name?: string; kind?: string } | undefined;
  try {
    const s = JSON.parse(text) as { message?: string; reason?: string; details?: { name?: string; kind?: string } };
    if (s.message) message = s.message;
    reason = s.reason;
    details = s.details;
  } catch {
    /* not a Status object */
  }
  const hint =
    status === 401
      ? ' (the kubeconfig credentials were rejected: log in again or check the user of this context)'
      : status === 403
        ? ' (the kubeconfig user lacks RBAC permission for this)'
        : '';
  const after = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  return new KubeApiError(`${method} ${path}: ${message || `HTTP ${status}`}${hint}`, status, reason, false, after, details);
}
