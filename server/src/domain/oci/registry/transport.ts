/**
 * HTTP to one registry: picks the scheme (HTTPS, plain HTTP only where
 * allowed), trusts extra CAs, goes through HTTPS_PROXY/NO_PROXY, bounds each
 * request by an idle timeout and the caller's AbortSignal, and retries 429/5xx
 * and dropped connections with backoff (honouring Retry-After).
 * Authentication is layered on top by the client; this module never sees a credential
 * other than as an opaque header it forwards.
 */
import { readFileSync } from 'node:fs';
import type { SecureContext } from 'node:tls';
import type { Readable } from 'node:stream';
import { RegistryError, parseErrorBody } from './errors';
import { NodeHttpSender } from './nodeHttpSender';
import type { HttpMethod, HttpSender, ResponseBody } from './sender';
import { allowsPlainHttp, isLoopbackRegistry } from './plainHttp';
import { backoffDelay, defaultRetryPolicy, parseRetryAfter, retriableStatuses, sleep, type RetryPolicy } from './retryPolicy';

export type { HttpMethod } from './sender';

export interface TransportOptions {
  /** Host[:port] as in the reference. */
  registry: string;
  /** Allow plain HTTP for a registry that is not on loopback. */
  insecure?: boolean;
  /** PEM bundle trusted in addition to the system roots. */
  caFile?: string;
  /** Environment for HTTPS_PROXY/HTTP_PROXY/NO_PROXY (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryPolicy>;
  /** A request that sends or receives nothing for this long fails (and is retried). */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  userAgent?: string;
  /** Called before each retry, for progress output. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL, or a path such as `/v2/org/app/manifests/v1` resolved against the registry. */
  url: string;
  headers?: Record<string, string>;
  /** A buffer, or a factory so a streamed body can be sent again on retry. */
  body?: Buffer | string | (() => Readable);
  /** Set false for requests that must not be repeated (a PATCH that moved an upload forward). */
  retry?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: ResponseBody;
  url: string;
}

export type Scheme = 'https' | 'http';

const tlsErrorCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const plainHttpAnswerCodes = new Set(['EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);
const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/** The innermost useful error code of an undici/node error chain. */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  let found: string | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') found = found && !found.startsWith('UND_ERR_SOCKET') ? found : code;
    const reason = (e as { reason?: unknown }).reason;
    if (typeof reason === 'string' && /wrong version number|packet length too long/i.test(reason)) return 'ERR_SSL_WRONG_VERSION_NUMBER';
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /wrong version number|packet length too long/i.test(message)) return 'ERR_SSL_WRONG_VERSION_NUMBER';
    e = (e as { cause?: unknown }).cause;
  }
  return found;
}

