/**
 * A TCP relay on 127.0.0.1 that holds each new connection for a while before
 * it reaches the real server behind it: in front of a TLS registry the
 * client's handshake is what waits, as with a slow or far-away registry.
 * Bytes are passed through untouched once connected.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface SlowRelay {
  host: string;
  port: number;
  /** Milliseconds each new connection waits before it is connected through. */
  setDelay(ms: number): void;
  /** Connections accepted so far. */
  readonly connections: number;
  stop(): Promise<void>;
}

export function startSlowRelay(upstream: { host: string; port: number }): Promise<SlowRelay> {
  let delayMs = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    connections++;
    track(client);
    client.pause();
    setTimeout(() => {
      if (client.destroyed) return;
      const up = connect(upstream.port, upstream.host);
      track(up);
      up.on('close', () => client.destroy());
      client.on('close', () => up.destroy());
      up.on('connect', () => {
        client.pipe(up);
        up.pipe(client);
        client.resume();
      });
    }, delayMs);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        host: `127.0.0.1:${port}`,
        port,
        setDelay: (ms) => (delayMs = ms),
        get connections() {
          return connections;
        },
        stop: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
