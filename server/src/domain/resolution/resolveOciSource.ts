/**
 * Resolves an OCIRepository the way source-controller does (facts §c.2-c.3):
 * digest > semver > tag > `latest`; semver through `selectSemverTag` (the
 * Masterminds port with the RE2 filter and Helm `_`), keeping the original tag
 * text. Then gathers what an editor shows beside it: the artifact's
 * annotations and size, the other tags in range, tags at a pinned digest,
 * whether a tag pinned next to a digest has moved, a newer tag of the same
 * major version.
 */
import { InvalidReferenceError, isSupportingTag } from '../oci/reference';
import { isRegistryError } from '../oci/registry/errors';
import { compileRe2 } from '../regex/re2';
import { parseConstraintExpression, selectSemverTag, tryParseFluxVersion, sortVersionsDescending, type Version } from '../semver/index';
import { effectiveRefKind, usesHelmUnderscore, type OciSourceSpec, type RefKind, repositoryTargetOf } from './ociSourceSpec';
import type { RepositoryReader, RepositoryTarget } from './registryCache';
import { OfflineError } from './networkGate';
import type { FailureReason, Resolution, ResolutionFailure, ResolvedSource, TagCheck } from './resolution';

export interface ResolveOptions {
  /** Tags checked when looking for the ones at a pinned digest. */
  digestTagLimit?: number;
}

export async function resolveOciSource(spec: OciSourceSpec, reader: RepositoryReader, options: ResolveOptions = {}): Promise<Resolution> {
  const kind = effectiveRefKind(spec.ref);
  let target: RepositoryTarget;
  try {
    target = repositoryTargetOf(spec);
  } catch (err) {
    return failure(kind, 'invalid-url', err instanceof InvalidReferenceError ? err.message : String(err), false);
  }
  const repository = `${target.registry}/${target.repository}`;
  try {
    const resolved = await resolveKind(kind, spec, target, repository, reader, options);
    if ('ok' in resolved && resolved.ok && spec.layerMediaType && !resolved.artifact.layers.some((l) => l.mediaType === spec.layerMediaType)) {
      resolved.missingLayer = spec.layerMediaType;
    }
    return resolved;
  } catch (err) {
    return registryFailure(kind, repository, err);
  }
}

