/**
 * Drift lenses of sources whose deployed revision lives on another cluster object
 * (`OciSourceDocument.deployedAt`): a FluxInstance's `spec.sync` (the OCIRepository Flux
 * Operator generates, `flux-system/flux-system` as a rule) and its `spec.distribution.artifact`
 * (the FluxInstance's own `status.lastArtifactRevision`). Each reads that object, asks the
 * registry through live resolution (within a short budget; a late answer refreshes the lenses)
 * and says what `compareDrift` says, named by the object it read.
 */
import type { CancellationToken, CodeLens } from 'vscode-languageserver/node';
import type { KubeClient } from '../domain/cluster/kubeClient';
import { compareDrift } from '../domain/cluster/drift';
import { readStatusRevision, type StatusRevision } from '../domain/cluster/deployedRevision';
import type { OciSourceDocument } from '../domain/language/liveResolution/ociSourceDocument';
import type { ResolutionService } from '../domain/resolution/resolutionService';
import { shiftRange } from '../domain/text/lineIndex';
import { toLspRange } from './convert';

export interface DeployedDriftOptions {
  client: KubeClient;
  service: ResolutionService;
  /** The reconcile command (an OCIRepository the lens names is reconciled by a click). */
  reconcileCommand: string;
  /** Called when a registry answer came after the lenses were given (the client re-asks). */
  refresh?: () => void;
  token: CancellationToken;
}

const registryBudgetMs = 1_500;
const clusterBudgetMs = 2_000;

/** `sources`: each source with `deployedAt` and the line its document starts at in the file. */
export async function deployedDriftLenses(sources: { startLine: number; src: OciSourceDocument }[], options: DeployedDriftOptions): Promise<CodeLens[]> {
  const lenses: CodeLens[] = [];
  for (const { startLine, src } of sources) {
    if (!src.deployedAt || options.token.isCancellationRequested) continue;
    let inCluster: StatusRevision | undefined;
    try {
      inCluster = await Promise.race([
        readStatusRevision(options.client, src.deployedAt),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), clusterBudgetMs)),
      ]);
    } catch {
      inCluster = undefined; // the cluster cannot be read: no lens (commands say why)
    }
    if (!inCluster) continue;
    const service = options.service;
    let resolution = service.peek(src.spec);
    if (!resolution && inCluster.exists) {
      const pending = service.request(src.spec);
      resolution = await Promise.race([pending.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), registryBudgetMs))]);
      if (!resolution && options.refresh) pending.then(options.refresh, () => undefined);
    }
    const drift = compareDrift(inCluster.revision, resolution, inCluster.exists);
    const who = `${inCluster.kind} ${inCluster.namespace}/${inCluster.name}`;
    const range = toLspRange(shiftRange(src.urlRange, startLine));
    const reconcilable = inCluster.kind === 'OCIRepository' && inCluster.exists;
    const title =
      drift.state === 'not-in-cluster'
        ? `${who}: not in the cluster${inCluster.kind === 'OCIRepository' ? ' (Flux Operator creates it from spec.sync)' : ''}`
        : `${who}: ${drift.text}${drift.state === 'drifted' && reconcilable ? ' — reconcile' : ''}`;
    lenses.push({
      range: { start: range.start, end: range.start },
      command: reconcilable
        ? { title, command: options.reconcileCommand, arguments: [{ kind: 'OCIRepository', name: inCluster.name, namespace: inCluster.namespace }] }
        : { title, command: '' },
    });
  }
  return lenses;
}
