/**
 * Follows one object with a watch (no polling) until `evaluate` returns a result, the
 * signal aborts or the timeout passes. The watch starts at the resourceVersion the caller
 * last saw, so no change between its write and the watch is missed; a dropped watch is
 * resumed from the last event, and an expired resourceVersion (410) re-reads the object.
 *
 * An API server that restarts, refuses or resets connections is waited out (backoff,
 * then the watch resumes where it was): only the timeout ends the wait, and its message
 * then says what the last attempt ran into.
 */
import { backoffMs, isKindNotServed, isTransient, KubeApiError, sleep, type KubeClient, type KubeObject } from './kubeClient';
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
  /** Told when the watch is lost and when it is back. */
  onProgress?: (message: string) => void;
  /** The whole command's timeout, for the message, when `timeoutMs` is what remains of it. */
  totalTimeoutMs?: number;
}

export async function watchObjectUntil<R>(
  client: KubeClient,
  ref: ObjectRef,
  start: KubeObject,
  evaluate: (obj: KubeObject) => R | undefined,
  options: WatchObjectOptions = {},
): Promise<R> {
  const first = evaluate(start);
  if (first !== undefined) return first;
  const controller = new AbortController();
  const outer = options.signal;
  const onAbort = (): void => controller.abort();
  outer?.addEventListener('abort', onAbort, { once: true });
  // An abort event never fires for a signal aborted already (cancelled while the request was
  // being annotated): without this the wait ran to its timeout, minutes after the user cancelled.
  if (outer?.aborted) controller.abort();
  let timedOut = false;
  const timer = options.timeoutMs ? setTimeout(() => ((timedOut = true), controller.abort()), options.timeoutMs) : undefined;
  const path = collectionPath(fluxKindInfo(ref.kind)!, ref.namespace);
  const progress = options.onProgress ?? (() => undefined);
  let resourceVersion = start.metadata.resourceVersion;
  let result: R | undefined;
  let deleted = false;
  let failures = 0;
  let lastError: string | undefined;
  let lostAt: number | undefined;
  try {
    while (result === undefined && !deleted && !controller.signal.aborted) {
      const watchStarted = Date.now();
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
          () => {
            if (lostAt !== undefined) progress(`watching ${describeRef(ref)} again after ${Math.round((Date.now() - lostAt) / 1000)}s`);
            failures = 0;
            lastError = undefined;
            lostAt = undefined;
          },
        );
        // The server ended the watch (its timeout, or shutting down): resume from the last
        // event, after a pause if it ended at once (a server shutting down closes them all).
        if (result === undefined && Date.now() - watchStarted < 1000) await sleep(backoffMs(2), controller.signal);
      } catch (err) {
        if (controller.signal.aborted) break;
        try {
          if (err instanceof KubeApiError && err.status === 410) {
            // Our resourceVersion is too old for the watch cache (e.g. the API server restarted): read the object again.
            const now = await client.get<KubeObject>(objectPath(ref), undefined, controller.signal);
            resourceVersion = now.metadata.resourceVersion;
            result = evaluate(now);
            continue;
          }
          throw err;
        } catch (e) {
          if (controller.signal.aborted) {
            if (e instanceof KubeApiError) lastError = e.message;
            break;
          }
          if (e instanceof KubeApiError && e.status === 404 && e.details?.name) {
            deleted = true;
            break;
          }
          // A 404 for the kind while /readyz says not ready: an API server still starting.
          if (!(isTransient(e) || (isKindNotServed(e) && (await client.apiServerStarting(controller.signal))))) throw e;
          lastError = (e as Error).message;
          if (lostAt === undefined) {
            lostAt = Date.now();
            progress(`lost the watch on ${describeRef(ref)} (${lastError}); retrying until the timeout`);
          }
          await sleep(Math.max(backoffMs(++failures), ((e as KubeApiError).retryAfterSeconds ?? 0) * 1000), controller.signal);
        }
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
    controller.abort();
  }
  if (result !== undefined) return result;
  if (deleted) throw new Error(`${describeRef(ref)} was deleted while waiting for it`);
  if (timedOut)
    throw new ClusterTimeoutError(
      `timed out after ${Math.round((options.totalTimeoutMs ?? options.timeoutMs ?? 0) / 1000)}s waiting for ${describeRef(ref)}${lastError ? ` (last attempt: ${lastError})` : ''}`,
    );
  throw outer?.reason instanceof Error ? outer.reason : new Error('cancelled');
}

/**
 * Runs `run` with a signal that also aborts after `timeoutMs` (0: no limit), and turns
 * that into a ClusterTimeoutError that says what was being done and why it did not finish.
 */
export async function withinTimeout<T>(
  what: string,
  timeoutMs: number,
  totalMs: number,
  outer: AbortSignal | undefined,
  run: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (!timeoutMs) return run(outer);
  const timer = AbortSignal.timeout(timeoutMs);
  const signal = outer ? AbortSignal.any([outer, timer]) : timer;
  try {
    return await run(signal);
  } catch (err) {
    if (timer.aborted && !outer?.aborted && !(err instanceof ClusterTimeoutError)) {
      // The last failure (an API error, or an apply interrupted part-way) says what to do next.
      const last =
        err instanceof KubeApiError || (err instanceof Error && err.name !== 'AbortError' && err.name !== 'TimeoutError')
          ? ` (last attempt: ${(err as Error).message})`
          : '';
      throw new ClusterTimeoutError(`timed out after ${Math.round(totalMs / 1000)}s ${what}${last}`);
    }
    throw err;
  }
}
