/**
 * The revision a cluster object says is in use, read from its status: the OCIRepository
 * Flux Operator generates for a FluxInstance's sync (`status.artifact.revision`), or the
 * FluxInstance itself for its distribution artifact (`status.lastArtifactRevision`, the digest
 * the operator last pulled). Drift (`drift.ts`) compares it with what the registry resolves now.
 */
import { isNotFound, type KubeClient } from './kubeClient';

export interface StatusRevisionRef {
  kind: 'OCIRepository' | 'FluxInstance';
  /** `group/version` to read it with. */
  apiVersion: string;
  /** Unset: the client's namespace. */
  namespace?: string;
  /** Unset: named after its namespace (the operator names the sync objects so, as `flux bootstrap` does). */
  name?: string;
  /** The status field holding the revision, as a path from the object's root. */
  revisionField: readonly string[];
}

export interface StatusRevision {
  kind: StatusRevisionRef['kind'];
  namespace: string;
  name: string;
  exists: boolean;
  /** Absent while the object has not recorded one (not reconciled yet). */
  revision?: string;
}

const plurals: Record<StatusRevisionRef['kind'], string> = { OCIRepository: 'ocirepositories', FluxInstance: 'fluxinstances' };

export async function readStatusRevision(client: KubeClient, ref: StatusRevisionRef, signal?: AbortSignal): Promise<StatusRevision> {
  const namespace = ref.namespace || client.namespace;
  const name = ref.name ?? namespace;
  const where = { kind: ref.kind, namespace, name };
  const path = `/apis/${ref.apiVersion}/namespaces/${encodeURIComponent(namespace)}/${plurals[ref.kind]}/${encodeURIComponent(name)}`;
  let obj: unknown;
  try {
    obj = await client.request<unknown>('GET', path, signal ? { signal } : {});
  } catch (err) {
    if (isNotFound(err)) return { ...where, exists: false };
    throw err;
  }
  let v = obj;
  for (const key of ref.revisionField) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return { ...where, exists: true, ...(typeof v === 'string' && v ? { revision: v } : {}) };
}
