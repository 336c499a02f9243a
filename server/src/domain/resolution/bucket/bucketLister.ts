/**
 * Lists a Bucket's objects the way source-controller does (fetchEtagIndex): the
 * `.sourceignore` object at the bucket root (by exact key, whatever the prefix), then
 * ListObjectsV2 under `spec.prefix` with no delimiter, page after page. The client is
 * minio-js, the JavaScript sibling of the minio-go client the controller uses (same signing,
 * region discovery and bucket addressing).
 *
 * Nothing is sent before the network gate agrees (offline, loopback-only under tests).
 * Each listing gets its own connection pool, destroyed when the listing ends, times out or
 * is cancelled, so an abandoned listing never keeps a socket open.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { Client } from 'minio';
import type { NetworkGate } from '../networkGate';
import type { BucketSpec } from './bucketSpec';
import { parseBucketEndpoint } from './bucketSpec';
import type { BucketCredentials } from './bucketCredentials';

export interface BucketObject {
  key: string;
  size: number;
  etag: string;
}

export interface BucketListing {
  objects: BucketObject[];
  /** Text of the `.sourceignore` object at the bucket root, undefined when there is none. */
  sourceIgnore?: string;
  /** Its size in bytes. */
  sourceIgnoreSize?: number;
  /** The listing stopped at `maxObjects`: counts and sizes are lower bounds. */
  truncated: boolean;
  /** ListObjectsV2 pages fetched. */
  pages: number;
  /** Where the credentials came from (never the credentials). */
  credentialsFrom: string;
  at: number;
}

export type BucketErrorCode =
  'offline' | 'unsupported' | 'invalid' | 'credentials' | 'denied' | 'no-bucket' | 'unreachable' | 'timeout' | 'cancelled' | 'failed';

export class BucketError extends Error {
  constructor(
    message: string,
    readonly code: BucketErrorCode,
  ) {
    super(message);
    this.name = 'BucketError';
  }
}

export interface ListOptions {
  gate?: NetworkGate;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Stop after this many keys (default 200 000). */
  maxObjects?: number;
  /** Called once per request sent (tests count them). */
  onRequest?: () => void;
  /** From spec.certSecretRef: a CA added to the system roots, a client certificate. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** HTTPS_PROXY/HTTP_PROXY/NO_PROXY are read from here (default: process.env), as registry requests do. */
  env?: NodeJS.ProcessEnv;
}

const sourceIgnoreKey = '.sourceignore';
const maxSourceIgnoreBytes = 1 << 20;

