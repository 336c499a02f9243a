/**
 * fluxcd/pkg/version v0.16.0: how Flux turns tags into versions. A tag needs at
 * least three dot-separated parts (`1.2`, `v1`, `latest` are skipped even though
 * Masterminds alone would coerce them), then Masterminds' lenient parser.
 */
import { Version, newVersion, splitN, SemverError, ErrInvalidSemVer } from './version';
import { goSort } from './goSort';

/** fluxcd/pkg/version `ParseVersion`. Throws SemverError. */
export function parseFluxVersion(v: string): Version {
  if (splitN(v, '.', 3).length !== 3) throw new SemverError(ErrInvalidSemVer);
  return newVersion(v);
}

export function tryParseFluxVersion(v: string): Version | null {
  try {
    return parseFluxVersion(v);
  } catch (e) {
    if (e instanceof SemverError) return null;
    throw e;
  }
}

/** Sorts versions highest first exactly like Go's `sort.Sort(sort.Reverse(semver.Collection(vs)))`. */
export function sortVersionsDescending(versions: Version[]): Version[] {
  const vs = [...versions];
  goSort({
    len: () => vs.length,
    // Reverse(Collection).Less(i, j) = Collection.Less(j, i) = vs[j] < vs[i]
    less: (i, j) => vs[j]!.lessThan(vs[i]!),
    swap: (i, j) => {
      const t = vs[i]!;
      vs[i] = vs[j]!;
      vs[j] = t;
    },
  });
  return vs;
}
