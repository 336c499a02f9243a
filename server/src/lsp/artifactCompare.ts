/**
 * LSP wiring of artifact comparison (issue 14): `flux-oci.artifact.compare` answers which
 * files differ between two artifacts (tag, digest, "the version before", or what an
 * OCIRepository's spec resolves to now) or an artifact and
 * a folder, and `flux-oci/artifactFile` serves one file of an artifact for the client's
 * read-only file system. Both read through one artifact content cache on disk (by layer
 * digest, outside the workspace, bounded by size), so the files of a comparison open at once
 * and a second comparison of cached digests needs no registry.
 */
import path from 'node:path';
import type { CancellationToken } from 'vscode-languageserver/node';
import { ArtifactContentCache, artifactCacheBytes, defaultArtifactCacheDir, defaultCacheBytes } from '../domain/oci/artifact/contentCache';
import type { ConnectionOptions } from '../domain/oci/registry/access';
import type { CredentialSource } from '../domain/oci/registry/auth/credential';
import type { ProgressEvent } from '../domain/oci/operations/progress';
import type { CompareSide } from '../domain/oci/operations/compareArtifacts';
import type { ArtifactFileParams, ArtifactFileResult, CompareArgs, CompareArtifactsResult, CompareSideArg } from '../protocol/artifactMessages';
import { whenCancelled } from './cancellation';

export interface ArtifactCompareHost {
  /** The first workspace folder, or an error saying to open one (folders are relative to it). */
  cwd: () => string;
  session?: CredentialSource;
  log: (message: string) => void;
}

export class ArtifactCompare {
  private cacheInstance: ArtifactContentCache | undefined;

  constructor(private readonly host: ArtifactCompareHost) {}

  /** The cache, made on first use (FLUX_OCI_ARTIFACT_CACHE, else the OS cache folder; FLUX_OCI_ARTIFACT_CACHE_SIZE, else 512 MiB). */
  get cache(): ArtifactContentCache {
    this.cacheInstance ??= new ArtifactContentCache({ root: defaultArtifactCacheDir(), maxBytes: artifactCacheBytes() ?? defaultCacheBytes });
    return this.cacheInstance;
  }

  async compare(
    a: Partial<CompareArgs>,
    connection: ConnectionOptions,
    onProgress: (e: ProgressEvent) => void,
  ): Promise<{ ok: true } & CompareArtifactsResult> {
    const before = await this.side(a.before, 'before', connection, onProgress);
    const after = await this.side(a.after, 'after', connection, onProgress);
    const { compareArtifacts } = await import('../domain/oci/operations/compareArtifacts');
    // An OCIRepository's layerSelector picks the layer on both sides (the same source, two revisions).
    const layerMediaType = [a.before, a.after]
      .map((x) => (x && typeof x === 'object' && 'source' in x ? x.source?.layerMediaType : undefined))
      .find((m) => typeof m === 'string' && m !== '');
    const r = await compareArtifacts({ before, after, cache: this.cache, connection, onProgress, ...(layerMediaType ? { layerMediaType } : {}) });
    return { ok: true, before: r.before, after: r.after, identical: r.identical, changes: r.changes };
  }

  private async side(s: CompareSideArg | undefined, name: string, connection: ConnectionOptions, onProgress: (e: ProgressEvent) => void): Promise<CompareSide> {
    if (s && typeof s === 'object') {
      if ('url' in s && typeof s.url === 'string' && s.url.trim()) return { url: s.url.trim() };
      if ('previousOf' in s && typeof s.previousOf === 'string' && s.previousOf.trim()) {
        const { previousArtifact } = await import('../domain/oci/operations/previousArtifact');
        const prev = await previousArtifact({ url: s.previousOf.trim(), connection, onProgress });
        return { url: prev.url };
      }
      if ('source' in s && s.source && typeof s.source === 'object' && typeof s.source.url === 'string') {
        const ref = s.source.ref && typeof s.source.ref === 'object' ? s.source.ref : {};
        const pick = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
        const spec = {
          url: s.source.url,
          ref: Object.fromEntries((['tag', 'semver', 'semverFilter', 'digest'] as const).flatMap((k) => (pick(ref[k]) ? [[k, pick(ref[k])!]] : []))),
          ...(pick(s.source.layerMediaType) ? { layerMediaType: s.source.layerMediaType! } : {}),
        };
        const { resolveSourceRef } = await import('../domain/oci/operations/previousArtifact');
        return { url: await resolveSourceRef({ source: spec, connection, onProgress }) };
      }
      if ('folder' in s && typeof s.folder === 'string' && s.folder.trim()) {
        const cwd = this.host.cwd();
        const full = path.resolve(cwd, s.folder.trim());
        const ignorePaths = Array.isArray(s.ignorePaths) ? s.ignorePaths.filter((p): p is string => typeof p === 'string') : [];
        return { paths: [full], cwd, ...(ignorePaths.length ? { ignorePaths } : {}) };
      }
    }
    throw new Error(`missing ${name}: give { url: 'oci://host/repo:tag' }, { previousOf: 'oci://…' }, { source: { url, ref } } or { folder: 'path' }`);
  }

  /** One file of an artifact, base64; a failure (never a thrown error) when it cannot be had. */
  async file(p: Partial<ArtifactFileParams> | undefined, token: CancellationToken, connection: () => ConnectionOptions): Promise<ArtifactFileResult> {
    const controller = new AbortController();
    const sub = whenCancelled(token, () => controller.abort());
    try {
      if (typeof p?.url !== 'string' || typeof p.path !== 'string') return { ok: false, error: 'give url (oci://host/repo@sha256:…) and path' };
      const { readArtifactFile } = await import('../domain/oci/operations/artifactContent');
      const r = await readArtifactFile({ url: p.url, path: p.path, cache: this.cache, connection: { ...connection(), signal: controller.signal } });
      return { ok: true, content: r.content.toString('base64'), size: r.entry.size, mode: r.entry.mode };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const code = e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
      this.host.log(`artifact file ${p?.url ?? '?'} ${p?.path ?? '?'}: ${message}`);
      return { ok: false, error: message, ...(code ? { code } : {}) };
    } finally {
      sub.dispose();
    }
  }
}
