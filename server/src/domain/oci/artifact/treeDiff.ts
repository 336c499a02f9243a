/**
 * File-by-file comparison of a local tree with the content of a layer, for
 * `diff artifact`. flux only compares whole-layer digests ("the remote artifact
 * contents differs"), which can never match a layer built by another gzip; this
 * compares what matters: paths, content hashes and permission bits.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { ArtifactError } from './artifactError.ts';
import type { BuildLayerOptions, FileChange, TreeEntry } from './contract.ts';
import { asReadable, safeEntryPath } from './extract.ts';
import { walkLocalTree } from './localTree.ts';

function byPath(a: { path: string }, b: { path: string }): number {
  return Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));
}

/** The regular files of a tar+gzip layer, hashed while streaming, sorted by path. */
export async function readLayerTree(source: Readable | AsyncIterable<Uint8Array>, opts: { signal?: AbortSignal } = {}): Promise<TreeEntry[]> {
  const out = new Map<string, TreeEntry>();
  const extract = tarStream.extract();
  extract.on('entry', (header, stream, next) => {
    stream.on('error', () => undefined); // reported through next(); see extract.ts
    (async () => {
      const rel = safeEntryPath(header.name);
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        stream.resume();
        return;
      }
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
      // A later entry of the same name wins, as when tar extracts.
      out.set(rel, { path: rel, size, digest: `sha256:${hash.digest('hex')}`, mode: (header.mode ?? 0o644) & 0o7777 });
    })().then(
      () => next(),
      (e) => {
        stream.resume();
        next(e);
      },
    );
  });
  try {
    await pipeline(asReadable(source), createGunzip({ chunkSize: 256 * 1024 }), extract, { signal: opts.signal });
  } catch (e) {
    if (e instanceof ArtifactError) throw e;
    throw new ArtifactError('bad-archive', `cannot read the layer as tar+gzip: ${(e as Error).message}`, { cause: e });
  }
  return [...out.values()].sort(byPath);
}

/** The files `buildLayer(opts)` would pack, with their hashes, sorted by archive path. */
export async function readLocalTree(opts: BuildLayerOptions): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  for await (const e of walkLocalTree(opts)) {
    if (e.type !== 'file') continue;
    const hash = createHash('sha256');
    let size = 0;
    if (e.size <= 1 << 20) {
      const content = readFileSync(e.absPath!); // sync on purpose, see localTree.ts
      hash.update(content);
      size = content.length;
    } else {
      for await (const chunk of createReadStream(e.absPath!, { signal: opts.signal })) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    }
    out.push({ path: e.name, size, digest: `sha256:${hash.digest('hex')}`, mode: e.mode });
  }
  return out.sort(byPath);
}

/**
 * How `remote` differs from `local`, in the contract's direction (local = before,
 * remote = after, like `git diff local remote`): `added` = only in the remote,
 * `removed` = only local, `modified` = content or permission bits differ.
 * Sorted by path.
 */
export function diffTrees(local: readonly TreeEntry[], remote: readonly TreeEntry[]): FileChange[] {
  const localByPath = new Map(local.map((e) => [e.path, e]));
  const changes: FileChange[] = [];
  for (const r of remote) {
    const l = localByPath.get(r.path);
    if (!l) {
      changes.push({ kind: 'added', path: r.path, remote: r });
      continue;
    }
    localByPath.delete(r.path);
    const contentDiffers = l.digest !== r.digest || l.size !== r.size;
    if (contentDiffers || (l.mode & 0o777) !== (r.mode & 0o777)) {
      changes.push({ kind: 'modified', path: r.path, local: l, remote: r, modeOnly: !contentDiffers });
    }
  }
  for (const l of localByPath.values()) changes.push({ kind: 'removed', path: l.path, local: l });
  return changes.sort(byPath);
}
