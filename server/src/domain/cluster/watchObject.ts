/**
 * Follows one object with a watch (no polling) until `evaluate` returns a result, the
 * signal aborts or the timeout passes. The watch starts at the resourceVersion the caller
 * last saw, so no change between its write and the watch is missed; a dropped watch is
 * resumed from the last event, and an expired resourceVersion (410) re-reads the object.
 */
import { KubeApiError, type KubeClient, type KubeObject } from './kubeClient';
import { collectionPath, describeRef, fluxKindInfo, objectPath, type ObjectRef } from './fluxKinds';

export class ClusterTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterTimeoutError';
  }
}

export interface WatchObjectOptions {
  signal?: AbortSignal;
  /** 0 or undefined: no limit. */
  timeoutMs?: number;
}

export async function watchObjectUntil<R>(client: KubeClient, ref: ObjectRef, start: KubeObject, evaluate: (obj: KubeObject) => R | undefined, options: WatchObjectOptions = {}): Promise<R> {
  const first = evaluate(start);
  if (first !== undefined) return first;
  const controller = new AbortController();
  const outer = options.signal;
  const onAbort = (): void => controller.abort();
  outer?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = options.timeoutMs ? setTimeout(() => ((timedOut = true), controller.abort()), options.timeoutMs) : undefined;
  const path = collectionPath(fluxKindInfo(ref.kind)!, ref.namespace);
  let resourceVersion = start.metadata.resourceVersion;
  let result: R | undefined;
  let deleted = false;
  try {
    while (result === undefined && !controller.signal.aborted) {
      try {
        await client.watch(
          path,
          { fieldSelector: `metadata.name=${ref.name}`, resourceVersion },
          (ev) => {
            if (result !== undefined) return;
            if (ev.object?.metadata?.resourceVersion) resourceVersion = ev.object.metadata.resourceVersion;
            if (ev.type === 'BOOKMARK') return;
            if (ev.type === 'DELETED') {
              deleted = true;
              controller.abort();
              return;
            }
            result = evaluate(ev.object);
            if (result !== undefined) controller.abort();
          },
          controller.signal,
        );
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 410) {
          // Our resourceVersion is too old for the watch cache: read the object again.
          const now = await client.get<KubeObject>(objectPath(ref), undefined, controller.signal);
          resourceVersion = now.metadata.resourceVersion;
          result = evaluate(now);
          continue;
        }
        if (controller.signal.aborted) break;
        throw err;
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
    controller.abort();
  }
  if (result !== undefined) return result;
  if (deleted) throw new Error(`${describeRef(ref)} was deleted while waiting for it`);
  if (timedOut) throw new ClusterTimeoutError(`timed out after ${Math.round((options.timeoutMs ?? 0) / 1000)}s waiting for ${describeRef(ref)}`);
  throw outer?.reason instanceof Error ? outer.reason : new Error('cancelled');
}
