// A FluxInstance manifest as the operator stories write it (flux in flux-system, Flux from
// ghcr.io/fluxcd). Written here, not copied from the operator: its CRDs are AGPL-3.0.

export interface FluxInstanceSpec {
  /** spec.distribution.version (default "2.x"). */
  version?: string;
  /** spec.distribution.artifact: where the operator pulls Flux's manifests from. */
  artifact?: string;
  /** spec.sync, last in the manifest, so a story may append lines to it. */
  sync?: { kind?: string; url: string; ref: string; path?: string };
}

export function fluxInstanceYaml(spec: FluxInstanceSpec = {}): string {
  const lines = [
    'apiVersion: fluxcd.controlplane.io/v1',
    'kind: FluxInstance',
    'metadata:',
    '  name: flux',
    '  namespace: flux-system',
    'spec:',
    '  distribution:',
    `    version: "${spec.version ?? '2.x'}"`,
    '    registry: ghcr.io/fluxcd',
  ];
  if (spec.artifact !== undefined) lines.push(`    artifact: ${spec.artifact}`);
  if (spec.sync) {
    const { kind = 'OCIRepository', url, ref, path = 'clusters/prod' } = spec.sync;
    lines.push('  sync:', `    kind: ${kind}`, `    url: ${url}`, `    ref: ${ref}`, `    path: ${path}`);
  }
  return `${lines.join('\n')}\n`;
}
