import type { Diagnostic } from '../diagnostics';
import type { FluxObject } from './yamlAccess';

/** What a lint may know beyond its own document. */
export interface LintContext {
  /**
   * OCIRepositories consumed as Helm charts by a HelmRelease `chartRef`
   * (from the same file or the workspace), as `namespace/name`; an empty
   * namespace means "the HelmRelease's namespace was not given".
   */
  helmChartSources?: ReadonlySet<string>;
}

export type Lint = (obj: FluxObject, ctx: LintContext) => Diagnostic[];

export const SOURCE_GROUP = 'source.toolkit.fluxcd.io';
export const HELM_GROUP = 'helm.toolkit.fluxcd.io';
export const IMAGE_GROUP = 'image.toolkit.fluxcd.io';