/** Turns a low-level failure into a RegistryError with an action, without echoing request headers. */
export function networkError(err: unknown, registry: string, what: string, signal?: AbortSignal): RegistryError {
  if (err instanceof RegistryError) return err;
  if (signal?.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    if (reason?.name === 'TimeoutError') {
      return new RegistryError(`${what}: timed out talking to ${registry}`, { code: 'timeout', action: 'raise --timeout or check the network', cause: err });
    }
    return new RegistryError(`${what}: cancelled`, { code: 'cancelled', cause: err });
  }
  const code = errorCode(err) ?? '';
  if (tlsErrorCodes.has(code)) {
    return new RegistryError(`${what}: the TLS certificate of ${registry} is not trusted (${code})`, {
      code: 'tls',
      action: 'pass its CA with --ca-file (or SSL_CERT_FILE) if you trust it',
      cause: err,
    });
  }
  if (timeoutCodes.has(code)) {
    return new RegistryError(`${what}: ${registry} stopped answering (${code})`, {
      code: 'timeout',
      action: 'check the registry and the network, then try again',
      cause: err,
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new RegistryError(`${what}: cannot resolve ${registry}`, { code: 'network', action: 'check the registry host name and DNS', cause: err });
  }
  const detail = code || (err instanceof Error ? err.message : String(err));
  return new RegistryError(`${what}: connection to ${registry} failed (${detail})`, {
    code: 'network',
    action: 'check that the registry is running and reachable, then try again',
    cause: err,
  });
}

function isRetriableNetworkError(err: unknown): boolean {
  if (err instanceof RegistryError) return false; // ours, already saying what to do (an unreadable CA bundle)
  const code = errorCode(err) ?? '';
  if (tlsErrorCodes.has(code) || plainHttpAnswerCodes.has(code) || code === 'ENOTFOUND') return false;
  return true;
}

function loadCa(caFile: string): string {
  try {
    return readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new RegistryError(`cannot read the CA bundle ${caFile}: ${(err as Error).message}`, {
      code: 'tls',
      action: 'pass a readable PEM file with --ca-file',
    });
  }
}

/**
 * One TLS context per CA bundle: given `ca` alone, undici builds a context from its ~300 PEM
 * certificates for every connection (35–60 ms of event loop each; the fleet view's drift checks
 * open ten at once). Keyed by the bundle's text, so a changed file gets a new one.
 */
const caContexts = new Map<string, SecureContext>();
function caContext(ca: string[]): SecureContext {
  const key = ca[ca.length - 1]!;
  let context = caContexts.get(key);
  if (!context) caContexts.set(key, (context = tlsModule().createSecureContext({ ca })));
  return context;
}

function tlsModule(): typeof import('node:tls') {
  // require, not process.getBuiltinModule: the language server also runs on VS Code's Node 20.
  return require('node:tls') as typeof import('node:tls');
}

/** The system's roots and the extra bundle, with their one TLS context. */
function trustedCas(extraCa: string): { ca: string[]; secureContext: SecureContext } {
  const ca = [...tlsModule().rootCertificates, extraCa];
  return { ca, secureContext: caContext(ca) };
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name.toLowerCase()] ?? env[name.toUpperCase()] ?? undefined;
}

export class RegistryTransport {
  readonly registry: string;
  private readonly options: TransportOptions;
  private readonly policy: RetryPolicy;
  /** Straight to the registry, or (once loaded) through the configured proxy. */
  private sender: HttpSender | Promise<HttpSender>;
  private scheme: Promise<Scheme> | undefined;

  constructor(options: TransportOptions) {
    this.options = options;
    this.registry = options.registry;
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    const env = options.env ?? process.env;
    const caFile = options.caFile ?? envValue(env, 'SSL_CERT_FILE');
    const httpProxy = envValue(env, 'HTTP_PROXY');
    const httpsProxy = envValue(env, 'HTTPS_PROXY');
    const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    if (httpProxy || httpsProxy) {
      const noProxy = envValue(env, 'NO_PROXY') ?? '';
      const tls = caFile ? trustedCas(loadCa(caFile)) : undefined;
      // undici, loaded only here: most commands never go through a proxy.
      this.sender = import('./proxySender').then(
        ({ ProxySender }) =>
          new ProxySender({
            idleTimeoutMs,
            noProxy,
            ...(httpProxy ? { httpProxy } : {}),
            ...(httpsProxy ? { httpsProxy } : {}),
            ...(tls ? { tls } : {}),
          }),
      );
    } else {
      // The extra CA bundle is read, and its TLS context built, at the first HTTPS connection:
      // parsing ~300 PEM certificates costs 25-60 ms, which a pull from a plain-HTTP registry (a
      // local one, or the bench's) would pay at every start for nothing (issue 18). SSL_CERT_FILE
      // is often set for every program on a machine (CI images, corporate setups).
      this.sender = new NodeHttpSender({
        idleTimeoutMs,
        ...(caFile ? { tls: () => ({ secureContext: trustedCas(loadCa(caFile)).secureContext }) } : {}),
      });
    }
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /**
   * Closes the connections. A graceful close waits for every request in flight, and one the
   * registry never answers would hold it (and the command awaiting it) forever: cancelled work
   * drops its connections at once, and a graceful close that takes over 2 s is cut short.
   */
  async close(): Promise<void> {
    const sender = await this.sender;
    if (this.options.signal?.aborted) return sender.destroy();
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => {
      timer = setTimeout(() => resolve('slow'), 2_000);
      timer.unref?.();
    });
    const outcome = await Promise.race([sender.close().then(() => 'closed' as const), slow]);
    clearTimeout(timer);
    if (outcome === 'slow') await sender.destroy();
  }

  /** `https://host` or `http://host`, found once per transport. */
  async origin(): Promise<string> {
    this.scheme ??= this.detectScheme();
    return `${await this.scheme}://${this.registry}`;
  }

  /**
   * HTTPS first (a loopback registry is asked in plain HTTP before, see answersPlainHttp); plain
   * HTTP only when allowed and the server clearly answered in plain text (go-containerregistry's
   * ping fallback, minus the RFC 1918 rule).
   */
  private async detectScheme(): Promise<Scheme> {
    if (isLoopbackRegistry(this.registry) && (await this.answersPlainHttp())) return 'http';
    try {
      const res = await this.rawSend('https', { method: 'GET', url: '/v2/' });
      await res.body.dump();
      return 'https';
    } catch (err) {
      const code = errorCode(err) ?? '';
      const plainAnswer = plainHttpAnswerCodes.has(code);
      const plainAllowed = allowsPlainHttp(this.registry, this.options.insecure ?? false);
      if (plainAnswer && !plainAllowed) {
        throw new RegistryError(`${this.registry} answers in plain HTTP, which is refused for a registry that is not on loopback`, {
          code: 'insecure-refused',
          action: 'pass --insecure-registry if you trust the network to this registry',
          cause: err,
        });
      }
      if (plainAllowed && (plainAnswer || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')) {
        try {
          const res = await this.rawSend('http', { method: 'GET', url: '/v2/' });
          await res.body.dump();
          return 'http';
        } catch (plainErr) {
          throw networkError(plainErr, this.registry, 'connect', this.options.signal);
        }
      }
      throw networkError(err, this.registry, 'connect', this.options.signal);
    }
  }

  /**
   * A loopback registry (a developer's or a test's) is asked in plain HTTP first: it usually is
   * one, and the HTTPS attempt it would refuse costs a TLS context (25-60 ms with an extra CA
   * bundle) and a round trip on every command (issue 18). Only a registry's answer counts (200 or
   * 401): a TLS port answers plain HTTP with 400 or a reset, and HTTPS is tried as before.
   */
  private async answersPlainHttp(): Promise<boolean> {
    try {
      const res = await this.rawSend('http', { method: 'GET', url: '/v2/' });
      await res.body.dump();
      return res.status === 200 || res.status === 401;
    } catch {
      return false;
    }
  }

  private async rawSend(scheme: Scheme, req: HttpRequest): Promise<HttpResponse> {
    const url = /^https?:\/\//.test(req.url) ? req.url : `${scheme}://${this.registry}${req.url}`;
    const body = typeof req.body === 'function' ? req.body() : req.body;
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'flux-oci', ...req.headers };
    const sender = await this.sender;
    const res = await sender.send({
      method: req.method,
      target: new URL(url),
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    return { ...res, url };
  }

  /**
   * Sends a request, retrying 429/5xx and dropped connections. Any other
   * status is returned to the caller, which knows what it means for its call.
   */
  async send(req: HttpRequest, what: string): Promise<HttpResponse> {
    const origin = await this.origin();
    const url = /^https?:\/\//.test(req.url) ? req.url : `${origin}${req.url}`;
    const mayRetry = req.retry ?? true;
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.rawSend(origin.startsWith('https') ? 'https' : 'http', { ...req, url });
      } catch (err) {
        if (this.options.signal?.aborted || !mayRetry || attempt >= this.policy.retries || !isRetriableNetworkError(err)) {
          throw networkError(err, this.registry, what, this.options.signal);
        }
        const delayMs = backoffDelay(this.policy, attempt + 1);
        this.options.onRetry?.({ attempt: attempt + 1, delayMs, reason: errorCode(err) ?? 'connection error' });
        await sleep(delayMs, this.options.signal).catch((e: unknown) => {
          throw networkError(e, this.registry, what, this.options.signal);
        });
        continue;
      }
      if (!retriableStatuses.has(res.status) || !mayRetry) return res;
      const retryAfter = parseRetryAfter(res.headers['retry-after']);
      const text = await res.body.text().catch(() => '');
      if (attempt >= this.policy.retries || (retryAfter !== undefined && retryAfter > this.policy.maxRetryAfterMs)) {
        throw statusError(res.status, text, this.registry, what, retryAfter);
      }
      const delayMs = Math.max(retryAfter ?? 0, backoffDelay(this.policy, attempt + 1));
      this.options.onRetry?.({ attempt: attempt + 1, delayMs, reason: `HTTP ${res.status}` });
      await sleep(delayMs, this.options.signal).catch((e: unknown) => {
        throw networkError(e, this.registry, what, this.options.signal);
      });
    }
  }
}

/** A RegistryError for an unexpected HTTP status, with the registry's own error codes. */
export function statusError(status: number, bodyText: string, registry: string, what: string, retryAfterMs?: number): RegistryError {
  const { codes, summary } = parseErrorBody(bodyText);
  const said = summary ? ` (${summary})` : '';
  if (status === 429) {
    const wait = retryAfterMs !== undefined ? `; it asked to wait ${Math.ceil(retryAfterMs / 1000)}s` : '';
    return new RegistryError(`${what}: ${registry} is rate limiting requests (HTTP 429)${wait}`, {
      code: 'rate-limited',
      status,
      registryCodes: codes,
      action: 'wait and try again, or authenticate to get a higher limit',
    });
  }
  if (status >= 500) {
    return new RegistryError(`${what}: ${registry} failed with HTTP ${status}${said}`, {
      code: 'server-error',
      status,
      registryCodes: codes,
      action: 'the registry is having trouble; try again later',
    });
  }
  if (status === 401) {
    return new RegistryError(`${what}: ${registry} requires authentication (HTTP 401)${said}`, {
      code: 'unauthorized',
      status,
      registryCodes: codes,
      action: 'pass --creds user:password, run docker login, or check the credentials',
    });
  }
  if (status === 403) {
    return new RegistryError(`${what}: access denied by ${registry} (HTTP 403)${said}`, {
      code: 'denied',
      status,
      registryCodes: codes,
      action: 'your credentials do not allow this operation on this repository',
    });
  }
  if (status === 404) {
    return new RegistryError(`${what}: not found on ${registry}${said}`, { code: 'not-found', status, registryCodes: codes });
  }
  if (status === 405) {
    return new RegistryError(`${what}: ${registry} does not support this operation (HTTP 405)${said}`, { code: 'unsupported', status, registryCodes: codes });
  }
  return new RegistryError(`${what}: ${registry} rejected the request with HTTP ${status}${said}`, { code: 'rejected', status, registryCodes: codes });
}
