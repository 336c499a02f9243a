/**
 * The little flux-oci knows about Flux Operator (controlplaneio-fluxcd, AGPL-3.0):
 * written here from its public documentation, never copied from its CRDs or code.
 * Only names and shapes the editor features need.
 */
import { type YAMLMap } from 'yaml';
import { isMap, isScalar } from '../yaml/nodeTests';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { splitApiVersion } from './apiGroups';

/** The operator's API group (`fluxcd.controlplane.io/v1`). */
export const fluxOperatorGroup = 'fluxcd.controlplane.io';

/**
 * Kinds the operator adds to the enum of Alert `spec.eventSources[].kind` and
 * Receiver `spec.resources[].kind` when it patches Flux's notification CRDs.
 */
export const operatorNotificationKinds: readonly string[] = ['FluxInstance', 'ResourceSet', 'ResourceSetInputProvider'];

export function isOperatorObject(apiVersion: string | undefined, kind?: string): boolean {
  if (!apiVersion || splitApiVersion(apiVersion).group !== fluxOperatorGroup) return false;
  return kind === undefined || kind === '' || /^[A-Z]/.test(kind);
}

/**
 * Does this document show that the cluster it targets runs Flux Operator? True for the
 * operator's own objects (FluxInstance, ResourceSet, ...), for a HelmRelease installing
 * its chart, and for an OCIRepository or HelmRepository pointing at the chart.
 */
export function showsFluxOperator(doc: ParsedDocument): boolean {
  return doc.memoize('flux/showsFluxOperator', () => {
    const { apiVersion, kind, name } = doc.identity;
    if (!apiVersion || !kind) return false;
    if (isOperatorObject(apiVersion, kind)) return true;
    const root = doc.root;
    if (!root || !isMap(root)) return false;
    const spec = (root as YAMLMap).get('spec', true);
    const specMap = spec && isMap(spec) ? (spec as YAMLMap) : undefined;
    const str = (m: YAMLMap | undefined, ...path: string[]): string | undefined => {
      let node: unknown = m;
      for (const p of path) node = node && isMap(node) ? (node as YAMLMap).get(p, true) : undefined;
      return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
    };
    const { group } = splitApiVersion(apiVersion);
    if (group === 'helm.toolkit.fluxcd.io' && kind === 'HelmRelease') {
      return name === 'flux-operator' || str(specMap, 'chart', 'spec', 'chart') === 'flux-operator' || str(specMap, 'releaseName') === 'flux-operator';
    }
    if (group === 'source.toolkit.fluxcd.io' && kind === 'OCIRepository') return /\/flux-operator\/?$/.test(str(specMap, 'url') ?? '');
    return false;
  });
}
