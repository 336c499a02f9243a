/**
 * Builds the Flux content layer (application/vnd.cncf.flux.content.v1.tar+gzip):
 * a deterministic tar of the local tree, gzip'd, streamed to a temporary file
 * while it is hashed. Memory stays flat whatever the artifact size: small files
 * are read whole (bounded by `smallFileLimit`), larger ones are streamed, and
 * every write waits for the gzip/file side to drain.
 *
 * Determinism (same tree => same digest): entries in Flux's walk order, uid/gid 0,
 * empty user/group names, zero mtime, permission bits kept as on disk. Headers are
 * written by `tar-stream` (USTAR, PAX for long or non-ASCII names, as Go does).
 * The gzip bytes come from zlib in parallel blocks (parallelGzip.ts), not Go's
 * compress/gzip, so the digest is stable for flux-oci but not equal to what
 * `flux build artifact` makes for the same tree.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tarStream, { type Header } from 'tar-stream';

type TarHeader = Partial<Header> & Pick<Header, 'name'>;
import { ArtifactError } from './artifactError.ts';
import { Meter } from './byteMeter.ts';
import { ParallelGzip } from './parallelGzip.ts';
import type { BuildLayerOptions, BuiltLayer } from './contract.ts';
import { walkLocalTree, type LocalEntry, type SkippedEntry } from './localTree.ts';
import { describeWriteFailure, isDiskFull, type WriteContext } from './writeFailure.ts';

/** Files up to this size are read in one go; bigger ones are streamed. */
const smallFileLimit = 1 << 20;

export interface BuildLayerExtras {
  /** Folder for the temporary layer file (default: the OS temp folder). */
  tempDir?: string;
}

export interface BuiltLayerDetails extends BuiltLayer {
  /** Symlinks and special files left out (flux drops them too). */
  skipped: SkippedEntry[];
  /** Bytes of file content packed (before compression). */
  contentBytes: number;
}

function headerOf(e: LocalEntry, size: number): TarHeader {
  return {
    name: e.name,
    type: e.type,
    mode: e.mode,
    size,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    mtime: new Date(0),
  };
}

function addEntry(pack: tarStream.Pack, header: TarHeader, content?: Buffer): Promise<tarStream.Pack> {
  return new Promise((resolve, reject) => {
    const cb = (err?: Error | null) => (err ? reject(err) : resolve(pack));
    if (content) pack.entry(header, content, cb);
    else pack.entry(header, cb);
  });
}

async function addFile(pack: tarStream.Pack, e: LocalEntry, signal?: AbortSignal): Promise<number> {
  const file = e.absPath!;
  if (e.size <= smallFileLimit) {
    // Synchronous on purpose: see localTree.ts (a thread-pool hop per small file dominates).
    const content = readFileSync(file);
    await addEntry(pack, headerOf(e, content.length), content);
    return content.length;
  }
  let sink!: ReturnType<tarStream.Pack['entry']>;
  const done = new Promise<void>((resolve, reject) => {
    sink = pack.entry(headerOf(e, e.size), (err) => (err ? reject(err) : resolve()));
  });
  done.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
  // When the pack is torn down (Ctrl-C, disk full) the entry emits the same error; it reaches
  // the caller through `done` or the pipeline, and unheard it would end the process.
  sink.on('error', () => undefined);
  let written = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) {
    const buf = chunk as Buffer;
    written += buf.length;
    if (written > e.size) break;
    if (!sink.write(buf)) await once(sink, 'drain', { signal }); // rejects if the pack fails meanwhile
  }
  if (written !== e.size) {
    sink.destroy();
    throw new ArtifactError(
      'source-changed',
      `${file} changed size while it was being packed (${e.size} bytes expected); retry once it is no longer being written`,
    );
  }
  sink.end(undefined);
  await done;
  return written;
}

/** Builds the layer of `opts`; the caller owns the returned temp file (`dispose()`). */
export async function buildLayer(opts: BuildLayerOptions & BuildLayerExtras): Promise<BuiltLayerDetails> {
  const tempRoot = opts.tempDir ?? tmpdir();
  const elsewhere = opts.tempDir ? 'choose a temp folder' : 'set TMPDIR to a folder';
  const writeContext: WriteContext = {
    target: tempRoot,
    writing: `the layer to ${tempRoot}`,
    cannotWrite: `cannot write the layer to ${tempRoot}`,
    whenFull: `free some space, raise the limit (ulimit -f) or ${elsewhere} with more room`,
    whenUnwritable: opts.tempDir ? 'choose a writable temp folder' : 'set TMPDIR to a writable folder',
  };
  opts.signal?.throwIfAborted();
  const dir = await mkdtemp(path.join(tempRoot, 'flux-oci-layer-')).catch((e: unknown) => Promise.reject(describeWriteFailure(e, writeContext)));
  const file = path.join(dir, 'layer.tar.gz');
  const dispose = () => rm(dir, { recursive: true, force: true });
  const skipped: SkippedEntry[] = [];
  let fileCount = 0;
  let contentBytes = 0;

  const pack = tarStream.pack();
  // Level 6 = Go's gzip.DefaultCompression, on every core (see parallelGzip.ts).
  const gzip = new ParallelGzip({ level: 6 });
  const counter = new Meter();
  // No Coalescer in front of the gzip: ParallelGzip gathers its 1 MiB blocks itself,
  // and a second gathering stage only copied every byte once more.
  const written = pipeline(pack, gzip, counter, createWriteStream(file, { mode: 0o600 }));
  // Surface pipeline failures (disk full...) to the producer loop below too.
  let pipelineError: unknown;
  written.catch((e) => (pipelineError = e));

  try {
    for await (const e of walkLocalTree(opts, skipped)) {
      if (pipelineError) throw pipelineError;
      // Small files are packed without awaiting anything that listens to the signal.
      opts.signal?.throwIfAborted();
      if (e.type === 'directory') {
        await addEntry(pack, headerOf(e, 0));
      } else {
        contentBytes += await addFile(pack, e, opts.signal);
        fileCount++;
      }
    }
    pack.finalize();
    await written;
  } catch (e) {
    pack.destroy(e as Error);
    await written.catch(() => undefined);
    await dispose();
    // A full disk fails the temp file's write; the producer may notice first, with a vaguer error.
    const cause = pipelineError ?? e;
    throw isDiskFull(cause) ? describeWriteFailure(cause, writeContext) : e;
  }

  return {
    file,
    digest: counter.digest(),
    size: counter.bytes,
    fileCount,
    contentBytes,
    skipped,
    dispose,
  };
}
