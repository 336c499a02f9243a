/**
 * Reads the few files values help needs from a Helm chart archive (`.tgz`), in memory and
 * never onto disk: `Chart.yaml`, `values.yaml` and `values.schema.json` of the chart and of
 * its subcharts, whether they sit unpacked under `charts/<name>/` or packed as
 * `charts/<name>-<version>.tgz` (read the same way, to a bounded depth).
 *
 * Every limit is checked while bytes stream: the compressed size, the inflated size (a
 * decompression bomb stops early), the number of entries, the size of each file kept.
 * Entry names are checked like a pull (no absolute paths, `..`, backslashes); everything
 * else in the archive (templates, docs, links) is skipped unread.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { ArtifactError } from './artifactError.ts';
import { Meter } from './byteMeter.ts';
import { safeEntryPath } from './extract.ts';

export interface ChartArchiveLimits {
  /** Compressed bytes of one archive (nested ones included in their parent's count). */
  maxCompressedBytes: number;
  /** Inflated bytes of one archive (tar headers and skipped files count too). */
  maxInflatedBytes: number;
  /** Bytes of any one file kept (values.yaml, values.schema.json, Chart.yaml). */
  maxFileBytes: number;
  maxEntries: number;
  /** How deep packed subcharts (`charts/*.tgz`) are opened. */
  maxDepth: number;
}

export const defaultChartLimits: ChartArchiveLimits = {
  maxCompressedBytes: 10 * 1024 * 1024,
  maxInflatedBytes: 64 * 1024 * 1024,
  maxFileBytes: 4 * 1024 * 1024,
  maxEntries: 20_000,
  maxDepth: 3,
};

/** One chart's files; `subcharts` by their folder or archive name under `charts/`. */
export interface ChartFiles {
  chartYaml?: string;
  /** Other files of the chart asked for by path (a HelmChart's `valuesFiles`), when present. */
  extra?: Record<string, string>;
  valuesYaml?: string;
  schemaJson?: string;
  subcharts: ChartFiles[];
}

const wanted = new Set(['Chart.yaml', 'values.yaml', 'values.schema.json']);

/** The chart files of a chart archive; fails with an ArtifactError on anything unsafe or over a limit. */
export async function readChartArchive(
  source: Buffer | Readable,
  limits: ChartArchiveLimits = defaultChartLimits,
  depth = 0,
  extraFiles: readonly string[] = [],
): Promise<ChartFiles> {
  const files = new Map<string, Buffer>();
  const extra = new Set<string>();
  for (const f of extraFiles) {
    try {
      extra.add(safeEntryPath(f));
    } catch {
      // a path that leaves the chart names nothing in it
    }
  }
  let entries = 0;
  const tooLarge = (what: string) => new ArtifactError('too-large', `the chart ${what}; values help reads charts up to that size`);
  const compressed = new Meter({
    hash: false,
    limit: () => limits.maxCompressedBytes,
    onLimit: () => tooLarge(`archive is larger than ${limits.maxCompressedBytes} bytes`),
  });
  const inflated = new Meter({
    hash: false,
    limit: () => limits.maxInflatedBytes,
    onLimit: () => tooLarge(`unpacks to more than ${limits.maxInflatedBytes} bytes`),
  });
  const extract = tarStream.extract();
  extract.on('entry', (header, stream, next) => {
    stream.on('error', () => undefined);
    const skip = (e?: Error) => {
      stream.resume();
      stream.once('end', () => next(e));
    };
    try {
      if (++entries > limits.maxEntries) throw tooLarge(`has more than ${limits.maxEntries} entries`);
      const rel = safeEntryPath(header.name);
      const inner = rel.split('/').slice(1).join('/'); // below the chart's own folder
      if (header.type !== 'file' || !(keep(inner) || extra.has(inner))) return skip();
      if ((header.size ?? 0) > limits.maxFileBytes) throw tooLarge(`file ${rel} is larger than ${limits.maxFileBytes} bytes`);
      const parts: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: unknown) => {
        const b = chunk as Buffer;
        size += b.length;
        if (size <= limits.maxFileBytes) parts.push(b);
      });
      stream.once('end', () => {
        if (size > limits.maxFileBytes) return next(tooLarge(`file ${rel} is larger than ${limits.maxFileBytes} bytes`));
        if (!files.has(inner)) files.set(inner, Buffer.concat(parts));
        next();
      });
    } catch (e) {
      skip(e as Error);
    }
  });
  const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
  try {
    await pipeline(input, compressed, createGunzip(), inflated, extract);
  } catch (e) {
    throw describe(e);
  }
  const root: ChartFiles = { subcharts: [] };
  const byFolder = new Map<string, ChartFiles>([['', root]]);
  const chartAt = (folder: string): ChartFiles => {
    let c = byFolder.get(folder);
    if (!c) {
      c = { subcharts: [] };
      byFolder.set(folder, c);
      const parentFolder = folder.replace(/(^|\/)charts\/[^/]+$/, '');
      chartAt(parentFolder).subcharts.push(c);
    }
    return c;
  };
  for (const [name, bytes] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (extra.has(name)) (root.extra ??= {})[name] = bytes.toString('utf8');
    if (!keep(name)) continue;
    const slash = name.lastIndexOf('/');
    const folder = slash < 0 ? '' : name.slice(0, slash);
    const base = name.slice(slash + 1);
    if (base.endsWith('.tgz')) {
      if (depth + 1 > limits.maxDepth) continue;
      const parent = chartAt(folder.replace(/\/?charts$/, ''));
      parent.subcharts.push(await readChartArchive(bytes, limits, depth + 1));
      continue;
    }
    const c = chartAt(folder);
    const text = bytes.toString('utf8');
    if (base === 'Chart.yaml') c.chartYaml = text;
    else if (base === 'values.yaml') c.valuesYaml = text;
    else c.schemaJson = text;
  }
  return root;
}

/** Files of the chart or of a subchart at any depth (`charts/a/charts/b/values.yaml`), and packed subcharts. */
function keep(inner: string): boolean {
  const parts = inner.split('/');
  // Every folder level must be `charts/<name>`.
  const folders = parts.slice(0, -1);
  if (folders.length % 2 !== 0 && !(folders.length % 2 === 1 && folders[folders.length - 1] === 'charts' && parts[parts.length - 1]!.endsWith('.tgz')))
    return false;
  for (let i = 0; i + 1 < folders.length; i += 2) if (folders[i] !== 'charts') return false;
  const base = parts[parts.length - 1]!;
  if (base.endsWith('.tgz')) return folders.length % 2 === 1;
  return wanted.has(base);
}

function describe(e: unknown): unknown {
  if (e instanceof ArtifactError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'Z_DATA_ERROR') return new ArtifactError('not-gzip', 'the layer is not a gzip-compressed chart archive', { cause: e });
  return new ArtifactError('bad-archive', `the chart archive cannot be read: ${err?.message ?? String(e)}`, { cause: e });
}
