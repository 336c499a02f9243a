/** The `flux-oci.*` settings the server reads (see package.json `contributes.configuration`). */
export interface ServerSettings {
  validation: { enable: boolean };
  registry: { offline: boolean };
  /** Keys and trust for checking `spec.verify` signatures when the workspace has no Secret manifest. */
  verify: { publicKeyFiles: string[]; trustedRoot?: string; notationTrustPolicy?: string; notationCaFiles?: string[] };
  /** Milliseconds to wait after the last keystroke before re-validating. */
  diagnosticsDelay: number;
  /** `flux-oci.fluxVersion`: check against this bundled Flux release (`2.8`) instead of what the workspace shows; empty: detect. */
  fluxVersion: string;
  /** `flux-oci.schemas.fromCluster`: check against the Flux CRDs of the current kube context. */
  schemas: { fromCluster: boolean };
  /** `flux-oci.bucket.*`: when a Bucket's previewed artifact is large enough to warn about. */
  bucket: { maxArtifactBytes: number; maxArtifactFiles: number };
  /** `flux-oci.cluster.contexts`: the kube contexts of the Flux Cluster view (none: the current one; `*`: all). */
  cluster: { contexts: string[] };
}

export const defaultSettings: ServerSettings = {
  validation: { enable: true },
  registry: { offline: false },
  verify: { publicKeyFiles: [] },
  diagnosticsDelay: 10,
  fluxVersion: '',
  schemas: { fromCluster: false },
  bucket: { maxArtifactBytes: 100 * 1024 * 1024, maxArtifactFiles: 5_000 },
  cluster: { contexts: [] },
};

/** Reads settings leniently: a wrong type falls back to the default instead of failing. */
export function readSettings(raw: unknown): ServerSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const section = (name: string): Record<string, unknown> => {
    const v = r[name];
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  };
  const bool = (v: unknown, d: boolean) => (typeof v === 'boolean' ? v : d);
  const positive = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : [];
  const delay = r['diagnosticsDelay'];
  const verify = section('verify');
  const keyFiles = Array.isArray(verify['publicKeyFiles']) ? verify['publicKeyFiles'].filter((f): f is string => typeof f === 'string' && f.trim() !== '') : [];
  const trustedRoot = typeof verify['trustedRoot'] === 'string' && verify['trustedRoot'].trim() !== '' ? verify['trustedRoot'] : undefined;
  return {
    validation: { enable: bool(section('validation')['enable'], defaultSettings.validation.enable) },
    registry: { offline: bool(section('registry')['offline'], defaultSettings.registry.offline) },
    verify: {
      publicKeyFiles: keyFiles,
      ...(trustedRoot ? { trustedRoot } : {}),
      ...(typeof verify['notationTrustPolicy'] === 'string' && verify['notationTrustPolicy'].trim() !== ''
        ? { notationTrustPolicy: verify['notationTrustPolicy'].trim() }
        : {}),
      ...(strings(verify['notationCaFiles']).length ? { notationCaFiles: strings(verify['notationCaFiles']) } : {}),
    },
    diagnosticsDelay: typeof delay === 'number' && delay >= 0 && delay < 10_000 ? delay : defaultSettings.diagnosticsDelay,
    fluxVersion: typeof r['fluxVersion'] === 'string' ? r['fluxVersion'].trim() : defaultSettings.fluxVersion,
    schemas: { fromCluster: bool(section('schemas')['fromCluster'], defaultSettings.schemas.fromCluster) },
    bucket: {
      maxArtifactBytes: positive(section('bucket')['maxArtifactBytes'], defaultSettings.bucket.maxArtifactBytes),
      maxArtifactFiles: positive(section('bucket')['maxArtifactFiles'], defaultSettings.bucket.maxArtifactFiles),
    },
    cluster: { contexts: strings(section('cluster')['contexts']) },
  };
}
