/**
 * The files of an artifact, through the artifact content cache (issue 14): resolve the
 * reference (a digest already cached needs no registry), pick the layer like
 * source-controller, download and unpack it once, then answer from the cache. When the
 * registry cannot be reached, a tag falls back to the digest it last resolved to.
 */
import { ArtifactContentCache, type CachedManifest } from '../artifact/contentCache';
import type { TreeEntry } from '../artifact/contract';
import type { ImageManifest } from '../manifest';
import { AnnotationKey } from '../mediaTypes';
import { formatReference, parseArtifactUrl, type OciReference } from '../reference';
import { isRegistryError, RegistryError } from '../registry/errors';
import { withRegistry, type ConnectionOptions } from '../registry/access';
import { byteReporter, retryReporter, type ProgressListener } from './progress';
import { resolveArtifact, selectLayer } from './resolveArtifact';
import { countBytes } from '../registry/countingStream';

export interface OpenArtifactOptions {
  /** `oci://host/repo:tag` or `@digest`. */
  url: string;
  cache: ArtifactContentCache;
  connection: ConnectionOptions;
  /** `layerSelector.mediaType`; default: the first layer. */
  layerMediaType?: string;
  /** Layers the cache must not drop while this one is stored (the other side of a comparison). */
  keep?: readonly string[];
  onProgress?: ProgressListener;
}

export interface ArtifactSnapshot {
  /** `oci://host/repo@digest` */
  url: string;
  registry: string;
  repository: string;
  /** The tag the reference named, if any (with a digest too, the digest decided the content). */
  tag?: string;
  /** What the reference resolved to (the index digest for an index, as in Flux). */
  digest: string;
  layerDigest: string;
  files: TreeEntry[];
  source?: string;
  revision?: string;
  created?: string;
  /** Answered from the cache without asking the registry. */
  offline: boolean;
  /** Set when the registry could not be reached and a tag was read as the digest it last had. */
  staleSince?: string;
}

function cachedManifestOf(digest: string, manifest: ImageManifest): CachedManifest {
  return {
    digest,
    layers: manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
    annotations: { ...(manifest.annotations ?? {}) },
  };
}

function pickLayer(m: CachedManifest, mediaType: string | undefined): CachedManifest['layers'][number] {
  return selectLayer({ layers: m.layers } as unknown as ImageManifest, mediaType);
}

const unreachable = (e: unknown): boolean => isRegistryError(e, 'network') || isRegistryError(e, 'timeout');

/** The artifact's files, downloading and unpacking its layer into the cache if needed. */
export async function openArtifact(opts: OpenArtifactOptions): Promise<ArtifactSnapshot> {
  const ref = parseArtifactUrl(opts.url);
  const cache = opts.cache;
  const refName = formatReference({ registry: ref.registry, repository: ref.repository, tag: ref.tag ?? 'latest' });

  const fromCache = async (digest: string, staleSince?: string): Promise<ArtifactSnapshot | undefined> => {
    const m = await cache.manifest(digest);
    if (!m) return undefined;
    const layer = pickLayer(m, opts.layerMediaType);
    const stored = await cache.layer(layer.digest);
    if (!stored) return undefined;
    return snapshot(ref, digest, m, stored.files, layer.digest, true, staleSince);
  };

  if (ref.digest) {
    const hit = await fromCache(ref.digest);
    if (hit) return hit;
  }
  try {
    return await withRegistry(ref.registry, opts.connection, retryReporter(opts.onProgress), async (client) => {
      opts.onProgress?.({ phase: 'resolve', message: `resolving ${formatReference(ref)}` });
      const resolved = await resolveArtifact(client, ref);
      const m = cachedManifestOf(resolved.digest, resolved.manifest);
      await cache.rememberManifest(m);
      if (!ref.digest) await cache.rememberRef(refName, resolved.digest);
      const layer = pickLayer(m, opts.layerMediaType);
      const signal = opts.connection.signal;
      const stored = await cache.storeLayer(
        layer.digest,
        async () => {
          opts.onProgress?.({
            phase: 'download',
            message: `downloading ${ref.repository}@${resolved.digest.slice(0, 19)}… (${layer.size} bytes)`,
            bytes: 0,
            total: layer.size,
          });
          return countBytes(
            await client.openBlob(ref.repository, layer),
            byteReporter('download', `downloading ${ref.repository}`, layer.size, opts.onProgress),
          );
        },
        { ...(signal ? { signal } : {}), ...(opts.keep ? { keep: opts.keep } : {}) },
      );
      return snapshot(ref, resolved.digest, m, stored.files, layer.digest, false);
    });
  } catch (e) {
    if (!ref.digest && unreachable(e)) {
      const last = await cache.ref(refName);
      const hit = last && (await fromCache(last.digest, last.at));
      if (hit) {
        opts.onProgress?.({
          phase: 'resolve',
          message: `the registry cannot be reached; using ${ref.tag ?? 'latest'} as it was on ${last.at} (${last.digest})`,
        });
        return hit;
      }
    }
    throw e;
  }
}

function snapshot(
  ref: OciReference,
  digest: string,
  m: CachedManifest,
  files: TreeEntry[],
  layerDigest: string,
  offline: boolean,
  staleSince?: string,
): ArtifactSnapshot {
  const a = m.annotations;
  return {
    url: `oci://${ref.registry}/${ref.repository}@${digest}`,
    registry: ref.registry,
    repository: ref.repository,
    // Named by the caller (`repo:tag` or `repo:tag@digest`); a digest alone has no tag.
    ...(ref.tag ? { tag: ref.tag } : {}),
    digest,
    layerDigest,
    files,
    ...(a[AnnotationKey.source] !== undefined ? { source: a[AnnotationKey.source] } : {}),
    ...(a[AnnotationKey.revision] !== undefined ? { revision: a[AnnotationKey.revision] } : {}),
    ...(a[AnnotationKey.created] !== undefined ? { created: a[AnnotationKey.created] } : {}),
    offline,
    ...(staleSince ? { staleSince } : {}),
  };
}

export interface ReadArtifactFileOptions {
  /** `oci://host/repo@digest` (a tag works too, but a digest is what makes the answer stable). */
  url: string;
  /** Path inside the artifact, '/'-separated. */
  path: string;
  cache: ArtifactContentCache;
  connection: ConnectionOptions;
  layerMediaType?: string;
}

/** One file of an artifact; a `not-found` RegistryError when the artifact has no such file. */
export async function readArtifactFile(opts: ReadArtifactFileOptions): Promise<{ content: Buffer; entry: TreeEntry; snapshot: ArtifactSnapshot }> {
  const snap = await openArtifact({
    url: opts.url,
    cache: opts.cache,
    connection: opts.connection,
    ...(opts.layerMediaType ? { layerMediaType: opts.layerMediaType } : {}),
  });
  const entry = snap.files.find((f) => f.path === opts.path);
  const content = entry && (await opts.cache.readFile(snap.layerDigest, opts.path));
  if (!entry || !content) {
    throw new RegistryError(`${formatReference(parseArtifactUrl(opts.url))} has no file ${opts.path}`, { code: 'not-found' });
  }
  return { content, entry, snapshot: snap };
}
