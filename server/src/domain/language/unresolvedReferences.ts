import { Severity, type Diagnostic } from '../diagnostics';
import type { ObjectIndex } from '../workspace/objectIndex';

export const unresolvedReferenceCode = 'flux/unresolved-reference';

/**
 * `sourceRef`, `chartRef` and `dependsOn` naming nothing in the workspace. Only
 * information: the object may well live only in the cluster (created by
 * bootstrap, another repository or a controller), so this must never read as an error.
 * Secrets are not checked: they are usually created out of band (SOPS, external-secrets).
 */
export function unresolvedReferences(file: string, index: ObjectIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of index.referencesInFile(file)) {
    if (r.field !== 'sourceRef' && r.field !== 'chartRef' && r.field !== 'dependsOn') continue;
    const t = r.target;
    // Substituted at build time by Flux postBuild: nothing to look up yet.
    if (t.name.includes('${') || t.kind.includes('${') || t.namespace?.includes('${')) continue;
    // Produced at run time by other controllers, never written by hand.
    if (t.kind === 'ExternalArtifact') continue;
    if (index.find(t.kind, t.name, t.namespace).length > 0) continue;
    const where = t.namespace ? ` in namespace '${t.namespace}'` : '';
    out.push({
      range: r.nameRange,
      severity: Severity.Information,
      code: unresolvedReferenceCode,
      message: `${t.kind} '${t.name}'${where} not found in the workspace; it may exist only in the cluster`,
    });
  }
  return out;
}
