/**
 * A client for one registry, following the OCI distribution spec: manifests
 * and indexes, blobs (check, streamed verified download, chunked upload,
 * cross-repository mount), tag listing with Link pagination, referrers (API
 * with the fallback tag scheme) and deletion. Authentication happens here:
 * each call names the scopes it needs and 401 challenges are answered once.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { Authenticator } from './auth/authenticator';
import { parseChallenge, repositoryScope } from './auth/challenge';
import { CredentialChain, type CredentialSource } from './auth/credential';
import { RegistryError, isRegistryError } from './errors';
import { RegistryTransport, statusError, networkError, type HttpRequest, type HttpResponse, type TransportOptions } from './transport';
import { VerifiedStream, digestOf } from './verifiedStream';
import { countBytes } from './countingStream';
import { manifestAccept, MediaType } from '../mediaTypes';
import type { Descriptor, ImageIndex, Manifest } from '../manifest';
import { backoffDelay, defaultRetryPolicy, sleep, type RetryPolicy } from './retryPolicy';

export interface RegistryClientOptions extends TransportOptions {
  credentials?: CredentialSource;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  /** The exact bytes, so re-tagging keeps the digest. */
  bytes: Buffer;
  manifest: Manifest;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

/** A blob to upload; `open` is called again for every attempt or chunk. */
export interface BlobSource {
  digest: string;
  size: number;
  open(range?: { start: number; end: number }): Readable;
}

export interface UploadOptions {
  /** Try a cross-repository mount from this repository first. */
  mountFrom?: string;
  /**
   * Bytes per PATCH; blobs up to this size go in one PUT. Default: blobs up to
   * 16 MiB in one PUT, larger ones streamed in ONE PATCH (as docker and
   * go-containerregistry do): each chunk costs a round trip and a registry commit.
   */
  chunkSize?: number;
  onBytes?: (sent: number) => void;
}

export type UploadOutcome = 'exists' | 'mounted' | 'uploaded';

const maxManifestBytes = 4 * 1024 * 1024;
/** Blobs up to this size go up in one PUT right after the POST. */
const defaultChunkSize = 16 * 1024 * 1024;

function pathOf(repository: string, kind: 'manifests' | 'blobs' | 'tags' | 'referrers', ref = ''): string {
  return `/v2/${repository}/${kind}/${ref}`;
}

function resolveLocation(base: string, location: string | undefined, what: string, registry: string): URL {
  if (!location) throw new RegistryError(`${what}: ${registry} answered without a Location header`, { code: 'invalid-response' });
  return new URL(location, base);
}

