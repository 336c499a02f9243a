/**
 * `diff artifact`: which files differ between a local folder and a remote
 * artifact (flux only compares the layer digest, which two different gzip
 * implementations never agree on). The remote layer is streamed, checked
 * against its digest and hashed file by file; nothing is written to disk.
 */
import { diffTrees, readLayerTree, readLocalTree } from '../artifact/treeDiff';
import type { FileChange } from '../artifact/contract';
import { parseArtifactUrl } from '../reference';
import { isRegistryError } from '../registry/errors';
import { backoffDelay, defaultRetryPolicy, sleep } from '../registry/retryPolicy';
import { resolveArtifact, selectLayer } from './resolveArtifact';
import { withRegistry, type ConnectionOptions } from '../registry/access';
import { retryReporter, type ProgressListener } from './progress';

export interface DiffArtifactOptions {
  url: string;
  paths: string[];
  cwd: string;
  ignorePaths?: string[];
  replaceDefaultIgnores?: boolean;
  layerMediaType?: string;
  connection: ConnectionOptions;
  onProgress?: ProgressListener;
}

export interface DiffArtifactResult {
  url: string;
  digest: string;
  identical: boolean;
  /** `added` = only in the remote artifact, `removed` = only local, `modified` = content or mode differs. */
  changes: FileChange[];
  localFiles: number;
  remoteFiles: number;
}

export async function diffArtifact(opts: DiffArtifactOptions): Promise<DiffArtifactResult> {
  const ref = parseArtifactUrl(opts.url);
  const signal = opts.connection.signal;
  const policy = { ...defaultRetryPolicy, ...opts.connection.retry };
  const local = await readLocalTree({
    paths: opts.paths,
    cwd: opts.cwd,
    ...(opts.ignorePaths ? { ignorePaths: opts.ignorePaths } : {}),
    ...(opts.replaceDefaultIgnores ? { replaceDefaultIgnores: true } : {}),
    ...(signal ? { signal } : {}),
  });
  return withRegistry(ref.registry, opts.connection, retryReporter(opts.onProgress), async (client) => {
    const resolved = await resolveArtifact(client, ref);
    const layer = selectLayer(resolved.manifest, opts.layerMediaType);
    opts.onProgress?.({ phase: 'diff', message: `comparing with ${ref.registry}/${ref.repository}@${resolved.digest}` });
    for (let n = 0; ; n++) {
      try {
        const remote = await readLayerTree(await client.openBlob(ref.repository, layer), signal ? { signal } : {});
        const changes = diffTrees(local, remote);
        return {
          url: `${ref.registry}/${ref.repository}@${resolved.digest}`,
          digest: resolved.digest,
          identical: changes.length === 0,
          changes,
          localFiles: local.length,
          remoteFiles: remote.length,
        };
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause;
        const transient = [err, cause].some((e) => isRegistryError(e, 'network') || isRegistryError(e, 'timeout') || isRegistryError(e, 'digest-mismatch'));
        if (!transient || n >= policy.retries || signal?.aborted) throw isRegistryError(cause) ? cause : err;
        await sleep(backoffDelay(policy, n + 1), signal);
      }
    }
  });
}
