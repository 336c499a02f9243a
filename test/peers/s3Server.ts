/**
 * A real S3-compatible server on 127.0.0.1 for the Bucket tests: MinIO, built from the Go
 * module proxy by `bash scripts/peers/build.sh minio` (source-controller talks to it with
 * minio-go, as to any generic Bucket endpoint). Each start gets a free port, a temp data
 * folder and root credentials made at test time; `stop()` ends its process group and
 * removes the folder.
 *
 * Buckets and objects are created through MinIO's own JavaScript client (the `minio`
 * package), signed like any S3 client.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'minio';
import { freePort, httpStatus, openssl } from './loopback.ts';
import { peerBinary, stopProcessGroup } from './goPeers.ts';

export interface StartedS3Server {
  /** `127.0.0.1:PORT`, what a Bucket's spec.endpoint holds (with `insecure: true`). */
  endpoint: string;
  port: number;
  accessKey: string;
  secretKey: string;
  /** With `tls`: the PEM of the CA (made at test time) that signed the server's certificate. */
  caPem?: string;
  /** A client signed with the root credentials, for setting up buckets. */
  client: Client;
  makeBucket(name: string): Promise<void>;
  /** Uploads `objects` (key → content), `parallel` at a time. */
  putObjects(bucket: string, objects: Iterable<[string, string | Buffer]>, parallel?: number): Promise<void>;
  stop(): Promise<void>;
}

/** `tls`: serve HTTPS only, with a certificate for 127.0.0.1 from a throwaway CA. */
export async function startS3Server(options: { tls?: boolean } = {}): Promise<StartedS3Server> {
  const bin = peerBinary('minio');
  if (!bin) throw new Error('minio is not built; run: bash scripts/peers/build.sh minio');
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-minio-'));
  const port = await freePort();
  const endpoint = `127.0.0.1:${port}`;
  const accessKey = `test${randomBytes(6).toString('hex')}`;
  const secretKey = randomBytes(24).toString('base64url');
  const certs = path.join(dir, 'certs');
  let caPem: string | undefined;
  if (options.tls) {
    mkdirSync(certs, { recursive: true });
    writeFileSync(path.join(certs, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=flux-oci-test-s3-ca'], certs);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'private.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], certs);
    openssl(
      ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'public.crt', '-days', '2', '-extfile', 'san.ext'],
      certs,
    );
    caPem = readFileSync(path.join(certs, 'ca.crt'), 'utf8');
  }
  const logFile = path.join(dir, 'minio.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(bin, ['server', path.join(dir, 'data'), '--address', endpoint, '--quiet', ...(options.tls ? ['--certs-dir', certs] : [])], {
    stdio: ['ignore', fd, fd],
    detached: true, // own process group: stop() reaches every child
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: dir,
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CI_CD: '1',
    },
  });
  closeSync(fd);
  const stop = async (): Promise<void> => {
    await stopProcessGroup(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  const scheme = options.tls ? 'https' : 'http';
  while ((await httpStatus(`${scheme}://${endpoint}/minio/health/ready`, options.tls ? { caFile: path.join(certs, 'ca.crt') } : {})) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = readFileSync(logFile, 'utf8').slice(-2000);
      await stop();
      throw new Error(`minio did not start on ${endpoint}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const client = new Client({
    endPoint: '127.0.0.1',
    port,
    useSSL: !!options.tls,
    accessKey,
    secretKey,
    ...(caPem ? { transportAgent: new https.Agent({ ca: caPem, keepAlive: true }) } : {}),
  });
  return {
    endpoint,
    port,
    accessKey,
    secretKey,
    ...(caPem ? { caPem } : {}),
    client,
    makeBucket: (name) => client.makeBucket(name),
    async putObjects(bucket, objects, parallel = 16) {
      const it = objects[Symbol.iterator]();
      const worker = async (): Promise<void> => {
        for (let n = it.next(); !n.done; n = it.next()) {
          const [key, body] = n.value;
          const buf = typeof body === 'string' ? Buffer.from(body) : body;
          await client.putObject(bucket, key, buf, buf.length);
        }
      };
      await Promise.all(Array.from({ length: parallel }, worker));
    },
    stop,
  };
}
