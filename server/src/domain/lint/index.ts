/**
 * Flux lints beyond the schema: what Flux will actually do with a valid-looking
 * object (Masterminds semver, Go RE2, URL parsing, ref precedence, source
 * defaults, verification). One module per lint; each returns diagnostics with
 * a stable `flux/...` code and, where one exists, a quick fix as text edits in
 * the document's coordinates.
 */
import { isMap, type YAMLMap } from 'yaml';
import type { Diagnostic } from '../diagnostics';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { isFluxApiVersion } from '../flux/apiGroups';
import { HELM_GROUP, type Lint, type LintContext } from './lintTypes';
import { mapAt, readFluxObject, stringAt } from './yamlAccess';
import { gitRepositoryOciUrl } from './gitRepositoryOciUrl';
import { ociRepositoryUrl } from './ociRepositoryUrl';
import { ociRefPrecedence } from './ociRefPrecedence';
import { semverExpressions } from './semverExpressions';
import { digestSyntax } from './digestSyntax';
import { bucketIgnore } from './bucketIgnore';
import { helmChartLayerSelector } from './helmChartLayerSelector';
import { durations } from './durations';
import { helmRepositoryOci } from './helmRepositoryOci';
import { cosignVerify } from './cosignVerify';

export type { LintContext } from './lintTypes';

const lints: readonly Lint[] = [
  gitRepositoryOciUrl,
  ociRepositoryUrl,
  ociRefPrecedence,
  semverExpressions,
  digestSyntax,
  bucketIgnore,
  helmChartLayerSelector,
  durations,
  helmRepositoryOci,
  cosignVerify,
];

/** Flux lints of one document. `context` adds what other documents say (see `lintContextOf`). */
export function fluxLints(doc: ParsedDocument, context: LintContext = {}): Diagnostic[] {
  if (doc.hasSyntaxErrors) return [];
  const obj = readFluxObject(doc);
  if (!obj || !isFluxApiVersion(obj.apiVersion)) return [];
  const out: Diagnostic[] = [];
  for (const lint of lints) {
    try {
      out.push(...lint(obj, context));
    } catch {
      // One lint's bug must not hide the others' findings.
    }
  }
  return out;
}

/**
 * Cross-document facts the lints use, from a set of documents (one file or a
 * workspace): which OCIRepositories HelmReleases consume as charts.
 */
export function lintContextOf(docs: Iterable<ParsedDocument>): LintContext {
  const helmChartSources = new Set<string>();
  for (const doc of docs) {
    if (doc.hasSyntaxErrors) continue;
    const obj = readFluxObject(doc);
    if (!obj || obj.group !== HELM_GROUP || obj.kind !== 'HelmRelease') continue;
    const chartRef: YAMLMap | undefined = mapAt(obj.spec, 'chartRef');
    if (!chartRef || !isMap(chartRef) || stringAt(chartRef, 'kind') !== 'OCIRepository') continue;
    const name = stringAt(chartRef, 'name');
    if (!name) continue;
    helmChartSources.add(`${stringAt(chartRef, 'namespace') ?? obj.namespace ?? ''}/${name}`);
  }
  return { helmChartSources };
}
