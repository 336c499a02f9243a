/**
 * `flux suspend` / `flux resume` (facts §g.3): a merge patch of `spec.suspend`.
 * Resume then waits, as flux does for one object, until the controller has seen
 * the new generation and the object is Ready (or reports a failure).
 */
import type { KubeClient, KubeObject } from './kubeClient';
import { describeRef, objectPath, type ObjectRef } from './fluxKinds';
import { condition, reconcileVerdict, type Verdict } from './fluxStatus';
import { ReconcileFailedError, requestedAtAnnotation, requestToken, type ReconcileResult } from './reconcile';
import { watchObjectUntil, withinTimeout } from './watchObject';

export async function suspend(client: KubeClient, ref: ObjectRef, signal?: AbortSignal): Promise<void> {
  await client.mergePatch(objectPath(ref), { spec: { suspend: true } }, undefined, signal);
}

export async function resume(
  client: KubeClient,
  ref: ObjectRef,
  options: { wait?: boolean; signal?: AbortSignal; timeoutMs?: number; onProgress?: (m: string) => void } = {},
): Promise<ReconcileResult | undefined> {
  const started = performance.now();
  // null removes the field (merge patch), which is what flux's resume leaves behind. Like flux,
  // resume also requests a reconcile: its token tells us when the controller has handled it.
  const token = requestToken();
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const patched = await withinTimeout(`resuming ${describeRef(ref)}`, timeoutMs, timeoutMs, options.signal, (signal) =>
    client.mergePatch<KubeObject>(
      objectPath(ref),
      { metadata: { annotations: { [requestedAtAnnotation]: token } }, spec: { suspend: null } },
      undefined,
      signal,
    ),
  );
  if (options.wait === false) return undefined;
  const generation = patched.metadata.generation ?? 0;
  options.onProgress?.(`waiting for ${ref.kind} ${ref.namespace}/${ref.name} to reconcile generation ${generation}`);
  const verdict = await watchObjectUntil<Exclude<Verdict, { state: 'waiting' }>>(
    client,
    ref,
    patched,
    (o) => {
      // source-controller keeps status.observedGeneration at -1 until a first success: the
      // handled token, or Ready's own observedGeneration, says the controller saw this spec.
      const v = reconcileVerdict(o, (x) => {
        if (x.status?.['lastHandledReconcileAt'] === token) return true;
        const observed = x.status?.['observedGeneration'];
        const readyObserved = condition(x, 'Ready')?.observedGeneration;
        return (typeof observed === 'number' && observed >= generation) || (typeof readyObserved === 'number' && readyObserved >= generation);
      });
      return v.state === 'waiting' ? undefined : v;
    },
    {
      ...(options.signal ? { signal: options.signal } : {}),
      timeoutMs: timeoutMs ? Math.max(1, timeoutMs - (performance.now() - started)) : 0,
      totalTimeoutMs: timeoutMs,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
  );
  const elapsedMs = performance.now() - started;
  if (verdict.state === 'failed') throw new ReconcileFailedError(ref, verdict.reason, verdict.message, elapsedMs);
  return { ref, revision: verdict.revision, elapsedMs };
}
