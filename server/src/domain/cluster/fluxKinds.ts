/**
 * The Flux kinds the cluster commands act on: API group/version, plural, and the
 * words the flux CLI uses for them (`source oci`, `kustomization`, `helmrelease`).
 */
import { HELM_GROUP, KUSTOMIZE_GROUP, SOURCE_GROUP } from '../flux/apiGroups';

export type FluxKind = 'OCIRepository' | 'GitRepository' | 'Bucket' | 'HelmRepository' | 'HelmChart' | 'Kustomization' | 'HelmRelease';

export interface FluxKindInfo {
  kind: FluxKind;
  group: string;
  version: string;
  plural: string;
  /** Words after `flux reconcile` (and suspend/resume/delete) that name this kind. */
  cliWords: string[];
  role: 'source' | 'consumer';
}

export const fluxKinds: readonly FluxKindInfo[] = [
  { kind: 'OCIRepository', group: SOURCE_GROUP, version: 'v1', plural: 'ocirepositories', cliWords: ['source', 'oci'], role: 'source' },
  { kind: 'GitRepository', group: SOURCE_GROUP, version: 'v1', plural: 'gitrepositories', cliWords: ['source', 'git'], role: 'source' },
  { kind: 'Bucket', group: SOURCE_GROUP, version: 'v1', plural: 'buckets', cliWords: ['source', 'bucket'], role: 'source' },
  { kind: 'HelmRepository', group: SOURCE_GROUP, version: 'v1', plural: 'helmrepositories', cliWords: ['source', 'helm'], role: 'source' },
  { kind: 'HelmChart', group: SOURCE_GROUP, version: 'v1', plural: 'helmcharts', cliWords: ['source', 'chart'], role: 'source' },
  { kind: 'Kustomization', group: KUSTOMIZE_GROUP, version: 'v1', plural: 'kustomizations', cliWords: ['kustomization'], role: 'consumer' },
  { kind: 'HelmRelease', group: HELM_GROUP, version: 'v2', plural: 'helmreleases', cliWords: ['helmrelease'], role: 'consumer' },
];

export function fluxKindInfo(kind: string): FluxKindInfo | undefined {
  return fluxKinds.find((k) => k.kind.toLowerCase() === kind.toLowerCase());
}

/** Identifies one object in the cluster. */
export interface ObjectRef {
  kind: FluxKind;
  name: string;
  namespace: string;
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** `/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>]` */
export function collectionPath(info: FluxKindInfo, namespace?: string): string {
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `/apis/${info.group}/${info.version}${ns}/${info.plural}`;
}

export function objectPath(ref: ObjectRef): string {
  const info = fluxKindInfo(ref.kind)!;
  return `${collectionPath(info, ref.namespace)}/${encodeURIComponent(ref.name)}`;
}

/** Whether `apiVersion` (group/version) belongs to one of our Flux kinds' groups. */
export function isFluxObject(apiVersion: unknown, kind: unknown): kind is FluxKind {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return false;
  const info = fluxKindInfo(kind);
  return !!info && apiVersion.startsWith(`${info.group}/`);
}
