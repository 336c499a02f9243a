/**
 * Which version to compare with (issue 14). "The previous version" of an artifact, for
 * comparing what a new version changes:
 * the tags of its repository in version order when they are all versions (Flux's semver
 * rules, highest first), else newest created first (the `org.opencontainers.image.created`
 * annotation), then by name; the previous version is the first one after the given tag (or
 * after the first tag at the given digest) that holds different content.
 */
import { selectSemverTag, sortVersionsDescending, tryParseFluxVersion } from '../../semver/index';
import { MediaType } from '../mediaTypes';
import { isSupportingTag, parseArtifactUrl, parseRepositoryUrl } from '../reference';
import { RegistryError } from '../registry/errors';
import { withRegistry, type ConnectionOptions } from '../registry/access';
import { listArtifacts, type ListedArtifact } from './listArtifacts';
import { retryReporter, type ProgressListener } from './progress';

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
    throw new RegistryError(
      `${ref.digest ? `no tag of ${repo} points at ${ref.digest}` : `${repo} has no tag ${ref.tag ?? 'latest'}`}, so there is no previous version to compare with`,
      { code: 'not-found' },
    );
  }
  const current = ordered[at]!.digest;
  const prev = ordered.slice(at + 1).find((a) => a.digest !== current);
  if (!prev) throw new RegistryError(`${ordered[at]!.tag} is the oldest version in ${repo}: there is nothing before it to compare with`, { code: 'not-found' });
  return { url: `${repo}:${prev.tag}`, tag: prev.tag, digest: prev.digest };
}

/** The fields of an OCIRepository's spec that decide its artifact (`spec.url`, `spec.ref`, `spec.layerSelector.mediaType`). */
export interface SourceRefSpec {
  url: string;
  ref: { tag?: string; semver?: string; semverFilter?: string; digest?: string };
  layerMediaType?: string;
}

/**
 * What an OCIRepository with this spec resolves to now, as source-controller decides: digest >
 * semver (the highest tag in range, `semverFilter` first, Helm chart tags with `_` for `+`) >
 * tag > `latest`. Answers `oci://host/repo:tag` (or `@digest` when the spec pins one).
 */
export async function resolveSourceRef(opts: { source: SourceRefSpec; connection: ConnectionOptions; onProgress?: ProgressListener }): Promise<string> {
  const { url, ref } = opts.source;
  const repo = parseRepositoryUrl(url);
  const base = `oci://${repo.registry}/${repo.repository}`;
  if (ref.digest) return `${base}${ref.tag ? `:${ref.tag}` : ''}@${ref.digest}`;
  if (!ref.semver) return `${base}:${ref.tag ?? 'latest'}`;
  opts.onProgress?.({ phase: 'list', message: `listing tags of ${repo.registry}/${repo.repository} for ${ref.semver}` });
  const tags = await withRegistry(repo.registry, opts.connection, retryReporter(opts.onProgress), (client) => client.listTags(repo.repository));
  const selected = selectSemverTag(
    tags.filter((t) => !isSupportingTag(t)),
    ref.semver,
    { ...(ref.semverFilter ? { filter: ref.semverFilter } : {}), helmUnderscore: opts.source.layerMediaType === MediaType.helmChartContent },
  );
  if (!selected.ok) throw new RegistryError(`${base}: ${selected.message}`, { code: 'not-found' });
  return `${base}:${selected.tag}`;
}
