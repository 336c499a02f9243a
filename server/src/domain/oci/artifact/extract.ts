/**
 * Unpacks a Flux content layer (tar+gzip) into a folder, safely and atomically.
 *
 * - Streamed: gunzip and untar as bytes arrive; memory stays flat.
 * - Written into a temporary folder next to the target (same file system), renamed
 *   into place only when everything succeeded, including the digest check. On any
 *   failure the temporary folder is removed: nothing half-extracted is left behind.
 * - The target must not exist, or be an empty folder (it is replaced). It is never
 *   merged into, so a pull cannot silently mix two artifacts.
 * - Refused (error, nothing written): names that are absolute, contain a `..`
 *   segment, a backslash or a NUL; symlinks and hard links whose target leaves the
 *   extraction folder; character/block devices and fifos; more than `maxBytes` of
 *   content (checked against each header before its data is inflated, and against
 *   the bytes actually inflated, so a decompression bomb stops early).
 * - Links that stay inside the folder are skipped and reported, as flux pull and
 *   source-controller skip symlinks: the cluster would never see them.
 * - Permission bits are kept (rwx only: setuid/setgid/sticky are dropped); owners
 *   and times are not restored.
 */
import { chmodSync, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ArtifactError } from './artifactError.ts';
import { Coalescer, Meter } from './byteMeter.ts';
import { QueuedFileWriter } from './queuedFileWriter.ts';
import { TarReader, type TarVisitor } from './tarReader.ts';
import { reclaimBuffers } from '../bufferReclaim.ts';
import type { ExtractOptions, ExtractResult } from './contract.ts';
import { describeWriteFailure, isDiskFull, type WriteContext } from './writeFailure.ts';

export const defaultMaxBytes = 1 << 30; // 1 GiB of unpacked content
export const defaultMaxEntries = 1_000_000;
/** Files up to this size are gathered in memory and written in one call. */
const smallFileLimit = 1 << 20;
/**
 * gunzip's input and output chunks. Each stage of the pipeline holds a chunk or two, so this sets
 * the memory in flight: 1 MiB peaked at ~105 MiB for a 200 MB pull, 512 KiB at ~90 MiB, for about
 * the same CPU (issue 18: peak RSS <= 1.5x flux's ~64 MiB); smaller costs thread-pool round trips.
 */
const batchSize = 512 * 1024;

export interface ExtractExtras {
  /** `sha256:<hex>` of the compressed layer; checked before anything is renamed into place. */
  expectedDigest?: string;
  /** Refuse archives with more entries than this (default 1,000,000). */
  maxEntries?: number;
  /**
   * The source already fails unless its bytes match this digest (a registry
   * VerifiedStream), so it is not hashed a second time. The failure still comes
   * before the end of the stream, hence before anything is renamed into place.
   */
  sourceVerifiedDigest?: string;
}

export interface ExtractDetails extends ExtractResult {
  /** Links inside the archive that were skipped (paths inside the archive). */
  skippedLinks: string[];
  /** sha256 of the compressed stream. */
  digest: string;
}

type Source = Readable | AsyncIterable<Uint8Array>;

export function asReadable(source: Source): Readable {
  return source instanceof Readable ? source : Readable.from(source, { objectMode: false });
}

/** The entry's path inside the archive, cleaned; throws on anything unsafe. '' = the root. */
export function safeEntryPath(name: string): string {
  if (name.includes('\0')) throw new ArtifactError('unsafe-path', `archive entry name contains a NUL byte: ${JSON.stringify(name)}`);
  if (name.includes('\\')) {
    throw new ArtifactError('unsafe-path', `archive entry "${name}" contains a backslash; refusing it (flux refuses it too)`);
  }
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    throw new ArtifactError('unsafe-path', `archive entry "${name}" is an absolute path; refusing to write outside the target folder`);
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new ArtifactError('unsafe-path', `archive entry "${name}" climbs out of the target folder with ".."; refusing it`);
  }
  return parts.join('/');
}

/** True when `link` (relative to the entry's folder, or absolute) resolves outside the archive root. */
function linkEscapes(entryPath: string, link: string, hard: boolean): boolean {
  if (link.startsWith('/') || link.includes('\\') || /^[a-zA-Z]:/.test(link)) return true;
  // Hard links name a path from the archive root; symlinks are relative to their folder.
  const base = hard ? '.' : path.posix.dirname(entryPath || '.');
  const resolved = path.posix.normalize(path.posix.join(base, link));
  return resolved === '..' || resolved.startsWith('../');
}

