/**
 * Requests through HTTPS_PROXY/HTTP_PROXY, with NO_PROXY's exceptions: undici's EnvHttpProxyAgent,
 * which tunnels HTTPS with CONNECT and keeps TLS to the registry end to end. Loaded only when a
 * proxy is configured (transport.ts); without one, requests go out through nodeHttpSender.ts.
 */
import type { SecureContext } from 'node:tls';
import type { Dispatcher } from 'undici';
import { EnvHttpProxyAgent, requestTo } from './undiciParts';
import { flatHeaders, type HttpSender, type ResponseBody, type SendRequest, type SentResponse } from './sender';

export interface ProxySenderOptions {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy: string;
  idleTimeoutMs: number;
  /** The trusted CAs with their context, when an extra CA bundle is given. */
  tls?: { ca: string[]; secureContext: SecureContext };
}

/**
 * Waits for the event loop's check phase. undici checks a keep-alive socket that fell idle for
 * bytes the server sent unasked before writing the next request on it, and counts it busy until
 * then (the check phase); a request sent sooner, as every command's first one after the registry
 * probe or a token fetch is, opens a second connection, which to a remote registry is one more
 * TLS handshake.
 */
function idleSocketsValidated(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class ProxySender implements HttpSender {
  private readonly dispatcher: Dispatcher;

  constructor(options: ProxySenderOptions) {
    const tls = options.tls ?? {};
    this.dispatcher = new EnvHttpProxyAgent({
      headersTimeout: options.idleTimeoutMs,
      bodyTimeout: options.idleTimeoutMs,
      connect: tls,
      requestTls: tls,
      ...(options.httpProxy ? { httpProxy: options.httpProxy } : {}),
      ...(options.httpsProxy ? { httpsProxy: options.httpsProxy } : {}),
      noProxy: options.noProxy,
    });
  }

  async send(req: SendRequest): Promise<SentResponse> {
    await idleSocketsValidated();
    const res = await requestTo(this.dispatcher, req.target, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
    return { status: res.statusCode, headers: flatHeaders(res.headers), body: res.body as unknown as ResponseBody };
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  destroy(): Promise<void> {
    return this.dispatcher.destroy();
  }
}
