// Small helpers for the artifact tests: the domain library as built by `npm test`
// (dist/domain.js), and temp folders filled from a { path: content } map.
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

export type ArtifactLib = typeof import('../../server/src/domain/oci/artifact/index.ts');
export const artifact: ArtifactLib = require(path.join(repoRoot, 'dist/domain.js')).artifact;

export function tempDir(prefix = 'flux-oci-artifact-test-'): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes files; a key ending in '/' makes an empty folder. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    if (rel.endsWith('/')) {
      mkdirSync(p, { recursive: true });
      continue;
    }
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

/** Every path under `root` (files and folders), '/'-separated, sorted. */
export function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${d.name}` : d.name;
      out.push(d.isDirectory() ? rel + '/' : rel);
      if (d.isDirectory()) walk(path.join(dir, d.name), rel);
    }
  };
  walk(root, '');
  return out.sort();
}

export interface ArchiveEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  size: number;
}

/** The headers of a tar+gzip file, in archive order (read with tar-stream, independently of our code). */
export async function archiveEntries(file: string): Promise<ArchiveEntry[]> {
  const { createReadStream } = await import('node:fs');
  const { createGunzip } = await import('node:zlib');
  const tar = require('tar-stream') as typeof import('tar-stream');
  const out: ArchiveEntry[] = [];
  const extract = tar.extract();
  const input = createReadStream(file).pipe(createGunzip());
  input.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const h = entry.header;
    out.push({
      name: h.name,
      type: h.type,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      uname: h.uname ?? '',
      gname: h.gname ?? '',
      mtime: h.mtime.getTime(),
      size: h.size,
    });
    entry.resume();
  }
  return out;
}
