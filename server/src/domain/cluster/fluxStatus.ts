/**
 * Reading a Flux object's status: its conditions, the kstatus verdict flux uses
 * (facts §g.2), the revision it reports, and the verdict of a reconcile request:
 * done, failed (reported by the controller: Stalled, or the request handled with
 * Ready=False and a failure reason) or still waiting.
 */
import type { KubeObject } from './kubeClient';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

export function conditions(obj: KubeObject): Condition[] {
  const list = obj.status?.['conditions'];
  return Array.isArray(list) ? (list as Condition[]) : [];
}

export function condition(obj: KubeObject, type: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type);
}

export type KStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating';

/** kstatus as fluxcd/cli-utils computes it for Flux objects. */
export function kstatus(obj: KubeObject): KStatus {
  if (obj.metadata.deletionTimestamp) return 'Terminating';
  const observed = obj.status?.['observedGeneration'];
  if (typeof obj.metadata.generation === 'number' && typeof observed === 'number' && observed !== obj.metadata.generation) return 'InProgress';
  if (condition(obj, 'Reconciling')?.status === 'True') return 'InProgress';
  if (condition(obj, 'Stalled')?.status === 'True') return 'Failed';
  const ready = condition(obj, 'Ready');
  if (!ready) return 'Current';
  return ready.status === 'True' ? 'Current' : 'InProgress';
}

/** What a source or consumer says it has: a source's artifact revision, a consumer's applied one. */
export function reportedRevision(obj: KubeObject): string | undefined {
  const s = obj.status ?? {};
  const artifact = s['artifact'] as { revision?: string } | undefined;
  return artifact?.revision ?? (s['lastAppliedRevision'] as string | undefined) ?? (s['lastAttemptedRevision'] as string | undefined);
}

export function artifactDigest(obj: KubeObject): string | undefined {
  return (obj.status?.['artifact'] as { digest?: string } | undefined)?.digest;
}

export function isSuspended(obj: KubeObject): boolean {
  return obj.spec?.['suspend'] === true;
}

/**
 * Ready=False reasons that mean "waiting on something else", not a failure of this object.
 * ArtifactFailed is a consumer waiting on its source: right after a source gets its artifact,
 * kustomize-controller's cache may not have it yet ("Source artifact not found, retrying in
 * 30s"), and it reconciles again as soon as the source's artifact shows up. A source that truly
 * fails is reported by the source's own reconcile (`--with-source`).
 */
const waitingReasons = new Set(['Progressing', 'DependencyNotReady', 'ProgressingWithRetry', 'ArtifactFailed']);

export type Verdict =
  | { state: 'waiting'; detail: string }
  | { state: 'ready'; revision: string | undefined; message: string }
  | { state: 'failed'; reason: string; message: string };

/**
 * Verdict on a reconcile request. `handled(obj)` says whether the controller has seen
 * the request (lastHandledReconcileAt == token, or observedGeneration caught up).
 */
export function reconcileVerdict(obj: KubeObject, handled: (obj: KubeObject) => boolean): Verdict {
  const stalled = condition(obj, 'Stalled');
  const ready = condition(obj, 'Ready');
  // A stalled object will not be retried until its spec changes: report it at once.
  if (stalled?.status === 'True' && handled(obj)) return { state: 'failed', reason: stalled.reason ?? 'Stalled', message: stalled.message ?? 'stalled' };
  if (!handled(obj)) return { state: 'waiting', detail: 'waiting for the controller to pick up the request' };
  const status = kstatus(obj);
  if (status === 'Current') {
    if (ready && ready.status !== 'True') return { state: 'failed', reason: ready.reason ?? 'NotReady', message: ready.message ?? 'not ready' };
    return { state: 'ready', revision: reportedRevision(obj), message: ready?.message ?? '' };
  }
  if (status === 'Terminating') return { state: 'failed', reason: 'Terminating', message: 'the object is being deleted' };
  // Handled but not Current. flux keeps polling here until its timeout; the controller has
  // however already reported a failed attempt when Ready=False carries a failure reason and
  // the only thing in progress is a retry (Reconciling=ProgressingWithRetry, or none).
  const reconciling = condition(obj, 'Reconciling');
  // source-controller leaves status.observedGeneration at -1 until a first success, so a source
  // that never fetched would look unobserved forever; each condition carries its own
  // observedGeneration, and Ready's says whether this failure is about the current spec.
  const generation = obj.metadata.generation;
  const observed = obj.status?.['observedGeneration'];
  const observedOk =
    typeof generation !== 'number' ||
    (typeof observed !== 'number' && typeof ready?.observedGeneration !== 'number') ||
    observed === generation ||
    ready?.observedGeneration === generation;
  if (
    ready?.status === 'False' &&
    observedOk &&
    !waitingReasons.has(ready.reason ?? '') &&
    (!reconciling || reconciling.status !== 'True' || reconciling.reason === 'ProgressingWithRetry')
  ) {
    return { state: 'failed', reason: ready.reason ?? 'ReconciliationFailed', message: ready.message ?? 'reconciliation failed' };
  }
  const detail = reconciling?.status === 'True' ? (reconciling.message ?? 'reconciling') : (ready?.message ?? 'reconciling');
  return { state: 'waiting', detail };
}
