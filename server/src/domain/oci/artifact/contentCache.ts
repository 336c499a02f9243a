/**
 * The files of artifacts already fetched, kept on disk by layer digest so that comparing
 * two artifacts again, or opening one of their files in the editor, needs no registry
 * (issue 14). Content addressed: a layer digest names its bytes forever, so entries never
 * go stale; manifests are kept by digest too, and the digest a tag last resolved to is
 * remembered for when the registry cannot be reached.
 *
 * Layout, all under `root` (outside any workspace, by default the OS cache folder):
 *
 *   layers/sha256-<hex>/index.json   the layer's regular files (path, size, digest, mode)
 *   layers/sha256-<hex>/files/…      the files themselves, extracted by `extractLayer`
 *   manifests/sha256-<hex>.json      the layers and annotations of a manifest
 *   refs/<sha256 of host/repo:tag>.json  the digest the tag last resolved to
 *   staging/<random>/                a layer being stored, renamed into layers/ when complete
 *
 * Guarantees:
 * - Nothing is written outside `root`: every name under it is made from a checked digest
 *   or a hash, and layers go through the safe extraction (no `..`, no absolute names, no
 *   links leaving the folder, size capped) into `staging/`, then one rename.
 * - A reader sees a complete entry or none: `index.json` is written last inside staging.
 * - Bounded by size: after each store, least recently used layers are removed until the
 *   files add up to at most `maxBytes` (the layers in use by the caller are kept).
 * - Files are served only if the index lists them as regular files of the layer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile, lstat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkDigest } from '../../digest/digest.ts';
import { ArtifactError } from './artifactError.ts';
import type { TreeEntry } from './contract.ts';
import { extractLayer, safeEntryPath } from './extract.ts';
import { readLayerTree } from './treeDiff.ts';

/** Default bound of the cache: 512 MiB of unpacked files. */
export const defaultCacheBytes = 512 * 1024 * 1024;

/**
 * The cache's bound: `FLUX_OCI_ARTIFACT_CACHE_SIZE` (bytes, or with a K/M/G suffix such as `2G`),
 * else 512 MiB. Undefined for a value that is not a size (the caller says so).
 */
export function artifactCacheBytes(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env['FLUX_OCI_ARTIFACT_CACHE_SIZE']?.trim();
  if (!v) return defaultCacheBytes;
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$/i.exec(v);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  const bytes = Math.floor(Number(m[1]) * ({ b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[unit]!);
  return bytes > 0 ? bytes : undefined;
}

/** Staging folders older than this are leftovers of a process that died mid-store. */
const staleStagingMs = 60 * 60 * 1000;

/** The folder the artifact cache lives in: `FLUX_OCI_ARTIFACT_CACHE`, else the OS cache folder. */
export function defaultArtifactCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const explicit = env['FLUX_OCI_ARTIFACT_CACHE'];
  if (explicit) return path.resolve(explicit);
  const home = env['HOME'] || homedir();
  if (platform === 'win32') return path.join(env['LOCALAPPDATA'] || path.join(home, 'AppData', 'Local'), 'flux-oci', 'Cache', 'artifacts');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'flux-oci', 'artifacts');
  return path.join(env['XDG_CACHE_HOME'] || path.join(home, '.cache'), 'flux-oci', 'artifacts');
}

/** What the cache keeps of a manifest: enough to pick the layer without the registry. */
export interface CachedManifest {
  /** The digest the reference resolved to (an index keeps its own digest, as in Flux). */
  digest: string;
  layers: Array<{ digest: string; mediaType: string; size: number }>;
  annotations: Record<string, string>;
}

export interface CachedLayer {
  digest: string;
  files: TreeEntry[];
  /** Sum of the file sizes. */
  bytes: number;
}

interface LayerIndex extends CachedLayer {
  version: 1;
}

/** `sha256:<hex>` → `sha256-<hex>`, refusing anything that is not a well-formed digest. */
function digestName(digest: string): string {
  const c = checkDigest(digest);
  if (!c.ok) throw new ArtifactError('unsafe-path', `not a content digest: ${JSON.stringify(digest)} (${c.problem})`);
  return `${c.algorithm}-${c.hex}`;
}

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ENOENT';