async function checkTarget(target: string): Promise<'absent' | 'empty-dir'> {
  let st;
  try {
    st = await lstat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
  if (!st.isDirectory()) {
    throw new ArtifactError('target-not-empty', `${target} exists and is not a folder; choose a new or empty folder to extract into`);
  }
  if ((await readdir(target)).length > 0) {
    throw new ArtifactError('target-not-empty', `${target} is not empty; extract into a new or empty folder (nothing is merged into existing files)`);
  }
  return 'empty-dir';
}

function describeFailure(e: unknown): unknown {
  if (e instanceof ArtifactError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'Z_DATA_ERROR' && /incorrect header check/.test(err.message)) {
    return new ArtifactError(
      'not-gzip',
      'the layer is not gzip-compressed, so it cannot be extracted; if it is a raw file (e.g. a Helm chart layer), copy it instead',
      { cause: e },
    );
  }
  if (err?.code?.startsWith?.('Z_') || /tar|header|Unexpected end|Invalid/i.test(err?.message ?? '')) {
    return new ArtifactError('bad-archive', `the layer is not a valid tar+gzip archive: ${err.message}`, { cause: e });
  }
  return e;
}

/** How a failed write into the chosen output reads; `writing` names the file when one is known. */
function outputWriteContext(dest: string, writing?: string): WriteContext {
  return {
    target: dest,
    writing: writing ?? dest,
    whenFull: 'free some space or raise the limit (ulimit -f), then try again',
    whenUnwritable: 'choose another output folder',
  };
}

/** The temp folder next to `dest` (same file system, so the final rename is atomic), checked to be writable. */
async function prepareTarget<T>(dest: string, check: () => Promise<T>): Promise<{ state: T; tmp: string }> {
  try {
    const state = await check();
    await mkdir(path.dirname(dest), { recursive: true });
    const tmp = await mkdtemp(path.join(path.dirname(dest), `.${path.basename(dest)}.flux-oci-`));
    return { state, tmp };
  } catch (e) {
    throw describeWriteFailure(e, outputWriteContext(dest));
  }
}

/** Extracts the tar+gzip `source` into `target` (see the module comment for the guarantees). */
export async function extractLayer(source: Source, target: string, opts: ExtractOptions & ExtractExtras = {}): Promise<ExtractDetails> {
  const dest = path.resolve(target);
  const maxBytes = opts.maxBytes ?? defaultMaxBytes;
  const maxEntries = opts.maxEntries ?? defaultMaxEntries;
  const { state, tmp } = await prepareTarget(dest, () => checkTarget(dest));
  /** The entry being written, to name it if the disk fills. */
  let writing: string | undefined;

  let files = 0;
  let bytes = 0;
  let entries = 0;
  let rootMode: number | undefined;
  const skippedLinks: string[] = [];
  const madeDirs = new Set<string>([tmp]);
  const ensureDir = (dir: string, mode: number) => {
    if (madeDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true, mode });
    madeDirs.add(dir);
  };
  const tooLarge = () =>
    new ArtifactError('too-large', `the artifact unpacks to more than ${maxBytes} bytes, the allowed maximum; raise the limit if this is expected`);

  const compressed = new Meter({ hash: opts.sourceVerifiedDigest === undefined });
  // Tar overhead is at most ~2 KiB per entry (header, PAX record, padding): anything
  // inflating well beyond content + overhead is a bomb or trailing garbage.
  // Inflated bytes are counted as gunzip emits them, not by a stream of their own: every stage
  // holds a chunk or two, so each one fewer is ~2 MiB less memory in flight (issue 18).
  const gunzip = createGunzip({ chunkSize: batchSize });
  let inflatedBytes = 0;
  gunzip.on('data', (chunk: Buffer) => {
    inflatedBytes += chunk.length;
    reclaimBuffers(chunk.length);
    if (inflatedBytes > maxBytes + entries * 2048 + (1 << 20)) gunzip.destroy(tooLarge());
  });
  /** The file entry being read: where it goes, its permission bits, and its writer when it is written piece by piece. */
  let current: { abs: string; mode: number; writer?: QueuedFileWriter } | undefined;
  const visitor: TarVisitor = {
    entry(header) {
      opts.signal?.throwIfAborted();
      if (++entries > maxEntries) {
        throw new ArtifactError('too-large', `the artifact has more than ${maxEntries} entries, the allowed maximum`);
      }
      const rel = safeEntryPath(header.name);
      const abs = rel === '' ? tmp : path.join(tmp, rel);
      writing = rel || undefined;
      const mode = header.mode & 0o777;
      switch (header.type) {
        case 'directory':
          if (rel === '') rootMode = mode | 0o700;
          else if (madeDirs.has(abs))
            chmodSync(abs, mode | 0o700); // made earlier as a parent; now its real mode
          else ensureDir(abs, mode | 0o700);
          return { take: 'skip' };
        case 'file':
        case 'contiguous-file': {
          if (rel === '') throw new ArtifactError('unsafe-path', `archive entry "${header.name}" is a file at the root path; refusing it`);
          if (bytes + header.size > maxBytes) throw tooLarge();
          ensureDir(path.dirname(abs), 0o755);
          current = { abs, mode: mode || 0o644 };
          // Small files are written in one synchronous call, from the inflated chunk they came in
          // (see localTree.ts on why sync); larger ones piece by piece as they inflate, on the
          // thread pool, a few MiB at a time in flight while the next chunk is inflated and read.
          if (header.size <= smallFileLimit) return { take: 'whole' };
          const writer = new QueuedFileWriter(abs, current.mode);
          current.writer = writer;
          return {
            take: 'pieces',
            piece(data) {
              bytes += data.length;
              return writer.write(data);
            },
            async end() {
              await writer.finish();
              files++;
            },
          };
        }
        case 'symlink':
        case 'link': {
          const hard = header.type === 'link';
          const link = header.linkname;
          if (linkEscapes(rel, link, hard)) {
            throw new ArtifactError(
              'unsafe-link',
              `archive entry "${header.name}" is a ${hard ? 'hard link' : 'symlink'} to "${link}", outside the target folder; refusing it`,
            );
          }
          skippedLinks.push(rel);
          return { take: 'skip' };
        }
        case 'character-device':
        case 'block-device':
        case 'fifo':
          throw new ArtifactError(
            'unsupported-entry',
            `archive entry "${header.name}" is a ${header.type}; Flux artifacts hold only files and folders, refusing it`,
          );
        default:
          throw new ArtifactError('unsupported-entry', `archive entry "${header.name}" has an unsupported type (${header.type})`);
      }
    },
    whole(_header, data) {
      writeFileSync(current!.abs, data, { mode: current!.mode });
      bytes += data.length;
      files++;
    },
  };

  try {
    // Every chunk crosses several streams and each gunzip input is one thread-pool job:
    // network reads arrive in <=64 KiB pieces, so they are gathered into batchSize inputs,
    // inflated into batchSize outputs.
    // A source verified already needs no second count or hash: one stream hop less per chunk.
    const verified = opts.sourceVerifiedDigest !== undefined;
    const head = verified ? [asReadable(source)] : [asReadable(source), compressed];
    await pipeline([...head, new Coalescer(batchSize), gunzip, new TarReader(visitor)], { signal: opts.signal });
    const digest = opts.sourceVerifiedDigest ?? compressed.digest();
    if (opts.expectedDigest && opts.expectedDigest !== digest) {
      throw new ArtifactError(
        'digest-mismatch',
        `the layer's content does not match its digest (expected ${opts.expectedDigest}, got ${digest}); the registry or a proxy altered it`,
      );
    }
    await chmod(tmp, rootMode ?? 0o755);
    if (state === 'empty-dir') await rmdir(dest);
    await rename(tmp, dest);
    return { files, bytes, skippedLinks, digest };
  } catch (e) {
    await current?.writer?.abandon();
    await rm(tmp, { recursive: true, force: true });
    // The temp folder was writable, so a write failing now is the disk filling up.
    throw isDiskFull(e) ? describeWriteFailure(e, outputWriteContext(dest, writing && `${writing} into ${dest}`)) : describeFailure(e);
  }
}

