/**
 * `push artifact`: build the content layer, upload config and layer, and only
 * then PUT the manifest under the tag, so the tag never points at missing
 * content. A failure before the manifest PUT leaves the tag as it was.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { buildLayer } from '../artifact/buildLayer';
import { artifactAnnotations } from '../artifact/annotations';
import { fluxConfigBlob, fluxLayerDescriptor, fluxManifest } from '../artifact/fluxManifest';
import { AnnotationKey } from '../mediaTypes';
import { InvalidReferenceError, parseArtifactUrl } from '../reference';
import type { UploadOutcome } from '../registry/client';
import type { ConnectionOptions } from '../registry/access';
import { byteReporter, retryReporter, type ProgressListener } from './progress';

export interface PushArtifactOptions {
  /** `oci://host/repo[:tag]` (tag defaults to latest). */
  url: string;
  paths: string[];
  cwd: string;
  /** Default: the git remote of `cwd`. */
  source?: string;
  /** Default: `<branch>@sha1:<HEAD>` of `cwd`. */
  revision?: string;
  /** `key=value` pairs. */
  annotations?: string[];
  ignorePaths?: string[];
  replaceDefaultIgnores?: boolean;
  /** Use the Unix epoch as creation time so identical input gives an identical digest. */
  reproducible?: boolean;
  connection: ConnectionOptions;
  onProgress?: ProgressListener;
}

export interface PushArtifactResult {
  /** `oci://host/repo@sha256:...`, what flux prints. */
  url: string;
  repository: string;
  tag: string;
  digest: string;
  layer: { digest: string; size: number; files: number; upload: UploadOutcome };
  annotations: Record<string, string>;
}

export async function pushArtifact(opts: PushArtifactOptions): Promise<PushArtifactResult> {
  const ref = parseArtifactUrl(opts.url);
  if (ref.digest) throw new InvalidReferenceError(`push needs a tag, not a digest: ${opts.url}`);
  const tag = ref.tag ?? 'latest';
  const progress = opts.onProgress;
  const created = opts.reproducible ? '1970-01-01T00:00:00Z' : undefined;
  // The registry client (HTTP, the auth stack) loads while the layer is packed: loading it is
  // main-thread work the compression threads overlap, where before it delayed the packing.
  const registryAccess = import('../registry/access');
  registryAccess.catch(() => undefined); // awaited after the packing
  // Annotations first: a missing git source fails before any packing work.
  const annotations = await artifactAnnotations({
    cwd: opts.cwd,
    ...(opts.source !== undefined ? { source: opts.source } : {}),
    ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
    ...(created ? { created } : {}),
    ...(opts.connection.env ? { env: opts.connection.env } : {}),
  });
  progress?.({ phase: 'build', message: `packing ${opts.paths.join(', ')}` });
  const layer = await buildLayer({
    paths: opts.paths,
    cwd: opts.cwd,
    ...(opts.ignorePaths ? { ignorePaths: opts.ignorePaths } : {}),
    ...(opts.replaceDefaultIgnores ? { replaceDefaultIgnores: true } : {}),
    ...(opts.connection.signal ? { signal: opts.connection.signal } : {}),
  });
  try {
    const config = fluxConfigBlob(annotations[AnnotationKey.created]!);
    const manifest = fluxManifest(config.descriptor, fluxLayerDescriptor(layer), annotations);
    const { withRegistry } = await registryAccess;
    return await withRegistry(ref.registry, opts.connection, retryReporter(progress), async (client) => {
      progress?.({ phase: 'upload', message: `uploading layer ${layer.digest} (${layer.size} bytes, ${layer.fileCount} files)`, bytes: 0, total: layer.size });
      const layerUpload = await client.uploadBlob(
        ref.repository,
        {
          digest: layer.digest,
          size: layer.size,
          // 1 MiB reads: the default 64 KiB means 16x more chunks through the counting and HTTP streams.
          open: (range) => createReadStream(layer.file, { highWaterMark: 1 << 20, ...(range ? { start: range.start, end: range.end } : {}) }),
        },
        { onBytes: byteReporter('upload', 'uploading layer', layer.size, progress) },
      );
      await client.uploadBlob(ref.repository, {
        digest: config.descriptor.digest,
        size: config.bytes.length,
        open: (range) => Readable.from([range ? config.bytes.subarray(range.start, range.end + 1) : config.bytes]),
      });
      progress?.({ phase: 'tag', message: `tagging ${tag}` });
      const digest = await client.putManifest(ref.repository, tag, manifest.bytes, manifest.mediaType);
      const repository = `${ref.registry}/${ref.repository}`;
      progress?.({ phase: 'done', message: `pushed ${repository}@${digest}` });
      return {
        url: `oci://${repository}@${digest}`,
        repository,
        tag,
        digest,
        layer: { digest: layer.digest, size: layer.size, files: layer.fileCount, upload: layerUpload },
        annotations,
      };
    });
  } finally {
    await layer.dispose();
  }
}