export class ArtifactContentCache {
  readonly root: string;
  readonly maxBytes: number;
  /** Layers being stored by this process, so two callers share one download. */
  private readonly storing = new Map<string, Promise<CachedLayer>>();

  constructor(opts: { root?: string; maxBytes?: number } = {}) {
    this.root = path.resolve(opts.root ?? defaultArtifactCacheDir());
    this.maxBytes = opts.maxBytes ?? defaultCacheBytes;
  }

  private layerDir(digest: string): string {
    return path.join(this.root, 'layers', digestName(digest));
  }

  // ---------- manifests and refs ----------

  async manifest(digest: string): Promise<CachedManifest | undefined> {
    const file = path.join(this.root, 'manifests', `${digestName(digest)}.json`);
    try {
      const m = JSON.parse(await readFile(file, 'utf8')) as CachedManifest;
      return m.digest === digest && Array.isArray(m.layers) ? m : undefined;
    } catch (e) {
      if (isMissing(e) || e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  async rememberManifest(m: CachedManifest): Promise<void> {
    await this.writeSmall(path.join(this.root, 'manifests', `${digestName(m.digest)}.json`), JSON.stringify(m));
  }

  /** The digest `registry/repository:tag` last resolved to, for when the registry cannot be reached. */
  async ref(name: string): Promise<{ digest: string; at: string } | undefined> {
    try {
      const r = JSON.parse(await readFile(this.refFile(name), 'utf8')) as { name: string; digest: string; at: string };
      return r.name === name && checkDigest(r.digest).ok ? { digest: r.digest, at: r.at } : undefined;
    } catch (e) {
      if (isMissing(e) || e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  async rememberRef(name: string, digest: string): Promise<void> {
    digestName(digest);
    await this.writeSmall(this.refFile(name), JSON.stringify({ name, digest, at: new Date().toISOString() }));
  }

  private refFile(name: string): string {
    return path.join(this.root, 'refs', `${createHash('sha256').update(name).digest('hex')}.json`);
  }

  /** A small file written to a temp name and renamed, so readers never see half of it. */
  private async writeSmall(file: string, text: string): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, text);
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  // ---------- layers ----------

  /** The layer's files when it is in the cache (and marks it as recently used). */
  async layer(digest: string): Promise<CachedLayer | undefined> {
    const indexFile = path.join(this.layerDir(digest), 'index.json');
    let index: LayerIndex;
    try {
      index = JSON.parse(await readFile(indexFile, 'utf8')) as LayerIndex;
    } catch (e) {
      if (isMissing(e) || e instanceof SyntaxError) return undefined;
      throw e;
    }
    if (index.version !== 1 || index.digest !== digest || !Array.isArray(index.files)) return undefined;
    const now = new Date();
    await utimes(indexFile, now, now).catch(() => undefined);
    return { digest: index.digest, files: index.files, bytes: index.bytes };
  }

  /**
   * Stores a layer from `open()` (a stream that fails unless its bytes match `digest`, such as
   * a registry blob) unless it is there already, then trims the cache to its bound.
   */
  async storeLayer(digest: string, open: () => Promise<Readable>, opts: { signal?: AbortSignal; keep?: readonly string[] } = {}): Promise<CachedLayer> {
    const have = await this.layer(digest);
    if (have) return have;
    let pending = this.storing.get(digest);
    if (!pending) {
      pending = this.store(digest, open, opts.signal).finally(() => this.storing.delete(digest));
      this.storing.set(digest, pending);
    }
    const stored = await pending;
    await this.prune([digest, ...(opts.keep ?? [])]).catch(() => undefined);
    return stored;
  }

  private async store(digest: string, open: () => Promise<Readable>, signal: AbortSignal | undefined): Promise<CachedLayer> {
    const final = this.layerDir(digest);
    const stagingRoot = path.join(this.root, 'staging');
    await mkdir(stagingRoot, { recursive: true });
    await mkdir(path.dirname(final), { recursive: true });
    const staging = path.join(stagingRoot, randomBytes(8).toString('hex'));
    await mkdir(staging);
    try {
      // The compressed layer lands in staging first (digest-checked as it streams), then is
      // read twice: once for the tree (paths, hashes, modes from the tar headers, which no
      // umask can alter) and once to extract the files.
      const blob = path.join(staging, 'layer.tgz');
      await pipeline(await open(), createWriteStream(blob), signal ? { signal } : {});
      const files = await readLayerTree(createReadStream(blob), signal ? { signal } : {});
      const bytes = files.reduce((n, f) => n + f.size, 0);
      if (bytes > this.maxBytes) {
        throw new ArtifactError(
          'too-large',
          `the artifact unpacks to ${bytes} bytes, more than the artifact cache holds (${this.maxBytes}); raise the cache size (FLUX_OCI_ARTIFACT_CACHE_SIZE, e.g. 2G) to compare it`,
        );
      }
      await extractLayer(createReadStream(blob), path.join(staging, 'files'), {
        maxBytes: this.maxBytes,
        expectedDigest: digest,
        ...(signal ? { signal } : {}),
      });
      await rm(blob, { force: true });
      const index: LayerIndex = { version: 1, digest, files, bytes };
      await writeFile(path.join(staging, 'index.json'), JSON.stringify(index));
      try {
        await rename(staging, final);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // Another process stored it first: theirs is as good as ours.
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw e;
        const theirs = await this.layer(digest);
        if (!theirs) throw e;
        return theirs;
      }
      return { digest, files, bytes };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * One file of a cached layer; undefined when the layer holds no regular file of that name
   * or is not in the cache.
   */
  async readFile(layerDigest: string, filePath: string): Promise<Buffer | undefined> {
    const rel = safeEntryPath(filePath);
    const layer = await this.layer(layerDigest);
    if (!layer || !layer.files.some((f) => f.path === rel)) return undefined;
    const filesDir = path.join(this.layerDir(layerDigest), 'files');
    const abs = path.join(filesDir, rel);
    if (!abs.startsWith(filesDir + path.sep)) return undefined;
    const st = await lstat(abs).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    return readFile(abs);
  }

  // ---------- bound ----------

  /** Total bytes of the cached layers' files. */
  async size(): Promise<number> {
    return (await this.entries()).reduce((n, e) => n + e.bytes, 0);
  }

  private async entries(): Promise<Array<{ name: string; bytes: number; used: number }>> {
    const dir = path.join(this.root, 'layers');
    const names = await readdir(dir).catch((e: unknown) => (isMissing(e) ? [] : Promise.reject(e)));
    const out: Array<{ name: string; bytes: number; used: number }> = [];
    for (const name of names) {
      if (!/^sha(256|384|512)-[a-f0-9]+$/.test(name)) continue;
      const indexFile = path.join(dir, name, 'index.json');
      try {
        const st = await stat(indexFile);
        const index = JSON.parse(await readFile(indexFile, 'utf8')) as LayerIndex;
        out.push({ name, bytes: typeof index.bytes === 'number' ? index.bytes : 0, used: st.mtimeMs });
      } catch {
        out.push({ name, bytes: 0, used: 0 }); // unreadable: first to go
      }
    }
    return out;
  }

  /**
   * Removes least recently used layers until the files add up to at most `maxBytes`, never
   * those in `keep`; also removes staging leftovers of processes that died mid-store.
   * Answers the digests removed.
   */
  async prune(keep: readonly string[] = []): Promise<string[]> {
    const kept = new Set(keep.map((d) => digestName(d)));
    const entries = (await this.entries()).sort((a, b) => a.used - b.used);
    let total = entries.reduce((n, e) => n + e.bytes, 0);
    const removed: string[] = [];
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      if (kept.has(e.name)) continue;
      await rm(path.join(this.root, 'layers', e.name), { recursive: true, force: true });
      total -= e.bytes;
      removed.push(e.name.replace('-', ':'));
    }
    const staging = path.join(this.root, 'staging');
    for (const name of await readdir(staging).catch(() => [] as string[])) {
      if (!/^[a-f0-9]{16}$/.test(name)) continue;
      const st = await stat(path.join(staging, name)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > staleStagingMs) await rm(path.join(staging, name), { recursive: true, force: true });
    }
    return removed;
  }
}