export async function listBucket(spec: BucketSpec, credentials: BucketCredentials, options: ListOptions = {}): Promise<BucketListing> {
  if (credentials.kind === 'missing') throw new BucketError(credentials.problem, 'credentials');
  const endpoint = parseBucketEndpoint(spec.endpoint, spec.insecure);
  if ('error' in endpoint) throw new BucketError(endpoint.error, 'invalid');
  const refusal = options.gate?.refusal(spec.endpoint);
  if (refusal) throw new BucketError(refusal.message.replace('registry lookups are', 'bucket listings are'), 'offline');
  if (!spec.bucketName) throw new BucketError('spec.bucketName is empty', 'invalid');

  const t = options.tls;
  // Node's agents tunnel through HTTPS_PROXY (CONNECT) or send to HTTP_PROXY, and skip NO_PROXY hosts.
  const proxyEnv = proxyVariables(options.env ?? process.env);
  const agent = spec.insecure
    ? new http.Agent({ keepAlive: true, maxSockets: 2, proxyEnv })
    : new https.Agent({
        keepAlive: true,
        maxSockets: 2,
        proxyEnv,
        // Like Flux's WithSystemCertPool: the Secret's CA is trusted besides the system roots.
        ...(t?.ca ? { ca: [...tls.rootCertificates, t.ca] } : {}),
        ...(t?.cert && t.key ? { cert: t.cert, key: t.key } : {}),
      });
  const timeoutMs = options.timeoutMs ?? 60_000;
  let stopped: BucketError | undefined;
  const stop = (e: BucketError): void => {
    if (stopped) return;
    stopped = e;
    agent.destroy();
  };
  const timer = setTimeout(() => stop(new BucketError(`${spec.endpoint} did not answer within ${Math.round(timeoutMs / 1000)} s`, 'timeout')), timeoutMs);
  const onAbort = (): void => stop(new BucketError('cancelled', 'cancelled'));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const client = new Client({
      endPoint: endpoint.host,
      port: endpoint.port,
      useSSL: !spec.insecure,
      ...(spec.region ? { region: spec.region } : {}),
      ...(credentials.kind === 'static'
        ? {
            accessKey: credentials.keys.accessKey,
            secretKey: credentials.keys.secretKey,
            ...(credentials.keys.sessionToken ? { sessionToken: credentials.keys.sessionToken } : {}),
          }
        : { accessKey: '', secretKey: '' }),
      transportAgent: agent,
      retryOptions: { disableRetry: true },
    });
    const guard = async <T>(work: () => Promise<T>): Promise<T> => {
      if (stopped) throw stopped;
      options.onRequest?.();
      try {
        return await work();
      } catch (e) {
        throw stopped ?? classify(e, spec);
      }
    };

    let sourceIgnore: { text: string; size: number } | undefined;
    try {
      sourceIgnore = await guard(async () => readText(await client.getObject(spec.bucketName, sourceIgnoreKey)));
    } catch (e) {
      if (!(e instanceof BucketError && e.message === noSuchKey)) throw e;
    }

    const objects: BucketObject[] = [];
    const maxObjects = options.maxObjects ?? 200_000;
    let token = '';
    let pages = 0;
    let truncated = false;
    for (;;) {
      const page = await guard(() => client.listObjectsV2Query(spec.bucketName, spec.prefix ?? '', token, '', 1000, ''));
      pages++;
      for (const o of page.objects) {
        if (typeof o.name !== 'string') continue;
        objects.push({ key: o.name, size: Number(o.size ?? 0), etag: String(o.etag ?? '') });
      }
      if (objects.length >= maxObjects) {
        truncated = page.isTruncated || objects.length > maxObjects;
        objects.length = Math.min(objects.length, maxObjects);
        break;
      }
      if (!page.isTruncated || !page.nextContinuationToken) break;
      token = page.nextContinuationToken;
    }
    return {
      objects,
      ...(sourceIgnore !== undefined ? { sourceIgnore: sourceIgnore.text, sourceIgnoreSize: sourceIgnore.size } : {}),
      truncated,
      pages,
      credentialsFrom: credentials.from,
      at: Date.now(),
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    agent.destroy();
  }
}

const noSuchKey = 'NoSuchKey';

/** Only the proxy variables (either case), so nothing else of the environment is handed to the agent. */
function proxyVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) if (env[k]) out[k] = env[k];
  return out;
}

async function readText(stream: NodeJS.ReadableStream): Promise<{ text: string; size: number }> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    n += c.length;
    if (n <= maxSourceIgnoreBytes) chunks.push(Buffer.from(c));
  }
  return { text: Buffer.concat(chunks).toString('utf8'), size: n };
}

/** An S3 or network failure as a BucketError whose message says what to do; never carries credentials. */
function classify(e: unknown, spec: BucketSpec): BucketError {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? '';
  const where = `bucket '${spec.bucketName}' at ${spec.endpoint}`;
  switch (code) {
    case 'NoSuchKey':
      return new BucketError(noSuchKey, 'failed');
    case 'NoSuchBucket':
      return new BucketError(`${where}: bucket '${spec.bucketName}' not found (source-controller fails the same way)`, 'no-bucket');
    case 'AccessDenied':
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'AllAccessDisabled':
    case 'ExpiredToken':
    case 'InvalidToken':
      return new BucketError(`${where}: access denied (${code}); check the credentials (spec.secretRef or your AWS credentials)`, 'denied');
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
    case 'EPROTO':
      return new BucketError(
        `${where}: unreachable (${code})${code === 'EPROTO' && !spec.insecure ? '; is it plain HTTP? then set spec.insecure: true' : ''}`,
        'unreachable',
      );
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new BucketError(
        `${where}: its TLS certificate is not trusted (${code}); give spec.certSecretRef a Secret with the CA as ca.crt (in the workspace), or set NODE_EXTRA_CA_CERTS`,
        'unreachable',
      );
    case 'ETIMEDOUT':
      return new BucketError(`${where}: timed out`, 'timeout');
  }
  const msg = String(err.message ?? e)
    .replace(/\s+/g, ' ')
    .slice(0, 300);
  return new BucketError(`${where}: ${code ? `${code}: ` : ''}${msg}`, 'failed');
}
