/**
 * Real registries for tests: Debian's docker-registry (CNCF distribution 2.8)
 * on a free 127.0.0.1 port, in a temp folder, plain, with Basic auth + TLS
 * (a throwaway CA and server certificate made by openssl now), or with Bearer
 * tokens from the small token issuer below (ES256 JWTs with x5c, as
 * distribution's token auth expects). Nothing here is a stand-in for the
 * registry: every request in a test hits the real server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, openSync, closeSync } from 'node:fs';
import { X509Certificate, createPrivateKey, randomUUID, sign } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, httpStatus, openssl } from './loopback.ts';

export type Access = 'pull' | 'push';

export interface RegistryUser {
  password: string;
  access: Access;
  /** Token auth: an OAuth2 refresh token (docker config `identitytoken`) for this user. */
  refreshToken?: string;
}

export interface RegistryOptions {
  /** 'basic' serves TLS too (htpasswd needs it to be meaningful). */
  auth?: 'none' | 'basic' | 'token';
  tls?: boolean;
  users?: Record<string, RegistryUser>;
  /** Token auth: anonymous users get a pull token. */
  anonymousPull?: boolean;
  /**
   * Keep blobs in this S3 bucket (a MinIO from s3Server.ts) instead of the file system: blob GETs
   * then answer 307 with a presigned URL on the S3 server, as Docker Hub, GHCR and ECR send pulls
   * to their storage.
   */
  s3?: { endpoint: string; accessKey: string; secretKey: string; bucket: string };
}

