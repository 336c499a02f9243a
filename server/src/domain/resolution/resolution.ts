/**
 * The answer to "what will Flux deploy for this OCIRepository?": either the
 * resolved artifact with everything worth showing next to it, or a typed
 * failure that says whether the spec is wrong (tag not found...) or the
 * registry could not be asked (unreachable, unauthorised, offline), which an
 * editor must show as information and never as an error.
 */
import type { RefKind } from './ociSourceSpec';

export interface ArtifactFacts {
  /** Digest of what the reference points at (an index keeps its own digest, as Flux does). */
  digest: string;
  mediaType: string;
  /** The image manifest's digest (differs from `digest` for an index). */
  manifestDigest: string;
  created?: string;
  source?: string;
  revision?: string;
  /** Bytes of config and layers: what a pull downloads. */
  size: number;
  layers: Array<{ mediaType: string; size: number; digest: string }>;
}

export interface TagCheck {
  tag: string;
  /** The tag's current digest; undefined when the tag no longer exists. */
  digest?: string;
}

export interface ResolvedSource {
  ok: true;
  kind: RefKind;
  /** `host/repo` */
  repository: string;
  /** The tag Flux picks (original text); absent for a digest-only ref. */
  tag?: string;
  digest: string;
  artifact: ArtifactFacts;
  /** semver: every tag in range, newest first (the first one is `tag`). */
  inRange?: string[];
  /** digest: tags found pointing at the digest (newest first, among the tags checked). */
  tagsAtDigest?: string[];
  /** True when not every tag was checked for `tagsAtDigest`. */
  tagsAtDigestPartial?: boolean;
  /** digest with a tag beside it: where that tag points now. */
  pinnedTag?: TagCheck;
  /** tag (or digest with a semver-looking tag): the newest tag of the same major version, when newer. */
  newerTag?: { tag: string; digest?: string };
  /** The layer `layerSelector.mediaType` asks for is missing from the artifact. */
  missingLayer?: string;
}

export type FailureReason =
  | 'tag-not-found'
  | 'semver-no-match'
  | 'filter-excludes-all'
  | 'digest-not-found'
  | 'invalid-url'
  | 'invalid-filter'
  | 'invalid-constraint'
  | 'unreachable'
  | 'unauthorized'
  | 'offline';

export interface ResolutionFailure {
  ok: false;
  kind: RefKind;
  reason: FailureReason;
  /** A sentence a person can act on. */
  message: string;
  /** True when the registry could not be asked: show as information, never as an error. */
  registryProblem: boolean;
  repository?: string;
  /** semver-no-match: the versions closest to the range (newest first). */
  nearest?: string[];
  /** semver-no-match: a prerelease would match if the range admitted prereleases. */
  prereleaseHint?: string;
}

export type Resolution = ResolvedSource | ResolutionFailure;
