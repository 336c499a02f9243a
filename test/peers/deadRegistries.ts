/**
 * Registries that are not there, as an editor meets them on a private network:
 * a port nobody listens on (connection refused), a server that accepts and
 * drops every connection (reset), and one that accepts and never answers
 * (stall). Real sockets on 127.0.0.1; no protocol is spoken, which is the point.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from './loopback.ts';

export interface DeadRegistries {
  refusing: string;
  dropping: string;
  stalling: string;
  stop(): Promise<void>;
}

function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; host: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, host: `127.0.0.1:${(server.address() as { port: number }).port}`, sockets }));
  });
}

export async function startDeadRegistries(): Promise<DeadRegistries> {
  const dropping = await listen((s) => s.destroy());
  const stalling = await listen(() => undefined);
  const refusing = `127.0.0.1:${await freePort()}`;
  return {
    refusing,
    dropping: dropping.host,
    stalling: stalling.host,
    async stop() {
      for (const x of [dropping, stalling]) {
        for (const s of x.sockets) s.destroy();
        await new Promise<void>((r) => x.server.close(() => r()));
      }
    },
  };
}
