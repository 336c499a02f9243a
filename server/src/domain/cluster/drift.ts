/**
 * Drift between the cluster and the registry for one OCIRepository: the cluster's
 * `status.artifact.revision` (`<tag>@sha256:<hex>` or `sha256:<hex>`, facts §c.8) against
 * what the registry resolves now for the same spec (live resolution). Digests decide;
 * tags are for the message ("cluster at v1.2.0, registry resolves v1.3.0").
 */
import type { Resolution } from '../resolution/resolution';

export interface ParsedRevision {
  tag?: string;
  digest: string;
}

/** Splits a source-controller revision on its last `@`. */
export function parseRevision(revision: string): ParsedRevision | undefined {
  const at = revision.lastIndexOf('@');
  const digest = at >= 0 ? revision.slice(at + 1) : revision;
  if (!/^[a-z0-9]+:[a-f0-9]{32,}$/.test(digest)) return undefined;
  return at > 0 ? { tag: revision.slice(0, at), digest } : { digest };
}

export type Drift =
  | { state: 'in-sync'; cluster: ParsedRevision; text: string }
  | { state: 'drifted'; cluster: ParsedRevision; registry: ParsedRevision; text: string }
  | { state: 'not-in-cluster'; text: string }
  | { state: 'no-artifact'; text: string }
  | { state: 'unknown'; text: string };

const shortDigest = (d: string): string => d.replace(/^(sha256:[a-f0-9]{7})[a-f0-9]+$/, '$1');
const label = (r: ParsedRevision): string => r.tag ?? shortDigest(r.digest);

export function compareDrift(clusterRevision: string | undefined | null, resolution: Resolution | undefined, exists = true): Drift {
  if (!exists) return { state: 'not-in-cluster', text: 'not in the cluster' };
  if (!clusterRevision) return { state: 'no-artifact', text: 'cluster has no artifact yet' };
  const cluster = parseRevision(clusterRevision);
  if (!cluster) return { state: 'unknown', text: `cluster at ${clusterRevision}` };
  if (!resolution || !resolution.ok) {
    const why = resolution && !resolution.ok ? `: ${resolution.message}` : '';
    return { state: 'unknown', text: `cluster at ${label(cluster)}, registry unknown${why}` };
  }
  const registry: ParsedRevision = resolution.tag ? { tag: resolution.tag, digest: resolution.digest } : { digest: resolution.digest };
  if (registry.digest === cluster.digest) return { state: 'in-sync', cluster, text: `cluster at ${label(cluster)}, in sync with the registry` };
  const same = label(cluster) === label(registry);
  const text = same
    ? `cluster at ${label(cluster)} (${shortDigest(cluster.digest)}), registry resolves ${label(registry)} (${shortDigest(registry.digest)})`
    : `cluster at ${label(cluster)}, registry resolves ${label(registry)}`;
  return { state: 'drifted', cluster, registry, text };
}
