/**
 * What a Bucket asks of its object store, reduced to the fields that decide what
 * source-controller packs (flux-oci-facts.md §e): where (endpoint, TLS, region), which
 * bucket and prefix, as whom (secretRef, provider) and the ignore rules of spec.ignore.
 */
export type BucketProvider = 'generic' | 'aws' | 'gcp' | 'azure';

export interface BucketSpec {
  /** metadata.name / namespace of the Bucket (namespace '' when the manifest has none). */
  name: string;
  namespace: string;
  provider: BucketProvider;
  bucketName: string;
  /** host[:port], as minio-go takes it (no scheme). */
  endpoint: string;
  insecure: boolean;
  region?: string;
  prefix?: string;
  /** spec.ignore as written (newline-separated patterns), undefined when absent. */
  ignore?: string;
  secretRef?: string;
  /** spec.certSecretRef.name: a Secret with `ca.crt` (and `tls.crt`/`tls.key` for a client certificate). */
  certSecretRef?: string;
  /** spec.sts is set: its credentials come from an STS exchange the editor does not perform. */
  sts?: boolean;
}

/** The object store a Bucket lists; one cache entry per distinct listing. */
export function bucketListingKey(spec: BucketSpec): string {
  return JSON.stringify([
    spec.provider,
    spec.endpoint,
    spec.insecure,
    spec.region ?? '',
    spec.bucketName,
    spec.prefix ?? '',
    spec.secretRef ?? '',
    spec.certSecretRef ?? '',
    spec.namespace,
  ]);
}

/** minio-go `New(endpoint)` refuses a scheme or a path; the same endpoint here is split into host and port. */
export function parseBucketEndpoint(endpoint: string, insecure: boolean): { host: string; port: number } | { error: string } {
  const e = endpoint.trim();
  if (e === '') return { error: 'spec.endpoint is empty' };
  if (e.includes('://'))
    return { error: `spec.endpoint '${e}' has a scheme: write the host[:port] only (source-controller uses https unless spec.insecure is true)` };
  if (e.includes('/')) return { error: `spec.endpoint '${e}' has a path: write the host[:port] only` };
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(e);
  if (!m) return { error: `spec.endpoint '${e}' is not host[:port]` };
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = m[2] ? Number(m[2]) : insecure ? 80 : 443;
  if (!(port > 0 && port < 65536)) return { error: `spec.endpoint '${e}' has an invalid port` };
  return { host, port };
}
