/**
 * How the transport puts one HTTP request on the wire: straight to the registry (nodeHttpSender.ts)
 * or through HTTPS_PROXY/HTTP_PROXY (proxySender.ts). Retries, the scheme and errors' wording stay
 * in transport.ts, above either.
 */
import type { Readable } from 'node:stream';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** A response body: a stream, with the three ways the client reads one. */
export type ResponseBody = Readable & {
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  /** Reads and drops what is left so the connection can be reused (a large rest closes it instead). */
  dump(): Promise<void>;
};

export interface SendRequest {
  method: HttpMethod;
  target: URL;
  headers: Record<string, string>;
  body?: Buffer | string | Readable;
  signal?: AbortSignal;
}

export interface SentResponse {
  status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  headers: Record<string, string | undefined>;
  body: ResponseBody;
}

/** Response headers as the client reads them: lower-case names, a repeated header's values joined with ", ". */
export function flatHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(raw)) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

export interface HttpSender {
  send(req: SendRequest): Promise<SentResponse>;
  /** Waits for the requests in flight, then closes the connections. */
  close(): Promise<void>;
  /** Closes every connection now, failing what is in flight. */
  destroy(): Promise<void>;
}