async function resolveKind(
  kind: RefKind,
  spec: OciSourceSpec,
  target: RepositoryTarget,
  repository: string,
  reader: RepositoryReader,
  options: ResolveOptions,
): Promise<Resolution> {
  const ref = spec.ref;
  const helm = usesHelmUnderscore(spec);
  if (kind === 'digest') {
    const digest = ref.digest!;
    // The tag list only adds context here; a registry that refuses to list still resolves the digest.
    const [artifact, tags] = await Promise.all([reader.artifact(target, digest), reader.tags(target).catch(() => [] as string[])]);
    if (!artifact) {
      return { ...failure(kind, 'digest-not-found', `digest ${short(digest)} is not in ${repository}`, false), repository, nearest: newestTags(tags, helm, 3) };
    }
    const out: ResolvedSource = { ok: true, kind, repository, digest, artifact };
    const limit = options.digestTagLimit ?? 20;
    const ordered = orderTagsNewestFirst(tags, helm);
    const checked = ordered.slice(0, limit);
    const facts = await Promise.all(checked.map((t) => reader.artifact(target, t).catch(() => undefined)));
    out.tagsAtDigest = checked.filter((_, i) => facts[i]?.digest === digest);
    if (ordered.length > limit) out.tagsAtDigestPartial = true;
    if (ref.tag) {
      const now = await reader.artifact(target, ref.tag);
      const pinned: TagCheck = { tag: ref.tag, ...(now ? { digest: now.digest } : {}) };
      out.pinnedTag = pinned;
      if (!out.tagsAtDigest.includes(ref.tag) && now?.digest === digest) out.tagsAtDigest.unshift(ref.tag);
      const newer = newerSameMajor(ref.tag, tags, helm);
      if (newer) {
        const facts = await reader.artifact(target, newer).catch(() => undefined);
        out.newerTag = { tag: newer, ...(facts ? { digest: facts.digest } : {}) };
      }
    }
    return out;
  }
  if (kind === 'semver') {
    const tags = (await reader.tags(target)).filter((t) => !isSupportingTag(t));
    if (ref.semverFilter) {
      const re = compileRe2(ref.semverFilter);
      if (!re.ok) return failure(kind, 'invalid-filter', `semverFilter is not a valid RE2 expression: ${re.error}`, false);
      if (tags.length > 0 && !tags.some((t) => re.regex.test(t))) {
        return {
          ...failure(
            kind,
            'filter-excludes-all',
            `semverFilter '${ref.semverFilter}' excludes all ${tags.length} tags of ${repository} (for example ${tags.slice(0, 3).join(', ')})`,
            false,
          ),
          repository,
        };
      }
    }
    const selection = selectSemverTag(tags, ref.semver!, { ...(ref.semverFilter ? { filter: ref.semverFilter } : {}), helmUnderscore: helm });
    if (!selection.ok) {
      if (selection.reason === 'invalid-filter') return failure(kind, 'invalid-filter', selection.message, false);
      if (selection.reason === 'invalid-constraint') return failure(kind, 'invalid-constraint', selection.message, false);
      return noMatch(kind, ref.semver!, ref.semverFilter, tags, helm, repository);
    }
    const inRange = [selection.tag, ...inRangeTags(tags, ref.semver!, ref.semverFilter, helm).filter((t) => t !== selection.tag)];
    const artifact = await reader.artifact(target, selection.tag);
    if (!artifact) return { ...failure(kind, 'tag-not-found', `tag ${selection.tag} was listed by ${repository} but has no manifest`, false), repository };
    return { ok: true, kind, repository, tag: selection.tag, digest: artifact.digest, artifact, inRange };
  }
  const tag = kind === 'tag' ? ref.tag! : 'latest';
  const [artifact, tags] = await Promise.all([reader.artifact(target, tag), reader.tags(target).catch(() => [] as string[])]);
  if (!artifact) {
    const nearest = nearestTags(tag, tags, helm);
    const what = kind === 'latest' ? `no ref is set, so Flux uses the tag latest, which ${repository} does not have` : `tag ${tag} is not in ${repository}`;
    return { ...failure(kind, 'tag-not-found', what, false), repository, nearest };
  }
  const out: ResolvedSource = { ok: true, kind, repository, tag, digest: artifact.digest, artifact };
  const newer = newerSameMajor(tag, tags, helm);
  if (newer) out.newerTag = { tag: newer };
  return out;
}

function failure(kind: RefKind, reason: FailureReason, message: string, registryProblem: boolean): ResolutionFailure {
  return { ok: false, kind, reason, message, registryProblem };
}

function registryFailure(kind: RefKind, repository: string, err: unknown): ResolutionFailure {
  if (err instanceof OfflineError) return { ...failure(kind, 'offline', err.message, true), repository };
  const message = err instanceof Error ? err.message : String(err);
  if (isRegistryError(err, 'unauthorized') || isRegistryError(err, 'denied') || isRegistryError(err, 'credentials')) {
    return { ...failure(kind, 'unauthorized', message, true), repository };
  }
  return { ...failure(kind, 'unreachable', message, true), repository };
}

function parse(tag: string, helm: boolean): Version | null {
  return tryParseFluxVersion(helm ? tag.replaceAll('_', '+') : tag);
}

/** Semver tags newest first, then the rest in reverse string order. */
function orderTagsNewestFirst(tags: string[], helm: boolean): string[] {
  const visible = tags.filter((t) => !isSupportingTag(t));
  const versions: Version[] = [];
  const byVersion = new Map<Version, string>();
  const others: string[] = [];
  for (const t of visible) {
    const v = parse(t, helm);
    if (v) {
      versions.push(v);
      byVersion.set(v, t);
    } else others.push(t);
  }
  return [...sortVersionsDescending(versions).map((v) => byVersion.get(v)!), ...others.sort().reverse()];
}

export function newestTags(tags: string[], helm: boolean, n: number): string[] {
  return orderTagsNewestFirst(tags, helm).slice(0, n);
}

