/**
 * Requests straight to a registry over Node's own HTTP client (node:http, node:https), on
 * keep-alive connections. The transport's way whenever no proxy is configured: a pull or push is
 * a handful of requests one after another, and undici (still used behind a proxy, see
 * proxySender.ts) cost each command ~40 ms more before its first byte: loading it, compiling its
 * WebAssembly HTTP parser, and its first requests' cold code (issue 18: start-up; measured on a
 * two-file pull, probe + manifest + layer: 134 ms with undici's Agent, 60 ms with node:http, Node
 * 24). Node's parser is native, so a large layer comes in no slower.
 */
import type { Agent as HttpAgent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Agent as HttpsAgent, AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Readable } from 'node:stream';
import { flatHeaders, type HttpSender, type ResponseBody, type SendRequest, type SentResponse } from './sender';

export interface NodeHttpSenderOptions {
  /** A request that sends or receives nothing for this long fails with ETIMEDOUT (connecting included). */
  idleTimeoutMs: number;
  /** TLS options for HTTPS connections (an extra CA), asked for at the first one. */
  tls?: () => HttpsAgentOptions;
}

/** What is left of a body past which dump() closes the connection instead of reading on (undici's rule). */
const dumpLimit = 128 * 1024;

// require, not process.getBuiltinModule: the language server also runs on VS Code's Node 20.
// node:https (and node:tls with it) only at the first HTTPS request: a plain-HTTP registry, a
// local one or the bench's, never pays for it.
const httpModule = (): typeof import('node:http') => require('node:http') as typeof import('node:http');
const httpsModule = (): typeof import('node:https') => require('node:https') as typeof import('node:https');

export class NodeHttpSender implements HttpSender {
  private plain: HttpAgent | undefined;
  private secure: HttpsAgent | undefined;
  private readonly inFlight = new Set<ClientRequest>();
  private readonly options: NodeHttpSenderOptions;

  constructor(options: NodeHttpSenderOptions) {
    this.options = options;
  }

  send(req: SendRequest): Promise<SentResponse> {
    const https = req.target.protocol === 'https:';
    const agent = https ? this.secureAgent() : this.plainAgent();
    const options: RequestOptions = { method: req.method, headers: req.headers, agent, timeout: this.options.idleTimeoutMs };
    if (req.signal) options.signal = req.signal;
    return new Promise<SentResponse>((resolve, reject) => {
      const request = (https ? httpsModule() : httpModule()).request(req.target, options);
      // The timeout option bounds a new connection from its connect and a reused one from its
      // assignment (node's agent sets it on the socket either way).
      this.inFlight.add(request);
      let response: IncomingMessage | undefined;
      request.once('close', () => this.inFlight.delete(request));
      // Failures before the answer reject; later ones reach the body's reader through the body.
      request.on('error', (err) => {
        if (!response) reject(err);
      });
      request.on('timeout', () => {
        const err = Object.assign(new Error(`no data for ${this.options.idleTimeoutMs / 1000}s`), { code: 'ETIMEDOUT' });
        if (response && !response.complete) response.destroy(err);
        request.destroy(err);
      });
      request.once('response', (res: IncomingMessage) => {
        response = res;
        resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: withReaders(res) });
      });
      sendBody(request, req.body);
    });
  }

  async close(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight].map((r) => new Promise((done) => r.once('close', done))));
    this.plain?.destroy();
    this.secure?.destroy();
  }

  async destroy(): Promise<void> {
    for (const r of this.inFlight) r.destroy();
    this.plain?.destroy();
    this.secure?.destroy();
  }

  private plainAgent(): HttpAgent {
    // lifo: the connection used last is the one most surely still open.
    return (this.plain ??= new (httpModule().Agent)({ keepAlive: true, scheduling: 'lifo' }));
  }

  private secureAgent(): HttpsAgent {
    return (this.secure ??= new (httpsModule().Agent)({ keepAlive: true, scheduling: 'lifo', ...this.options.tls?.() }));
  }
}

function sendBody(request: ClientRequest, body: Buffer | string | Readable | undefined): void {
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
    request.end(body);
    return;
  }
  body.once('error', (err) => request.destroy(err));
  request.once('error', () => body.destroy());
  body.pipe(request);
}

function withReaders(res: IncomingMessage): ResponseBody {
  const whole = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  return Object.assign(res, {
    text: async () => (await whole()).toString('utf8'),
    arrayBuffer: async () => {
      const b = await whole();
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
    },
    dump: () =>
      new Promise<void>((resolve) => {
        if (res.readableEnded || res.destroyed) return resolve();
        let rest = 0;
        res.on('data', (chunk: Buffer) => {
          rest += chunk.length;
          if (rest > dumpLimit) res.destroy();
        });
        res.once('end', resolve);
        res.once('close', resolve);
        res.once('error', () => resolve());
        res.resume();
      }),
  });
}
