/**
 * The real kube-apiserver's word on objects, for the agreement tests: install (or replace)
 * CRDs and wait until they are served, and a server-side dry-run create (`dryRun=All`, strict
 * field validation as `kubectl apply` sends) whose answer is the verdict flux-oci must match.
 */
import type { ControlPlane } from '../peers/controlPlane.ts';

type Crd = Record<string, any>;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates each CRD, or replaces the one already there, and waits until every one is Established. */
export async function installCrds(cp: ControlPlane, crds: Crd[]): Promise<void> {
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  for (const crd of crds) {
    const name = crd['metadata']['name'] as string;
    let r = await cp.api('POST', base, crd);
    if (r.status === 409) {
      const current = await cp.api('GET', `${base}/${name}`);
      r = await cp.api('PUT', `${base}/${name}`, { ...crd, metadata: { ...crd['metadata'], resourceVersion: current.body.metadata.resourceVersion } });
    }
    if (r.status !== 200 && r.status !== 201) throw new Error(`installing CRD ${name} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  }
  for (const crd of crds) {
    const name = crd['metadata']['name'] as string;
    for (let i = 0; ; i++) {
      const r = await cp.api('GET', `${base}/${name}`);
      if ((r.body?.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True')) break;
      if (i > 150) throw new Error(`CRD ${name} not Established after 30 s`);
      await pause(200);
    }
  }
}

export interface DryRunVerdict {
  accepted: boolean;
  status: number;
  /** The API server's message when it refused. */
  message: string;
}

/**
 * Server-side dry-run create with strict field validation. 201 is accepted, 4xx refused;
 * a 404 (a CRD just created or replaced, not served yet) is asked again
 * for a while unless `retryNotFound` is false; a missing namespace is an answer at once.
 */
export async function dryRunCreate(
  cp: ControlPlane,
  obj: Record<string, any>,
  plural: string,
  namespace: string,
  options: { retryNotFound?: boolean } = {},
): Promise<DryRunVerdict> {
  const apiVersion = obj['apiVersion'] as string;
  const url = `/apis/${apiVersion}/namespaces/${namespace}/${plural}?dryRun=All&fieldValidation=Strict`;
  for (let i = 0; ; i++) {
    const r = await cp.api('POST', url, obj);
    if (r.status === 201) return { accepted: true, status: 201, message: '' };
    if (r.status === 404 && options.retryNotFound !== false && i < 25 && r.body?.details?.kind !== 'namespaces') {
      await pause(200);
      continue;
    }
    if (r.status >= 400 && r.status < 500) return { accepted: false, status: r.status, message: String(r.body?.message ?? JSON.stringify(r.body)) };
    throw new Error(`dry-run create of ${apiVersion} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  }
}
