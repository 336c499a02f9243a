/** `build artifact`: the content layer as a local .tgz, written to a temp file and renamed into place. */
import { copyFile, chmod, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildLayer } from '../artifact/buildLayer';
import { describeWriteFailure } from '../artifact/writeFailure';
import type { ProgressListener } from './progress';

export interface BuildArtifactOptions {
  paths: string[];
  cwd: string;
  /** Default `artifact.tgz`, relative to cwd. */
  output?: string;
  ignorePaths?: string[];
  replaceDefaultIgnores?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface BuildArtifactResult {
  path: string;
  digest: string;
  size: number;
  files: number;
}

export async function buildArtifact(opts: BuildArtifactOptions): Promise<BuildArtifactResult> {
  const output = path.resolve(opts.cwd, opts.output ?? 'artifact.tgz');
  opts.onProgress?.({ phase: 'build', message: `packing ${opts.paths.join(', ')}` });
  const layer = await buildLayer({
    paths: opts.paths,
    cwd: opts.cwd,
    ...(opts.ignorePaths ? { ignorePaths: opts.ignorePaths } : {}),
    ...(opts.replaceDefaultIgnores ? { replaceDefaultIgnores: true } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const temp = `${output}.flux-oci-${process.pid}.tmp`;
  try {
    await copyFile(layer.file, temp);
    await chmod(temp, 0o640);
    await rename(temp, output);
  } catch (err) {
    // force covers a temp file never made, not one that cannot be (ENOTDIR would hide the cause).
    await rm(temp, { force: true }).catch(() => undefined);
    throw describeWriteFailure(err, {
      target: output,
      writing: output,
      whenFull: 'free some space or raise the limit (ulimit -f), then try again',
      whenUnwritable: 'choose another output file',
    });
  } finally {
    await layer.dispose();
  }
  return { path: output, digest: layer.digest, size: layer.size, files: layer.fileCount };
}