/** Every tag in range, highest first (the same filter, parse and check as selectSemverTag; linear in the tag count). */
function inRangeTags(tags: string[], constraint: string, filter: string | undefined, helm: boolean): string[] {
  const parsed = parseConstraintExpression(constraint);
  if ('error' in parsed) return [];
  const re = filter ? compileRe2(filter) : undefined;
  const byVersion = new Map<Version, string>();
  for (const t of tags) {
    if (re && (!re.ok || !re.regex.test(t))) continue;
    const v = parse(t, helm);
    if (v && parsed.constraints.check(v)) byVersion.set(v, t);
  }
  return sortVersionsDescending([...byVersion.keys()]).map((v) => byVersion.get(v)!);
}

function noMatch(kind: RefKind, constraint: string, filter: string | undefined, tags: string[], helm: boolean, repository: string): ResolutionFailure {
  const re = filter ? compileRe2(filter) : undefined;
  const candidates = re && re.ok ? tags.filter((t) => re.regex.test(t)) : tags;
  const nearest = nearestToRange(constraint, candidates, helm);
  const out: ResolutionFailure = {
    ...failure(kind, 'semver-no-match', `no tag of ${repository} matches semver ${constraint}${filter ? ` (after semverFilter ${filter})` : ''}`, false),
    repository,
    nearest,
  };
  // Masterminds hides prereleases unless the range has one (facts P4): say so when that is why.
  const pre = orderTagsNewestFirst(candidates, helm).find((t) => {
    const v = parse(t, helm);
    if (!v || !v.prerelease) return false;
    const release = `${v.major}.${v.minor}.${v.patch}`;
    const s = selectSemverTag([release], constraint);
    return s.ok;
  });
  if (pre) out.prereleaseHint = pre;
  return out;
}

/** The closest versions around a range: newest first, preferring the same major as the range's first bound. */
function nearestToRange(constraint: string, tags: string[], helm: boolean): string[] {
  const ordered = orderTagsNewestFirst(tags, helm).filter((t) => parse(t, helm));
  const bound = /(\d+)(?:\.(\d+))?/.exec(constraint);
  if (!bound) return ordered.slice(0, 3);
  const major = BigInt(bound[1]!);
  const sameMajor = ordered.filter((t) => parse(t, helm)!.major === major);
  return (sameMajor.length ? sameMajor : ordered).slice(0, 3);
}

/** For a tag that is not found: tags that look alike (same version with/without `v`, same prefix), then the newest. */
function nearestTags(tag: string, tags: string[], helm: boolean): string[] {
  const visible = tags.filter((t) => !isSupportingTag(t));
  const v = parse(tag, helm);
  if (v) {
    const same = visible.filter((t) => parse(t, helm)?.equal(v));
    if (same.length) return same.slice(0, 3);
    const sameMajor = orderTagsNewestFirst(visible, helm).filter((t) => parse(t, helm)?.major === v.major);
    if (sameMajor.length) return sameMajor.slice(0, 3);
  }
  const lower = tag.toLowerCase();
  const alike = visible.filter((t) => t.toLowerCase() === lower || t.startsWith(tag.slice(0, 3)));
  return (alike.length ? alike : orderTagsNewestFirst(visible, helm)).slice(0, 3);
}

/** The newest tag of the same major version as `tag` (no prereleases unless `tag` is one), when newer. */
function newerSameMajor(tag: string, tags: string[], helm: boolean): string | undefined {
  const current = parse(tag, helm);
  if (!current) return undefined;
  let best: { v: Version; t: string } | undefined;
  for (const t of tags) {
    if (isSupportingTag(t)) continue;
    const v = parse(t, helm);
    if (!v || v.major !== current.major || (v.prerelease && !current.prerelease)) continue;
    // Keep the same spelling family (`v1.2.3` vs `1.2.3`) so an upgrade does not switch styles.
    if (t.startsWith('v') !== tag.startsWith('v')) continue;
    if (v.compare(current) > 0 && (!best || v.compare(best.v) > 0)) best = { v, t };
  }
  return best?.t;
}

export function short(digest: string): string {
  const i = digest.indexOf(':');
  return i < 0 ? digest.slice(0, 12) : `${digest.slice(0, i + 1)}${digest.slice(i + 1, i + 13)}`;
}
