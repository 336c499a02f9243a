import type { Diagnostic } from '../diagnostics';
import type { FluxObject } from '../flux/fluxObject';

/**
 * What a lint may learn about a Secret manifest of the workspace: its type and
 * the names of its keys, never a value (lint messages must not leak secrets).
 */
export interface SecretFacts {
  /** `type`, defaulting to Opaque like the API server. */
  type: string;
  /** Keys of `data` and `stringData`. */
  keys: readonly string[];
  /** SOPS-encrypted or templated: what we read may not be what the cluster gets. */
  opaqueToUs: boolean;
}

/** What a lint may know beyond its own document. */
export interface LintContext {
  /**
   * OCIRepositories consumed as Helm charts by a HelmRelease `chartRef`
   * (from the same file or the workspace), as `namespace/name`; an empty
   * namespace means "the HelmRelease's namespace was not given".
   */
  helmChartSources?: ReadonlySet<string>;
  /** Secret manifests of the same file or the workspace, by `namespace/name` (namespace '' when not given). */
  secrets?: ReadonlyMap<string, SecretFacts>;
  /** The workspace shows Flux Operator (a FluxInstance, a ResourceSet, its chart): its kinds are accepted where Flux's CRDs would not. */
  fluxOperator?: boolean;
}

export type Lint = (obj: FluxObject, ctx: LintContext) => Diagnostic[];

export { SOURCE_GROUP, HELM_GROUP, IMAGE_GROUP } from '../flux/apiGroups';
