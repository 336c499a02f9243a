import type { LintContext, SecretFacts } from '../lint/index';
import { secretFactsOf, secretKey } from '../lint/secretFacts';
import type { ObjectIndex } from './objectIndex';
import { showsFluxOperator } from '../flux/fluxOperator';

/** Kinds whose documents may show Flux Operator (see `showsFluxOperator`). */
const operatorWitnessKinds = ['FluxInstance', 'ResourceSet', 'ResourceSetInputProvider', 'HelmRelease', 'OCIRepository'];

/**
 * The cross-file facts the Flux lints need, read from the workspace index.
 * The same LintContext object is handed out while the facts are unchanged,
 * because analysis caches lint results per context object: a stable context
 * means an edit re-lints only the edited document.
 */
export class WorkspaceLintContext {
  private context: LintContext = { helmChartSources: new Set<string>(), secrets: new Map<string, SecretFacts>() };
  private signature = '';
  private seenVersion = -1;

  current(index: ObjectIndex): LintContext {
    if (index.referencesVersion === this.seenVersion) return this.context;
    this.seenVersion = index.referencesVersion;
    const sources = new Set<string>();
    for (const r of index.allReferences()) {
      // Same key as lintContextOf: `namespace/name`, namespace empty when unknown.
      if (r.field === 'chartRef' && r.from.kind === 'HelmRelease' && r.target.kind === 'OCIRepository')
        sources.add(`${r.target.namespace ?? ''}/${r.target.name}`);
    }
    // Type and key names of Secret manifests (for secretRef lints); values are never kept.
    const secrets = new Map<string, SecretFacts>();
    for (const o of index.objectsOfKind('Secret')) {
      const doc = index.documentOf(o);
      const facts = doc ? secretFactsOf(doc) : undefined;
      if (facts) secrets.set(secretKey(o.name, o.namespace), facts);
    }
    const fluxOperator = operatorWitnessKinds.some((k) =>
      index.objectsOfKind(k).some((o) => {
        const doc = index.documentOf(o);
        return !!doc && showsFluxOperator(doc);
      }),
    );
    const signature = [
      `operator:${fluxOperator}`,
      ...[...sources].sort(),
      ...[...secrets].map(([k, f]) => `${k}\u0000${f.type}\u0000${f.keys.join(',')}\u0000${f.opaqueToUs}`).sort(),
    ].join('\n');
    if (signature !== this.signature) {
      this.signature = signature;
      this.context = { helmChartSources: sources, secrets, fluxOperator };
    }
    return this.context;
  }
}
