export { Version, SemverError, newVersion, strictNewVersion } from './version';
export { Constraints, newConstraint, parseConstraintExpression } from './constraints';
export { parseFluxVersion, tryParseFluxVersion, sortVersionsDescending } from './fluxVersion';
export { selectSemverTag } from './selectTag';
export type { SelectSemverOptions, SemverSelection } from './selectTag';
export { goSort } from './goSort';
export type { GoSortInterface } from './goSort';
