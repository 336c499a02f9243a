/**
 * `list artifacts`: every tag with its digest and Flux annotations. Tags of
 * signatures/attestations/SBOMs and referrers fallback tags are left out, as
 * flux does. Semver filtering uses Flux's own semantics (Masterminds); the
 * regex filter is Go RE2, unanchored, like source-controller's semverFilter.
 */
import { compileRe2 } from '../../regex/re2';
import { parseConstraintExpression, tryParseFluxVersion, sortVersionsDescending } from '../../semver/index';
import { parseRepositoryUrl, InvalidReferenceError, isSupportingTag } from '../reference';
import { resolveArtifact } from './resolveArtifact';
import { isRegistryError } from '../registry/errors';
import { withRegistry, type ConnectionOptions } from '../registry/access';
import { retryReporter, type ProgressListener } from './progress';

export interface ListArtifactsOptions {
  /** `oci://host/repo`. */
  url: string;
  filterSemver?: string;
  filterRegex?: string;
  connection: ConnectionOptions;
  onProgress?: ProgressListener;
  /** Manifests fetched at once. */
  concurrency?: number;
}

export interface ListedArtifact {
  /** `host/repo:tag` */
  url: string;
  tag: string;
  digest: string;
  source?: string;
  revision?: string;
  created?: string;
}

export interface ListArtifactsResult {
  repository: string;
  artifacts: ListedArtifact[];
}

/** Filters and orders tags: regex first, then semver (sorted by precedence, highest first), else descending string order. */
export function filterTags(tags: string[], filters: { semver?: string; regex?: string }): string[] {
  let out = tags.filter((t) => !isSupportingTag(t));
  if (filters.regex) {
    const re = compileRe2(filters.regex);
    if (!re.ok) throw new InvalidReferenceError(`--filter-regex: ${re.error}`);
    out = out.filter((t) => re.regex.test(t));
  }
  if (filters.semver) {
    const parsed = parseConstraintExpression(filters.semver);
    if ('error' in parsed) throw new InvalidReferenceError(`--filter-semver: semver '${filters.semver}' parse error: ${parsed.error}`);
    const matching = out.flatMap((t) => {
      const v = tryParseFluxVersion(t);
      return v && parsed.constraints.check(v) ? [v] : [];
    });
    return sortVersionsDescending(matching).map((v) => v.original);
  }
  return out.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

export async function listArtifacts(opts: ListArtifactsOptions): Promise<ListArtifactsResult> {
  const repo = parseRepositoryUrl(opts.url);
  const repository = `${repo.registry}/${repo.repository}`;
  return withRegistry(repo.registry, opts.connection, retryReporter(opts.onProgress), async (client) => {
    opts.onProgress?.({ phase: 'list', message: `listing tags of ${repository}` });
    const tags = filterTags(await client.listTags(repo.repository), {
      ...(opts.filterSemver ? { semver: opts.filterSemver } : {}),
      ...(opts.filterRegex ? { regex: opts.filterRegex } : {}),
    });
    const artifacts: ListedArtifact[] = new Array(tags.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tags.length) {
        const i = next++;
        const tag = tags[i]!;
        let resolved;
        try {
          resolved = await resolveArtifact(client, { ...repo, tag });
        } catch (err) {
          // A tag deleted between listing and reading is simply gone.
          if (isRegistryError(err, 'not-found')) continue;
          throw err;
        }
        artifacts[i] = {
          url: `${repository}:${tag}`,
          tag,
          digest: resolved.digest,
          ...(resolved.source !== undefined ? { source: resolved.source } : {}),
          ...(resolved.revision !== undefined ? { revision: resolved.revision } : {}),
          ...(resolved.created !== undefined ? { created: resolved.created } : {}),
        };
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, tags.length) }, worker));
    return { repository, artifacts: artifacts.filter((a) => a !== undefined) };
  });
}
