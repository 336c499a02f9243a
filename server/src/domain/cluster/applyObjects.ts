/**
 * Server-side apply of the Flux objects in a YAML file, field manager `flux-oci`,
 * after a dry run that says what would change: each object is applied with
 * `dryRun=All` first and the API server's answer (defaults, admission, CEL and
 * schema validation included) is diffed against what the cluster holds now.
 * Nothing is written unless every object passes the dry run.
 */
import { createTwoFilesPatch } from 'diff';
import { parseAllDocuments, stringify } from 'yaml';
import { isKindNotServed, isNotFound, isTransient, type KubeClient, type KubeObject } from './kubeClient';
import { describeRef, fluxKindInfo, isFluxObject, objectPath, type ObjectRef } from './fluxKinds';

export const fieldManager = 'flux-oci';

export interface PlannedApply {
  ref: ObjectRef;
  action: 'create' | 'update' | 'unchanged';
  /** Unified diff of the object's YAML (cluster → after apply); empty when unchanged. */
  diff: string;
  /** The object as sent. */
  object: KubeObject;
}

export interface ApplyPlan {
  objects: PlannedApply[];
  /** Documents that are not Flux objects, left alone (with why). */
  skipped: string[];
}

/** Reads the Flux objects of a YAML stream, giving each the default namespace when it has none. */
export function fluxObjectsOf(text: string, defaultNamespace: string): { objects: KubeObject[]; skipped: string[] } {
  const objects: KubeObject[] = [];
  const skipped: string[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`document ${i + 1} is not valid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as KubeObject | null;
    if (!value || typeof value !== 'object') return;
    const name = value.metadata?.name;
    if (!isFluxObject(value.apiVersion, value.kind)) {
      skipped.push(`document ${i + 1} (${String(value.kind ?? 'no kind')} ${name ?? ''}): not a Flux object`.replace(' )', ')'));
      return;
    }
    if (typeof name !== 'string' || !name) throw new Error(`document ${i + 1} (${value.kind}) has no metadata.name`);
    value.metadata.namespace ||= defaultNamespace;
    objects.push(value);
  });
  return { objects, skipped };
}

function refOf(obj: KubeObject): ObjectRef {
  return { kind: fluxKindInfo(obj.kind as string)!.kind, name: obj.metadata.name, namespace: obj.metadata.namespace! };
}

/** Drops what the server owns so the diff shows only intent: status, managedFields, uid, versions... */
function comparable(obj: KubeObject | undefined): string {
  if (!obj) return '';
  const { status: _status, ...rest } = obj;
  const metadata = { ...obj.metadata };
  for (const k of ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp']) delete metadata[k];
  if (metadata.annotations) {
    const annotations = { ...metadata.annotations };
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
    else metadata.annotations = annotations;
  }
  return stringify({ ...rest, metadata }, { sortMapEntries: false });
}

/** Reads and dry-runs every object; requests are retried through API server restarts (both are idempotent). */
export async function planApply(client: KubeClient, text: string, label = 'file', signal?: AbortSignal): Promise<ApplyPlan> {
  const { objects, skipped } = fluxObjectsOf(text, client.namespace);
  const planned: PlannedApply[] = [];
  for (const object of objects) {
    const ref = refOf(object);
    let live: KubeObject | undefined;
    try {
      live = await client.get<KubeObject>(objectPath(ref), undefined, signal);
    } catch (err) {
      if (isKindNotServed(err))
        throw new Error(`the cluster does not serve ${ref.kind} (${String(object.apiVersion)}): install Flux's CRDs, or check the apiVersion in ${label}`);
      if (!isNotFound(err)) throw err;
    }
    let after: KubeObject;
    try {
      after = await client.apply<KubeObject>(objectPath(ref), object, fieldManager, { dryRun: true, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted || isTransient(err)) throw err; // not a rejection: the server could not be asked
      throw new Error(`dry run of ${describeRef(ref)} from ${label} was rejected: ${err instanceof Error ? err.message : String(err)}`);
    }
    const before = comparable(live);
    const next = comparable(after);
    const action = !live ? 'create' : before === next ? 'unchanged' : 'update';
    const title = `${ref.kind}/${ref.namespace}/${ref.name}`;
    const diff =
      action === 'unchanged'
        ? ''
        : createTwoFilesPatch(live ? `cluster: ${title}` : '/dev/null', `${label}: ${title}`, before, next, undefined, undefined, { context: 3 });
    planned.push({ ref, action, diff: diff.replace(/^=+\n/, ''), object });
  }
  return { objects: planned, skipped };
}

/** Applying stopped part-way (the API server went away for longer than the retries last). */
export class ApplyInterruptedError extends Error {
  constructor(
    message: string,
    readonly applied: ObjectRef[],
    readonly remaining: ObjectRef[],
  ) {
    super(message);
    this.name = 'ApplyInterruptedError';
  }
}

/**
 * Applies a plan for real (every object already passed its dry run). Server-side apply of
 * the same object is idempotent, so a request retried after a dropped connection (that the
 * server may have applied already) changes nothing twice, and so does running the apply again.
 */
export async function applyPlan(client: KubeClient, plan: ApplyPlan, signal?: AbortSignal): Promise<Array<{ ref: ObjectRef; action: PlannedApply['action'] }>> {
  const done: Array<{ ref: ObjectRef; action: PlannedApply['action'] }> = [];
  for (const [i, p] of plan.objects.entries()) {
    if (p.action !== 'unchanged') {
      try {
        await client.apply(objectPath(p.ref), p.object, fieldManager, signal ? { signal } : {});
      } catch (err) {
        const applied = done.filter((d) => d.action !== 'unchanged').map((d) => d.ref);
        const remaining = plan.objects
          .slice(i)
          .filter((r) => r.action !== 'unchanged')
          .map((r) => r.ref);
        throw new ApplyInterruptedError(
          `applying ${describeRef(p.ref)} failed: ${err instanceof Error ? err.message : String(err)}. ` +
            `${applied.length} of ${applied.length + remaining.length} change(s) were applied before it; ${describeRef(p.ref)} may or may not have been. ` +
            'Run the same apply again once the API server answers: server-side apply is idempotent, so it applies the rest and leaves what is already applied unchanged.',
          applied,
          remaining,
        );
      }
    }
    done.push({ ref: p.ref, action: p.action });
  }
  return done;
}
