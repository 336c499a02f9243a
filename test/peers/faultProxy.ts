/**
 * An HTTP proxy placed in front of a real registry that misbehaves on
 * request: answers 429/503 with Retry-After, resets the connection part way
 * through a request body, stalls, or flips bytes going either way. Requests no
 * rule matches pass through untouched. Clients talk to the proxy as if it were
 * the registry (the Host header is kept, so registry Location headers point
 * back through the proxy).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Transform } from 'node:stream';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'reset-request'; afterBytes: number }
  | { kind: 'stall' }
  /**
   * Passes the first `afterBytes` of the request (or response) body, then holds the
   * exchange open without moving another byte: a transfer caught half-way.
   */
  | { kind: 'stall-after'; direction: 'request' | 'response'; afterBytes: number }
  /** Passes the first `afterBytes` of the response body, then resets the connection. */
  | { kind: 'reset-response'; afterBytes: number }
  | { kind: 'corrupt-response' }
  | { kind: 'corrupt-request' };

export interface FaultRule {
  method?: string;
  path: RegExp;
  fault: Fault;
  /** How many matching requests get the fault (default: all). */
  times?: number;
}

export interface FaultProxy {
  host: string;
  port: number;
  /** Every request seen: method, path and the fault applied, if any (`stalled` once a stall-after holds it). */
  log: Array<{
    method: string;
    path: string;
    fault?: Fault['kind'];
    stalled?: boolean;
    /** The request carried an Authorization header. */ authorization?: true;
  }>;
  setRules(rules: FaultRule[]): void;
  /** TCP connections clients opened to the proxy since it started or `resetConnections`. */
  readonly connections: number;
  resetConnections(): void;
  stop(): Promise<void>;
}

/** Flips one byte in the middle of the first chunk long enough to hold it. */
function corrupter(): Transform {
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!done && chunk.length > 0) {
        const copy = Buffer.from(chunk);
        const i = Math.floor(copy.length / 2);
        copy[i] = copy[i]! ^ 0xff;
        done = true;
        cb(null, copy);
        return;
      }
      cb(null, chunk);
    },
  });
}

/** Lets `limit` bytes through, then never calls back: backpressure holds the sender mid-body. */
function stallAfter(limit: number, entry: { stalled?: boolean }): Transform {
  let passed = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (passed >= limit) {
        entry.stalled = true;
        return; // no callback: the stream stops here for good
      }
      const room = limit - passed;
      passed += Math.min(room, chunk.length);
      if (chunk.length <= room) return cb(null, chunk);
      this.push(chunk.subarray(0, room));
      entry.stalled = true;
    },
  });
}

export async function startFaultProxy(upstream: { host: string; port: number }): Promise<FaultProxy> {
  let rules: Array<FaultRule & { used: number }> = [];
  const log: FaultProxy['log'] = [];
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse, fault: Fault | undefined, entry: FaultProxy['log'][number]): void => {
    const up = http.request({ host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (fault?.kind === 'corrupt-response') upRes.pipe(corrupter()).pipe(res);
      else if (fault?.kind === 'stall-after' && fault.direction === 'response') upRes.pipe(stallAfter(fault.afterBytes, entry)).pipe(res);
      else if (fault?.kind === 'reset-response') {
        let sent = 0;
        upRes.on('data', (chunk: Buffer) => {
          const room = fault.afterBytes - sent;
          sent += chunk.length;
          if (room > 0) res.write(chunk.subarray(0, room));
          if (sent >= fault.afterBytes) {
            upRes.destroy();
            res.socket?.resetAndDestroy();
          }
        });
        upRes.on('end', () => res.end());
      } else upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    if (fault?.kind === 'stall-after' && fault.direction === 'request') {
      req.pipe(stallAfter(fault.afterBytes, entry)).pipe(up);
      return;
    }
    if (fault?.kind === 'reset-request') {
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= fault.afterBytes) {
          up.destroy();
          req.socket.destroy();
          return;
        }
        up.write(chunk);
      });
      req.on('end', () => up.end());
      return;
    }
    if (fault?.kind === 'corrupt-request') req.pipe(corrupter()).pipe(up);
    else req.pipe(up);
  };

  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const rule = rules.find((r) => (!r.method || r.method === req.method) && r.path.test(path) && (r.times === undefined || r.used < r.times));
    if (rule) rule.used++;
    const fault = rule?.fault;
    const entry = {
      method: req.method ?? '',
      path,
      ...(fault ? { fault: fault.kind } : {}),
      ...(req.headers.authorization !== undefined ? { authorization: true as const } : {}),
    };
    log.push(entry);
    if (fault?.kind === 'status') {
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({ errors: [{ code: fault.status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE', message: 'injected by the test proxy' }] });
        res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
        res.end(body);
      });
      return;
    }
    if (fault?.kind === 'stall') {
      req.resume(); // read the request, never answer
      return;
    }
    forward(req, res, fault, entry);
  });
  let connections = 0;
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    log,
    setRules(next) {
      rules = next.map((r) => ({ ...r, used: 0 }));
    },
    get connections() {
      return connections;
    },
    resetConnections() {
      connections = 0;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
