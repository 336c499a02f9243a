/**
 * The cluster commands: the "Flux Cluster" tree, reconcile, suspend, resume, apply (a dry-run
 * diff first, then the same text with `confirm`), delete, events and the object's YAML; and
 * the notification the server sends when its watches saw a change.
 */
import { commandType, notificationSpec, type Answer } from './messages';
import type { FluxTreeNode } from '../domain/cluster/fluxInventory';
import type { ObjectRef } from '../domain/cluster/fluxKinds';
import type { ObjectEvent } from '../domain/cluster/events';
import type { PlannedApply } from '../domain/cluster/applyObjects';
import type { KubeObject } from '../domain/cluster/kubeClient';
import type { KubeContextInfo } from '../domain/cluster/kubeConfig';

export type { FluxTreeNode, ObjectRef, KubeContextInfo };

/**
 * Which object: kind and name; without a namespace the context's namespace; without a context
 * the kubeconfig's current context.
 */
export interface ObjectArgs {
  kind: string;
  name: string;
  namespace?: string;
  context?: string;
}

export interface ReconcileArgs extends ObjectArgs {
  /**
   * Reconcile the object's source first (what `flux reconcile kustomization --with-source` does).
   * When omitted the server decides: yes for Kustomization and HelmRelease, no for sources.
   */
  withSource?: boolean;
}

/** The kubeconfig's contexts (merged like kubectl) and which one is current. */
export interface KubeContextList {
  /** The file `current-context` is written to. */
  file: string;
  /** Every kubeconfig file read, in order. */
  files: string[];
  current: string;
  contexts: KubeContextInfo[];
}

export interface UseContextArgs {
  context: string;
}

export interface UseContextResult {
  file: string;
  previous: string;
  current: string;
}

export interface ApplyArgs {
  /** The document to apply (an open one, unless `text` is given). */
  uri: string;
  text?: string;
  /** Apply what the dry run showed; without it the answer is the dry-run diff. */
  confirm?: boolean;
}

export interface ClusterTree {
  context: string;
  server: string;
  count: number;
  nodes: FluxTreeNode[];
  /** Why the view may lag behind the cluster (the API server unreachable); it recovers by itself. */
  stale?: string;
}

/** A failed cluster command may say the controller's reason (e.g. `BuildFailed`). */
export type ClusterAnswer<T> = Answer<T> | { ok: false; error: string; reason?: string };

export interface ReconcileResult {
  revision: string | null;
  elapsedMs: number;
  source?: { revision: string | null };
}

export interface ApplyResult {
  dryRun: boolean;
  objects: Array<Pick<PlannedApply, 'ref' | 'action' | 'diff'>>;
  skipped: string[];
}

export const clusterCommands = {
  tree: commandType<undefined, ClusterTree | { ok: false; error: string }>('flux-oci.clusterTree'),
  reconcile: commandType<ReconcileArgs, ClusterAnswer<ReconcileResult>>('flux-oci.reconcile'),
  suspend: commandType<ObjectArgs, ClusterAnswer<object>>('flux-oci.suspend'),
  resume: commandType<ObjectArgs, ClusterAnswer<{ revision: string | null }>>('flux-oci.resume'),
  apply: commandType<ApplyArgs, ClusterAnswer<ApplyResult>>('flux-oci.apply'),
  delete: commandType<ObjectArgs, ClusterAnswer<object>>('flux-oci.delete'),
  events: commandType<ObjectArgs, { events: ObjectEvent[] } | { ok: false; error: string }>('flux-oci.events'),
  getYaml: commandType<ObjectArgs, { object: KubeObject } | { ok: false; error: string }>('flux-oci.clusterObject'),
  /** The kubeconfig's contexts, for a picker. */
  contexts: commandType<undefined, Answer<KubeContextList>>('flux-oci.kubeContexts'),
  /**
   * Makes a context current like `kubectl config use-context` (only `current-context` of the
   * kubeconfig changes; comments and layout stay), then follows the new context at once.
   */
  useContext: commandType<UseContextArgs, Answer<UseContextResult>>('flux-oci.useContext'),
} as const;

export interface ClusterChangedParams {
  context: string;
  /** Flux objects the server now knows of. */
  count: number;
}

/** server → client, debounced, when the watches saw objects change. */
export const clusterChangedNotification = notificationSpec<ClusterChangedParams>('flux-oci/clusterChanged');
