/**
 * "The previous version" of an artifact, for comparing what a new version changes (issue 14):
 * the tags of its repository in version order when they are all versions (Flux's semver
 * rules, highest first), else newest created first (the `org.opencontainers.image.created`
 * annotation), then by name; the previous version is the first one after the given tag (or
 * after the first tag at the given digest) that holds different content.
 */
import { sortVersionsDescending, tryParseFluxVersion } from '../../semver/index';
import { parseArtifactUrl } from '../reference';
import { RegistryError } from '../registry/errors';
import type { ConnectionOptions } from '../registry/access';
import { listArtifacts, type ListedArtifact } from './listArtifacts';
import type { ProgressListener } from './progress';

export interface PreviousArtifactResult {
  /** `oci://host/repo:tag` */
  url: string;
  tag: string;
  digest: string;
}

/** Versions newest first: semver order when every tag is a version, else by created date, then name. */
export function versionOrder(artifacts: readonly ListedArtifact[]): ListedArtifact[] {
  const versions = artifacts.map((a) => tryParseFluxVersion(a.tag));
  if (artifacts.length > 0 && versions.every((v) => v)) {
    const byTag = new Map(artifacts.map((a) => [a.tag, a]));
    return sortVersionsDescending(versions.map((v) => v!)).map((v) => byTag.get(v.original)!);
  }
  return [...artifacts].sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || (a.tag < b.tag ? 1 : a.tag > b.tag ? -1 : 0));
}

export async function previousArtifact(opts: { url: string; connection: ConnectionOptions; onProgress?: ProgressListener }): Promise<PreviousArtifactResult> {
  const ref = parseArtifactUrl(opts.url);
  const repo = `oci://${ref.registry}/${ref.repository}`;
  const listed = await listArtifacts({ url: repo, connection: opts.connection, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  const ordered = versionOrder(listed.artifacts);
  const at = ref.digest ? ordered.findIndex((a) => a.digest === ref.digest) : ordered.findIndex((a) => a.tag === (ref.tag ?? 'latest'));
  if (at < 0) {
    throw new RegistryError(`${ref.digest ? `no tag of ${repo} points at ${ref.digest}` : `${repo} has no tag ${ref.tag ?? 'latest'}`}, so there is no previous version to compare with`, { code: 'not-found' });
  }
  const current = ordered[at]!.digest;
  const prev = ordered.slice(at + 1).find((a) => a.digest !== current);
  if (!prev) throw new RegistryError(`${ordered[at]!.tag} is the oldest version in ${repo}: there is nothing before it to compare with`, { code: 'not-found' });
  return { url: `${repo}:${prev.tag}`, tag: prev.tag, digest: prev.digest };
}