export interface CopyOptions {
  maxBytes?: number;
  expectedDigest?: string;
  /** Replace an existing file (default: refuse). */
  overwrite?: boolean;
  signal?: AbortSignal;
}

/**
 * Stores a layer as it is (layerSelector `operation: copy`, e.g. a Helm chart
 * .tgz), through a temporary file next to `targetFile` renamed into place.
 */
export async function copyLayer(source: Source, targetFile: string, opts: CopyOptions = {}): Promise<{ bytes: number; digest: string }> {
  const dest = path.resolve(targetFile);
  const maxBytes = opts.maxBytes ?? defaultMaxBytes;
  const { tmp: tmpDir } = await prepareTarget(dest, async () => {
    if (opts.overwrite) return;
    const exists = await lstat(dest).then(
      () => true,
      (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? false : Promise.reject(e)),
    );
    if (exists) throw new ArtifactError('target-not-empty', `${dest} already exists; choose another file name or allow overwriting`);
  });
  const tmpFile = path.join(tmpDir, 'layer');
  const meter = new Meter({
    limit: () => maxBytes,
    onLimit: () => new ArtifactError('too-large', `the layer is larger than ${maxBytes} bytes, the allowed maximum`),
  });
  try {
    await pipeline(asReadable(source), meter, createWriteStream(tmpFile, { mode: 0o644 }), { signal: opts.signal });
    const digest = meter.digest();
    if (opts.expectedDigest && opts.expectedDigest !== digest) {
      throw new ArtifactError(
        'digest-mismatch',
        `the layer's content does not match its digest (expected ${opts.expectedDigest}, got ${digest}); the registry or a proxy altered it`,
      );
    }
    await rename(tmpFile, dest);
    return { bytes: meter.bytes, digest };
  } catch (e) {
    throw isDiskFull(e) ? describeWriteFailure(e, outputWriteContext(dest)) : e;
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}
