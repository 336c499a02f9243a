/** Recent Kubernetes events of one object, newest first (what `flux events --for` shows). */
import type { KubeClient, KubeObject } from './kubeClient';
import type { ObjectRef } from './fluxKinds';

export interface ObjectEvent {
  type: string;
  reason: string;
  message: string;
  /** RFC 3339 of the last occurrence. */
  time: string;
  count: number;
  source: string;
}

export async function objectEvents(client: KubeClient, ref: ObjectRef, limit = 20): Promise<ObjectEvent[]> {
  const list = await client.list<KubeObject & Record<string, any>>(`/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/events`, {
    fieldSelector: `involvedObject.kind=${ref.kind},involvedObject.name=${ref.name}`,
  });
  return list.items
    .map((e) => ({
      type: String(e['type'] ?? 'Normal'),
      reason: String(e['reason'] ?? ''),
      message: String(e['message'] ?? '').trim(),
      time: String(e['lastTimestamp'] ?? e['eventTime'] ?? e.metadata.creationTimestamp ?? ''),
      count: Number(e['count'] ?? 1),
      source: String((e['source'] as { component?: string } | undefined)?.component ?? e['reportingComponent'] ?? ''),
    }))
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
    .slice(0, limit);
}
