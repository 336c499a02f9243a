/**
 * `pull artifact`: resolve the reference, fetch the manifest by digest, pick
 * the layer like source-controller (layerSelector media type, else the first
 * layer) and extract or copy it. Every byte is digest-checked while it
 * streams, extraction happens in a temporary folder renamed into place, and a
 * cut or corrupted download starts again from scratch: a failure leaves nothing behind.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { extractLayer, copyLayer } from '../artifact/extract';
import { ArtifactError } from '../artifact/artifactError';
import { parseArtifactUrl } from '../reference';
import { isRegistryError } from '../registry/errors';
import { backoffDelay, defaultRetryPolicy, sleep } from '../registry/retryPolicy';
import type { Descriptor } from '../manifest';
import { resolveArtifact, selectLayer } from './resolveArtifact';
import { withRegistry, type ConnectionOptions } from '../registry/access';
import { byteReporter, retryReporter, type ProgressListener } from './progress';

export type LayerOperation = 'extract' | 'copy';

export interface PullArtifactOptions {
  /** `oci://host/repo:tag` or `@digest`. */
  url: string;
  /** Folder to extract into (must not exist or be empty), or the file to copy to. */
  output: string;
  cwd: string;
  /** `layerSelector.mediaType`; default: the first layer. */
  layerMediaType?: string;
  /** Default: extract when the layer is gzip, else copy (what flux pull does). */
  operation?: LayerOperation;
  /** Refuse content that unpacks to more than this (default 1 GiB). */
  maxBytes?: number;
  connection: ConnectionOptions;
  onProgress?: ProgressListener;
}

export interface PullArtifactResult {
  /** `host/repo@sha256:...` */
  url: string;
  digest: string;
  source?: string;
  revision?: string;
  created?: string;
  layer: Descriptor;
  operation: LayerOperation;
  output: string;
  files?: number;
  bytes: number;
}

/** What the media type says about compression; undefined = unknown, try extracting and fall back to copy. */
function looksGzip(mediaType: string): boolean | undefined {
  if (/gzip|tgz|\+gz/.test(mediaType)) return true;
  if (/\.prov$|json$/.test(mediaType)) return false;
  return undefined;
}

/** A copy into an existing folder is named after the repository (`app.tgz` for `org/app`). */
async function copyTarget(output: string, repository: string, layer: Descriptor): Promise<string> {
  const st = await stat(output).catch(() => undefined);
  if (!st?.isDirectory()) return output;
  const base = repository.split('/').pop() ?? 'artifact';
  return path.join(output, looksGzip(layer.mediaType) ? `${base}.tgz` : base);
}

export async function pullArtifact(opts: PullArtifactOptions): Promise<PullArtifactResult> {
  const ref = parseArtifactUrl(opts.url);
  const output = path.resolve(opts.cwd, opts.output);
  const progress = opts.onProgress;
  const signal = opts.connection.signal;
  const policy = { ...defaultRetryPolicy, ...opts.connection.retry };
  return withRegistry(ref.registry, opts.connection, retryReporter(progress), async (client) => {
    progress?.({ phase: 'resolve', message: `resolving ${ref.registry}/${ref.repository}:${ref.digest ?? ref.tag}` });
    const resolved = await resolveArtifact(client, ref);
    const layer = selectLayer(resolved.manifest, opts.layerMediaType);
    let operation = opts.operation ?? (looksGzip(layer.mediaType) === false ? 'copy' : undefined);

    const attempt = async (): Promise<{ files?: number; bytes: number; operation: LayerOperation; output: string }> => {
      // Progress is counted by the digest-checking stream itself: one stream hop less per chunk.
      const stream = await client.openBlob(ref.repository, layer, byteReporter('download', 'downloading layer', layer.size, progress));
      if (operation === 'copy') {
        const target = await copyTarget(output, ref.repository, layer);
        const r = await copyLayer(stream, target, {
          expectedDigest: layer.digest,
          ...(signal ? { signal } : {}),
          ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}),
        });
        return { bytes: r.bytes, operation: 'copy', output: target };
      }
      // openBlob's stream fails unless every byte matches layer.digest: no second hash.
      const r = await extractLayer(stream, output, {
        sourceVerifiedDigest: layer.digest,
        ...(signal ? { signal } : {}),
        ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}),
      });
      return { files: r.files, bytes: r.bytes, operation: 'extract', output };
    };

    progress?.({ phase: 'download', message: `pulling layer ${layer.digest} (${layer.size} bytes)`, bytes: 0, total: layer.size });
    let done: { files?: number; bytes: number; operation: LayerOperation; output: string } | undefined;
    for (let n = 0; !done; n++) {
      try {
        done = await attempt();
      } catch (err) {
        // Not gzip and the caller did not insist on extracting: store it as it is, like flux pull.
        if (err instanceof ArtifactError && err.code === 'not-gzip' && opts.operation === undefined && operation === undefined) {
          operation = 'copy';
          continue;
        }
        const transient =
          isRegistryError(err, 'network') ||
          isRegistryError(err, 'timeout') ||
          isRegistryError(err, 'digest-mismatch') ||
          (err instanceof ArtifactError && err.code === 'digest-mismatch');
        if (!transient || n >= policy.retries || signal?.aborted) throw err;
        progress?.({ phase: 'retry', message: `download failed (${(err as Error).message}); retrying` });
        await sleep(backoffDelay(policy, n + 1), signal);
      }
    }
    progress?.({ phase: 'done', message: `pulled ${ref.registry}/${ref.repository}@${resolved.digest}` });
    return {
      url: `${ref.registry}/${ref.repository}@${resolved.digest}`,
      digest: resolved.digest,
      ...(resolved.source !== undefined ? { source: resolved.source } : {}),
      ...(resolved.revision !== undefined ? { revision: resolved.revision } : {}),
      ...(resolved.created !== undefined ? { created: resolved.created } : {}),
      layer,
      operation: done.operation,
      output: done.output,
      ...(done.files !== undefined ? { files: done.files } : {}),
      bytes: done.bytes,
    };
  });
}
