/**
 * `flux reconcile` done with a watch: request a reconcile with the
 * `reconcile.fluxcd.io/requestedAt` annotation (facts §g.1), then follow the object until
 * the controller handled that request and it is Ready, or until the controller reports a
 * failure: Stalled, or Ready=False with a failure reason after handling the request, which
 * flux itself only notices at its timeout (§g.2). `withSource` reconciles the source of a
 * Kustomization or HelmRelease first, as `--with-source` does.
 */
import type { KubeClient, KubeObject } from './kubeClient';
import { describeRef, fluxKindInfo, objectPath, type FluxKind, type ObjectRef } from './fluxKinds';
import { isSuspended, reconcileVerdict, type Verdict } from './fluxStatus';
import { watchObjectUntil, withinTimeout } from './watchObject';

export const requestedAtAnnotation = 'reconcile.fluxcd.io/requestedAt';

export interface ReconcileOptions {
  withSource?: boolean;
  signal?: AbortSignal;
  /** Default 5 minutes, like flux; 0 = no limit. */
  timeoutMs?: number;
  onProgress?: (message: string) => void;
  /** Internal: the caller's whole timeout, for messages, when `timeoutMs` is what remains of it. */
  totalTimeoutMs?: number;
}

export interface ReconcileResult {
  ref: ObjectRef;
  /** The source's artifact revision or the consumer's applied revision. */
  revision: string | undefined;
  /** Milliseconds from the request to the verdict. */
  elapsedMs: number;
  source?: ReconcileResult;
}

/** The controller reported that the reconcile failed. */
export class ReconcileFailedError extends Error {
  constructor(
    readonly ref: ObjectRef,
    readonly reason: string,
    readonly detail: string,
    readonly elapsedMs: number,
  ) {
    super(`${ref.kind} reconciliation failed (${reason}): ${detail}`);
    this.name = 'ReconcileFailedError';
  }
}

export class SuspendedError extends Error {
  constructor(ref: ObjectRef) {
    super(`${describeRef(ref)} is suspended: resume it first (flux-oci resume ...)`);
    this.name = 'SuspendedError';
  }
}

/**
 * Whether the editor reconciles an object's source first when the caller does not say: yes for
 * the consumers (Kustomization, HelmRelease), so "Reconcile" shows the newest artifact applied;
 * no for sources. The CLI follows flux (`--with-source` must be given).
 */
export function withSourceByDefault(kind: string): boolean {
  return fluxKindInfo(kind)?.role === 'consumer';
}

export async function reconcile(client: KubeClient, ref: ObjectRef, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const progress = options.onProgress ?? (() => undefined);
  // The timeout bounds the whole command, requests included: an API server that does not
  // answer (restarting, unreachable) ends it with a ClusterTimeoutError, never a hang.
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const totalMs = options.totalTimeoutMs ?? timeoutMs;
  const started = Date.now();
  const remaining = (): number => (timeoutMs ? Math.max(1, timeoutMs - (Date.now() - started)) : 0);
  const bounded = <T>(what: string, run: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> =>
    withinTimeout(what, remaining(), totalMs, options.signal, run);
  const obj = await bounded(`reading ${describeRef(ref)}`, (signal) => client.get<KubeObject>(objectPath(ref), undefined, signal));
  if (isSuspended(obj)) throw new SuspendedError(ref);
  let source: ReconcileResult | undefined;
  if (options.withSource) {
    const sourceRef = sourceOf(obj, ref);
    if (sourceRef) {
      progress(`reconciling source ${describeRef(sourceRef)}`);
      source = await reconcile(client, sourceRef, { ...options, withSource: false, timeoutMs: remaining(), totalTimeoutMs: totalMs });
      progress(`source ${describeRef(sourceRef)} ready: ${source.revision ?? 'no revision'}`);
    }
  }
  const token = requestToken();
  progress(`annotating ${describeRef(ref)} with ${requestedAtAnnotation}`);
  // A merge patch of a fixed token: retried on connection failures, harmless if it lands twice.
  const annotated = await bounded(`requesting a reconcile of ${describeRef(ref)}`, (signal) =>
    client.mergePatch<KubeObject>(objectPath(ref), { metadata: { annotations: { [requestedAtAnnotation]: token } } }, undefined, signal),
  );
  const requestedAt = performance.now();
  progress(`waiting for ${describeRef(ref)} to reconcile`);
  let lastDetail = '';
  const verdict = await watchObjectUntil<Exclude<Verdict, { state: 'waiting' }>>(
    client,
    ref,
    annotated,
    (o) => {
      const v = reconcileVerdict(o, (x) => x.status?.['lastHandledReconcileAt'] === token);
      if (v.state !== 'waiting') return v;
      if (v.detail !== lastDetail) progress((lastDetail = v.detail));
      return undefined;
    },
    { ...(options.signal ? { signal: options.signal } : {}), timeoutMs: remaining(), totalTimeoutMs: totalMs, onProgress: progress },
  );
  const elapsedMs = performance.now() - requestedAt;
  if (verdict.state === 'failed') throw new ReconcileFailedError(ref, verdict.reason, verdict.message, elapsedMs);
  return { ref, revision: verdict.revision, elapsedMs, ...(source ? { source } : {}) };
}

/** The token flux writes: the time, RFC 3339 with nanoseconds (any new string works). */
export function requestToken(): string {
  const now = new Date();
  const nanos = String(process.hrtime.bigint() % 1_000_000_000n).padStart(9, '0');
  return now.toISOString().replace(/\.\d+Z$/, `.${nanos}Z`);
}

/**
 * The source a consumer reads: Kustomization `spec.sourceRef`, HelmRelease `spec.chartRef`
 * or the HelmChart `<ns>-<name>` generated for `spec.chart`. Undefined for kinds whose
 * source flux cannot reconcile (ExternalArtifact).
 */
export function sourceOf(obj: KubeObject, ref: ObjectRef): ObjectRef | undefined {
  const spec = obj.spec ?? {};
  let kind: string | undefined;
  let name: string | undefined;
  let namespace: string | undefined;
  if (ref.kind === 'Kustomization') {
    ({ kind, name, namespace } = (spec['sourceRef'] ?? {}) as { kind?: string; name?: string; namespace?: string });
  } else if (ref.kind === 'HelmRelease') {
    if (spec['chartRef']) ({ kind, name, namespace } = spec['chartRef'] as { kind?: string; name?: string; namespace?: string });
    else if (spec['chart']) {
      kind = 'HelmChart';
      name = `${ref.namespace}-${ref.name}`;
      namespace = (spec['chart'] as { spec?: { sourceRef?: { namespace?: string } } }).spec?.sourceRef?.namespace;
    }
  } else {
    return undefined;
  }
  const info = kind ? fluxKindInfo(kind) : undefined;
  if (!info || info.role !== 'source' || !name) {
    if (kind) throw new Error(`cannot reconcile source of kind ${kind} (${describeRef(ref)})`);
    return undefined;
  }
  return { kind: info.kind as FluxKind, name, namespace: namespace || ref.namespace };
}