async function readLimited(res: HttpResponse, limit: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > limit) {
    await res.body.dump();
    throw new RegistryError(`${what}: ${declared} bytes is more than the ${limit} bytes a manifest may have`, { code: 'invalid-response' });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      res.body.destroy();
      throw new RegistryError(`${what}: more than the ${limit} bytes a manifest may have`, { code: 'invalid-response' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses `Link: <url>; rel="next"`. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

export class RegistryClient {
  readonly registry: string;
  readonly transport: RegistryTransport;
  private readonly auth: Authenticator;
  private readonly policy: RetryPolicy;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.transport = new RegistryTransport(options);
    this.auth = new Authenticator(options.registry, options.credentials ?? new CredentialChain([]), this.transport);
    this.policy = { ...defaultRetryPolicy, ...options.retry };
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** Sends with authentication; answers one 401 challenge, turns a second into a clear error. */
  private async call(req: HttpRequest, scopes: string[], what: string): Promise<HttpResponse> {
    const initial = await this.auth.headerFor(scopes);
    const withAuth = (header: string | undefined): HttpRequest => (header ? { ...req, headers: { ...req.headers, authorization: header } } : req);
    let res = await this.transport.send(withAuth(initial), what);
    if (res.status === 401) {
      const www = res.headers['www-authenticate'];
      await res.body.dump();
      const header = await this.auth.answer(www, scopes);
      res = await this.transport.send(withAuth(header), what);
      if (res.status === 401) {
        const challenge = parseChallenge(res.headers['www-authenticate']);
        await res.body.dump();
        const hasCredential = await this.auth.hasCredential();
        if (challenge?.params['error'] === 'insufficient_scope') {
          if (!hasCredential) throw this.auth.needCredentials();
          throw this.denied(what, scopes);
        }
        throw hasCredential ? this.auth.rejected(401) : this.auth.needCredentials();
      }
    }
    if (res.status === 403) {
      await res.body.dump();
      throw this.denied(what, scopes);
    }
    return res;
  }

  private denied(what: string, scopes: string[]): RegistryError {
    const wanted = scopes.map((s) => s.replace(/^repository:/, '')).join(', ');
    return new RegistryError(`${what}: ${this.registry} denied access (${wanted}) to the credentials from ${this.auth.sourceDescription}`, {
      code: 'denied',
      status: 403,
      action: 'use credentials that are allowed this operation on the repository',
    });
  }

  private async fail(res: HttpResponse, what: string): Promise<never> {
    const text = await res.body.text().catch(() => '');
    throw statusError(res.status, text, this.registry, what);
  }

  // --- manifests ---------------------------------------------------------

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const what = `get manifest ${repository}:${reference}`;
    const res = await this.call(
      { method: 'GET', url: pathOf(repository, 'manifests', reference), headers: { accept: manifestAccept } },
      [repositoryScope(repository, ['pull'])],
      what,
    );
    if (res.status !== 200) await this.fail(res, what);
    const bytes = await readLimited(res, maxManifestBytes, what).catch((e: unknown) => {
      throw networkError(e, this.registry, what, this.transport.signal);
    });
    const headerDigest = res.headers['docker-content-digest'];
    const expected = reference.includes(':') ? reference : headerDigest?.startsWith('sha256:') ? headerDigest : undefined;
    const actual = digestOf(bytes, expected?.startsWith('sha512:') ? 'sha512' : 'sha256');
    if (expected && expected !== actual) {
      throw new RegistryError(`${what}: the manifest does not match its digest (expected ${expected}, got ${actual})`, {
        code: 'digest-mismatch',
        action: 'the manifest was corrupted in transit or in the registry; try again',
      });
    }
    let manifest: Manifest;
    try {
      manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
    } catch {
      throw new RegistryError(`${what}: the manifest is not valid JSON`, { code: 'invalid-response' });
    }
    const mediaType = manifest.mediaType ?? res.headers['content-type']?.split(';')[0]?.trim() ?? MediaType.ociManifest;
    return { digest: actual, mediaType, bytes, manifest };
  }

  /** HEAD of a manifest; undefined when the tag or digest does not exist. */
  async headManifest(repository: string, reference: string): Promise<ManifestHead | undefined> {
    const what = `check manifest ${repository}:${reference}`;
    const res = await this.call(
      { method: 'HEAD', url: pathOf(repository, 'manifests', reference), headers: { accept: manifestAccept } },
      [repositoryScope(repository, ['pull'])],
      what,
    );
    await res.body.dump();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw statusError(res.status, '', this.registry, what);
    const digest = res.headers['docker-content-digest'];
    if (!digest) {
      // Some registries omit the header on HEAD; fall back to GET and hash.
      const got = await this.getManifest(repository, reference);
      return { digest: got.digest, mediaType: got.mediaType, size: got.bytes.length };
    }
    return { digest, mediaType: res.headers['content-type']?.split(';')[0]?.trim() ?? '', size: Number(res.headers['content-length'] ?? 0) };
  }

  /** PUTs manifest bytes under a tag or digest; returns the manifest digest. */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const what = `put manifest ${repository}:${reference}`;
    const res = await this.call(
      { method: 'PUT', url: pathOf(repository, 'manifests', reference), headers: { 'content-type': mediaType }, body: bytes },
      [repositoryScope(repository, ['pull', 'push'])],
      what,
    );
    if (res.status !== 201 && res.status !== 200) await this.fail(res, what);
    await res.body.dump();
    const digest = digestOf(bytes);
    const reported = res.headers['docker-content-digest'];
    if (reported && reported.startsWith('sha256:') && reported !== digest) {
      throw new RegistryError(`${what}: the registry stored digest ${reported} but we sent ${digest}`, { code: 'digest-mismatch' });
    }
    return digest;
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const what = `delete manifest ${repository}@${digest}`;
    const res = await this.call({ method: 'DELETE', url: pathOf(repository, 'manifests', digest) }, [repositoryScope(repository, ['delete'])], what);
    if (res.status !== 202 && res.status !== 200 && res.status !== 204) await this.fail(res, what);
    await res.body.dump();
  }

  // --- blobs -------------------------------------------------------------

  /** Size of a blob, or undefined when the repository does not have it. */
  async headBlob(repository: string, digest: string, scopes = ['pull']): Promise<number | undefined> {
    const what = `check blob ${digest}`;
    const res = await this.call({ method: 'HEAD', url: pathOf(repository, 'blobs', digest) }, [repositoryScope(repository, scopes)], what);
    await res.body.dump();
    if (res.status === 404) return undefined;
    if (res.status === 307 || res.status === 302) return -1; // exists, served elsewhere
    if (res.status !== 200) throw statusError(res.status, '', this.registry, what);
    return Number(res.headers['content-length'] ?? -1);
  }

  /**
   * A stream of the blob's bytes that fails unless they match `descriptor`'s
   * digest and size. Follows redirects to storage without our Authorization. `onBytes` hears the
   * bytes as they pass (progress).
   */
  async openBlob(repository: string, descriptor: Pick<Descriptor, 'digest' | 'size'>, onBytes?: (n: number) => void): Promise<Readable> {
    const what = `get blob ${descriptor.digest}`;
    let res = await this.call({ method: 'GET', url: pathOf(repository, 'blobs', descriptor.digest) }, [repositoryScope(repository, ['pull'])], what);
    for (let hops = 0; [301, 302, 303, 307, 308].includes(res.status); hops++) {
      await res.body.dump();
      if (hops >= 5) throw new RegistryError(`${what}: too many redirects`, { code: 'invalid-response' });
      const target = resolveLocation(res.url, res.headers['location'], what, this.registry);
      res = await this.transport.send({ method: 'GET', url: target.toString() }, what);
    }
    if (res.status !== 200) await this.fail(res, what);
    const verifier = new VerifiedStream(descriptor, what, onBytes);
    const body = res.body;
    // A dropped connection surfaces as a RegistryError on the stream the caller reads.
    body.on('error', (e: unknown) => {
      if (!verifier.destroyed) verifier.destroy(networkError(e, this.registry, what, this.transport.signal));
    });
    // pipeline() links both ways (a consumer that stops early frees the connection)
    // and keeps late errors from becoming unhandled 'error' events.
    pipeline(body, verifier, () => undefined);
    return verifier;
  }

  /** Downloads a blob into `file`, verified, retrying a cut or corrupted transfer from the start. */
  async downloadBlob(repository: string, descriptor: Pick<Descriptor, 'digest' | 'size'>, file: string, onBytes?: (n: number) => void): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await pipelineAsync(await this.openBlob(repository, descriptor, onBytes), createWriteStream(file));
        return;
      } catch (err) {
        await rm(file, { force: true });
        const retriable = isRegistryError(err, 'digest-mismatch') || isRegistryError(err, 'network') || isRegistryError(err, 'timeout');
        if (!retriable || attempt >= this.policy.retries || this.transport.signal?.aborted) {
          throw err instanceof RegistryError ? err : networkError(err, this.registry, `get blob ${descriptor.digest}`, this.transport.signal);
        }
        await sleep(backoffDelay(this.policy, attempt + 1), this.transport.signal);
      }
    }
  }

  /** Cross-repository mount; true when the registry now has the blob in `repository`. */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const what = `mount blob ${digest} from ${from}`;
    const url = `${pathOf(repository, 'blobs', 'uploads/')}?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
    const res = await this.call(
      { method: 'POST', url, headers: { 'content-length': '0' } },
      [repositoryScope(repository, ['pull', 'push']), repositoryScope(from, ['pull'])],
      what,
    );
    await res.body.dump();
    if (res.status === 201) return true;
    if (res.status === 202) {
      // Mount refused: the registry opened an upload instead; cancel it.
      const location = res.headers['location'];
      if (location) await this.cancelUpload(repository, new URL(location, res.url)).catch(() => undefined);
      return false;
    }
    throw statusError(res.status, '', this.registry, what);
  }

  /**
   * Uploads a blob unless the repository already has it: POST, then one PUT
   * (small blobs) or PATCH chunks and a closing PUT. A cut or rejected upload
   * starts a fresh session, so no half-written blob is ever committed.
   */
  async uploadBlob(repository: string, blob: BlobSource, options: UploadOptions = {}): Promise<UploadOutcome> {
    const scopes = [repositoryScope(repository, ['pull', 'push'])];
    if ((await this.headBlob(repository, blob.digest, ['pull', 'push'])) !== undefined) return 'exists';
    if (options.mountFrom && options.mountFrom !== repository && (await this.mountBlob(repository, blob.digest, options.mountFrom))) return 'mounted';
    const what = `upload blob ${blob.digest}`;
    for (let attempt = 0; ; attempt++) {
      let location: URL | undefined;
      let sending = false;
      try {
        const start = await this.call({ method: 'POST', url: pathOf(repository, 'blobs', 'uploads/'), headers: { 'content-length': '0' } }, scopes, what);
        if (start.status !== 202) await this.fail(start, what);
        await start.body.dump();
        location = resolveLocation(start.url, start.headers['location'], what, this.registry);
        sending = true;
        await this.sendBlob(location, blob, scopes, what, options);
        return 'uploaded';
      } catch (err) {
        if (location) await this.cancelUpload(repository, location).catch(() => undefined);
        // Only a cut or refused body starts a new session: the POST has had its own retries
        // already, and retrying it again here multiplied them (a registry that was down took
        // 16 attempts and ~40 s to report).
        const retriable =
          sending &&
          (isRegistryError(err, 'network') ||
            isRegistryError(err, 'timeout') ||
            isRegistryError(err, 'server-error') ||
            (isRegistryError(err) &&
              (err.registryCodes.includes('DIGEST_INVALID') ||
                err.registryCodes.includes('BLOB_UPLOAD_INVALID') ||
                err.registryCodes.includes('SIZE_INVALID'))));
        if (!retriable || attempt >= this.policy.retries || this.transport.signal?.aborted) {
          if (isRegistryError(err) && err.registryCodes.includes('DIGEST_INVALID')) {
            throw new RegistryError(`${what}: the registry received bytes that do not match the digest`, {
              code: 'digest-mismatch',
              action: 'the upload was corrupted in transit; try again',
              cause: err,
            });
          }
          throw err;
        }
        await sleep(backoffDelay(this.policy, attempt + 1), this.transport.signal).catch((e: unknown) => {
          throw networkError(e, this.registry, what, this.transport.signal);
        });
      }
    }
  }

  private async sendBlob(location: URL, blob: BlobSource, scopes: string[], what: string, options: UploadOptions): Promise<void> {
    const monolithicLimit = options.chunkSize ?? defaultChunkSize;
    const chunkSize = options.chunkSize ?? blob.size;
    const counted = (range?: { start: number; end: number }) => () => {
      const s = blob.open(range);
      return options.onBytes ? countBytes(s, options.onBytes) : s;
    };
    let url = location;
    if (blob.size > monolithicLimit) {
      for (let start = 0; start < blob.size; start += chunkSize) {
        const end = Math.min(blob.size, start + chunkSize) - 1;
        const res = await this.call(
          {
            method: 'PATCH',
            url: url.toString(),
            headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1), 'content-range': `${start}-${end}` },
            body: counted({ start, end }),
            retry: false,
          },
          scopes,
          what,
        );
        if (res.status !== 202) await this.fail(res, what);
        await res.body.dump();
        url = resolveLocation(url.toString(), res.headers['location'], what, this.registry);
      }
    }
    const final = new URL(url);
    final.searchParams.set('digest', blob.digest);
    const monolithic = blob.size <= monolithicLimit;
    const res = await this.call(
      {
        method: 'PUT',
        url: final.toString(),
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(monolithic ? blob.size : 0) },
        ...(monolithic ? { body: counted() } : {}),
        retry: false,
      },
      scopes,
      what,
    );
    if (res.status !== 201 && res.status !== 204) await this.fail(res, what);
    await res.body.dump();
  }

  private async cancelUpload(repository: string, location: URL): Promise<void> {
    const res = await this.call({ method: 'DELETE', url: location.toString(), retry: false }, [repositoryScope(repository, ['pull', 'push'])], 'cancel upload');
    await res.body.dump();
  }

  // --- tags and referrers -------------------------------------------------

  /**
   * Every tag. Follows `Link: rel="next"` pages; a registry that pages by `n`
   * without sending Link (go-containerregistry's) is walked with `last=`; one
   * that ignores `n` (distribution 2.8) answers everything at once.
   */
  async listTags(repository: string, pageSize = 1000): Promise<string[]> {
    const what = `list tags of ${repository}`;
    const tags: string[] = [];
    const known = new Set<string>();
    const seenUrls = new Set<string>();
    let url: string | undefined = `${pathOf(repository, 'tags', 'list')}?n=${pageSize}`;
    while (url) {
      if (seenUrls.has(url)) throw new RegistryError(`${what}: the registry's pagination loops`, { code: 'invalid-response' });
      seenUrls.add(url);
      const res = await this.call({ method: 'GET', url }, [repositoryScope(repository, ['pull'])], what);
      if (res.status === 404) {
        const text = await res.body.text();
        if (text.includes('NAME_UNKNOWN')) return [];
        throw statusError(404, text, this.registry, what);
      }
      if (res.status !== 200) await this.fail(res, what);
      let page: string[];
      try {
        page = ((JSON.parse(await res.body.text()) as { tags?: string[] | null }).tags ?? []).filter((t) => typeof t === 'string');
      } catch {
        throw new RegistryError(`${what}: the registry answered something that is not a tag list`, { code: 'invalid-response' });
      }
      const fresh = page.filter((t) => !known.has(t));
      for (const t of fresh) known.add(t);
      tags.push(...fresh);
      const next = nextLink(res.headers['link']);
      if (next) url = new URL(next, res.url).toString();
      else if (page.length === pageSize && fresh.length > 0)
        url = `${pathOf(repository, 'tags', 'list')}?n=${pageSize}&last=${encodeURIComponent(page[page.length - 1]!)}`;
      else url = undefined;
    }
    return tags;
  }

  /**
   * Manifests that refer to `digest` (signatures, SBOMs, attestations): the
   * referrers API, or the `sha256-<hex>` fallback tag on registries without it.
   */
  async referrers(repository: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
    const what = `list referrers of ${digest}`;
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.call(
      { method: 'GET', url: `${pathOf(repository, 'referrers', digest)}${query}`, headers: { accept: MediaType.ociIndex } },
      [repositoryScope(repository, ['pull'])],
      what,
    );
    let index: ImageIndex | undefined;
    let filtered = false;
    const contentType = res.headers['content-type'] ?? '';
    if (res.status === 200 && contentType.includes('json')) {
      index = JSON.parse(await res.body.text()) as ImageIndex;
      filtered = (res.headers['oci-filters-applied'] ?? '').includes('artifactType');
    } else if (res.status === 404 || res.status === 405 || res.status === 400 || res.status === 200) {
      await res.body.dump();
      const fallbackTag = digest.replace(':', '-');
      try {
        const got = await this.getManifest(repository, fallbackTag);
        index = got.manifest as ImageIndex;
      } catch (err) {
        if (isRegistryError(err, 'not-found')) return [];
        throw err;
      }
    } else {
      await this.fail(res, what);
    }
    const list = Array.isArray(index?.manifests) ? index.manifests : [];
    return artifactType && !filtered ? list.filter((d) => d.artifactType === artifactType) : list;
  }
}
