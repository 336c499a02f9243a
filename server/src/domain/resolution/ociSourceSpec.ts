/**
 * What an OCIRepository asks the registry for, reduced to the fields that
 * decide which artifact Flux deploys (flux-oci-facts.md §c.2-c.5), and the
 * precedence source-controller applies to them: digest > semver > tag > latest.
 */
import type { Provider } from '../oci/registry/auth/cloudProviders';
import { MediaType } from '../oci/mediaTypes';
import { parseRepositoryUrl } from '../oci/reference';
import type { RepositoryTarget } from './registryCache';

export interface OciSourceRef {
  tag?: string;
  semver?: string;
  semverFilter?: string;
  digest?: string;
}

export interface OciSourceSpec {
  /** `oci://host/repo` as written in `spec.url`. */
  url: string;
  ref: OciSourceRef;
  /** `spec.layerSelector.mediaType`; the Helm chart type makes `_` read as `+` in tags. */
  layerMediaType?: string;
  insecure?: boolean;
  provider?: Provider;
}

export type RefKind = 'digest' | 'semver' | 'tag' | 'latest';

/** The ref field Flux will use; empty strings count as unset, as in the controller. */
export function effectiveRefKind(ref: OciSourceRef): RefKind {
  if (ref.digest) return 'digest';
  if (ref.semver) return 'semver';
  if (ref.tag) return 'tag';
  return 'latest';
}

export function usesHelmUnderscore(spec: OciSourceSpec): boolean {
  return spec.layerMediaType === MediaType.helmChartContent;
}

/** A stable key for caching a resolution of this spec. */
export function specKey(spec: OciSourceSpec): string {
  const r = spec.ref;
  return JSON.stringify([
    spec.url,
    r.digest ?? '',
    r.semver ?? '',
    r.semverFilter ?? '',
    r.tag ?? '',
    spec.layerMediaType ?? '',
    !!spec.insecure,
    spec.provider ?? 'generic',
  ]);
}

/** The repository a spec names and how to reach it (plain HTTP, cloud login); throws InvalidReferenceError for a bad url. */
export function repositoryTargetOf(spec: Pick<OciSourceSpec, 'url' | 'insecure' | 'provider'>): RepositoryTarget {
  return { ...parseRepositoryUrl(spec.url), ...(spec.insecure ? { insecure: true } : {}), ...(spec.provider ? { provider: spec.provider } : {}) };
}