export interface StartedRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  /** `http://` or `https://` + host. */
  baseUrl: string;
  dir: string;
  caFile?: string;
  /** Token issuer requests seen (for tests of the token cache). */
  tokenRequests: Array<{ scope: string[]; user?: string }>;
  /** Kills the registry process the hard way (SIGKILL), as a crash would; its storage stays. */
  kill(): Promise<void>;
  /** Starts it again on the same address and storage, after kill(). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function dockerRegistryAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v docker-registry'], { encoding: 'utf8' }).status === 0;
}

/** A CA and a 127.0.0.1/localhost server certificate signed by it, valid one day. */
export function makeTestCa(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=flux-oci test CA'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(
    path.join(dir, 'ext.cnf'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'ext.cnf'],
    dir,
  );
  return { caFile: path.join(dir, 'ca.crt'), certFile: path.join(dir, 'server.crt'), keyFile: path.join(dir, 'server.key') };
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The token issuer: answers `GET /token?service&scope` for the registry's users. */
async function startTokenIssuer(
  dir: string,
  users: Record<string, RegistryUser>,
  anonymousPull: boolean,
  seen: StartedRegistry['tokenRequests'],
): Promise<{ server: Server; realm: string; certFile: string }> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'token.key', '-out', 'token.crt', '-days', '1', '-subj', '/CN=flux-oci test token issuer'], dir);
  const key = createPrivateKey(readFileSync(path.join(dir, 'token.key')));
  const x5c = new X509Certificate(readFileSync(path.join(dir, 'token.crt'))).raw.toString('base64');
  const server = createHttpServer((req, res) => {
    if (req.method === 'POST') {
      // OAuth2 refresh-token grant, as docker sends for identity tokens.
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => answer(req.url ?? '/', new URLSearchParams(body), req.headers.authorization, res));
      return;
    }
    answer(req.url ?? '/', undefined, req.headers.authorization, res);
  });
  const answer = (rawUrl: string, form: URLSearchParams | undefined, authz: string | undefined, res: import('node:http').ServerResponse): void => {
    const url = new URL(rawUrl, 'http://127.0.0.1');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    let user: string | undefined;
    let access: Access | undefined;
    if (form) {
      const entry = Object.entries(users).find(([, u]) => u.refreshToken && u.refreshToken === form.get('refresh_token'));
      if (form.get('grant_type') !== 'refresh_token' || !entry) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"invalid refresh token"}]}');
        return;
      }
      user = entry[0];
      access = entry[1].access;
    } else if (authz?.startsWith('Basic ')) {
      const decoded = Buffer.from(authz.slice(6), 'base64').toString('utf8');
      const idx = decoded.indexOf(':');
      const name = decoded.slice(0, idx);
      const u = users[name];
      if (!u || u.password !== decoded.slice(idx + 1)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"invalid credentials"}]}');
        return;
      }
      user = name;
      access = u.access;
    } else if (anonymousPull) {
      access = 'pull';
    }
    const scopes = form ? (form.get('scope') ?? '').split(' ').filter(Boolean) : url.searchParams.getAll('scope');
    seen.push({ scope: scopes, ...(user ? { user } : {}) });
    const granted = scopes.flatMap((s) => {
      const [type, name, actions] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
      const allowed = actions
        .split(',')
        .filter((a) => (access === 'push' ? a === 'pull' || a === 'push' || a === 'delete' : access === 'pull' ? a === 'pull' : false));
      return type === 'repository' && allowed.length ? [{ type, name, actions: allowed }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'ES256', typ: 'JWT', x5c: [x5c] };
    const claims = {
      iss: 'flux-oci-test-issuer',
      sub: user ?? '',
      aud: 'flux-oci-test-registry',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: granted,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${signingInput}.${b64url(signature)}`;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { server, realm: `http://127.0.0.1:${port}/token`, certFile: path.join(dir, 'token.crt') };
}

function htpasswd(file: string, users: Record<string, RegistryUser>): void {
  let first = true;
  for (const [name, u] of Object.entries(users)) {
    const r = spawnSync('htpasswd', [first ? '-Bbc' : '-Bb', file, name, u.password], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
    first = false;
  }
}

async function waitReady(baseUrl: string, caFile: string | undefined, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    const ok = (await httpStatus(`${baseUrl}/v2/`, caFile ? { caFile } : {})) !== undefined;
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${baseUrl}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
}

export async function startRegistry(options: RegistryOptions = {}): Promise<StartedRegistry> {
  const auth = options.auth ?? 'none';
  const tls = options.tls ?? auth === 'basic';
  const users = options.users ?? {};
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'warn' },
    storage: options.s3
      ? {
          s3: {
            accesskey: options.s3.accessKey,
            secretkey: options.s3.secretKey,
            region: 'us-east-1',
            regionendpoint: `http://${options.s3.endpoint}`,
            bucket: options.s3.bucket,
            secure: false,
            v4auth: true,
          },
          delete: { enabled: true },
        }
      : { filesystem: { rootdirectory: path.join(dir, 'data') }, delete: { enabled: true } },
    http: { addr: host, secret: randomUUID() },
  };
  let caFile: string | undefined;
  if (tls) {
    const ca = makeTestCa(dir);
    caFile = ca.caFile;
    (config['http'] as Record<string, unknown>)['tls'] = { certificate: ca.certFile, key: ca.keyFile };
  }
  const tokenRequests: StartedRegistry['tokenRequests'] = [];
  let issuer: Server | undefined;
  if (auth === 'basic') {
    const file = path.join(dir, 'htpasswd');
    htpasswd(file, users);
    config['auth'] = { htpasswd: { realm: 'flux-oci-test', path: file } };
  } else if (auth === 'token') {
    const t = await startTokenIssuer(dir, users, options.anonymousPull ?? false, tokenRequests);
    issuer = t.server;
    config['auth'] = { token: { realm: t.realm, service: 'flux-oci-test-registry', issuer: 'flux-oci-test-issuer', rootcertbundle: t.certFile } };
  }
  const configFile = path.join(dir, 'config.yml');
  writeFileSync(configFile, JSON.stringify(config));
  const logFile = path.join(dir, 'registry.log');
  const launch = (): ChildProcess => {
    const logFd = openSync(logFile, 'a');
    // AWS_CA_BUNDLE (set machine-wide on some images) makes the S3 driver's AWS SDK panic on the
    // registry's own HTTP transport; the S3 server here is plain HTTP on loopback anyway.
    const { AWS_CA_BUNDLE: _ignored, ...env } = process.env;
    const started = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', logFd, logFd], env: { ...env, OTEL_TRACES_EXPORTER: 'none' } });
    closeSync(logFd);
    return started;
  };
  let child = launch();
  const baseUrl = `${tls ? 'https' : 'http'}://${host}`;
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  const restart = async (): Promise<void> => {
    await kill();
    child = launch();
    await waitReady(baseUrl, caFile, child, logFile);
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (issuer) await new Promise((r) => issuer.close(r));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(baseUrl, caFile, child, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, port, baseUrl, dir, ...(caFile ? { caFile } : {}), tokenRequests, kill, restart, stop };
}
