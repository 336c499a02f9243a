/**
 * Flux lints beyond the schema: what Flux will actually do with a valid-looking
 * object (Masterminds semver, Go RE2, URL parsing, ref precedence, source
 * defaults, verification). One module per lint; each returns diagnostics with
 * a stable `flux/...` code and, where one exists, a quick fix as text edits in
 * the document's coordinates.
 */
import { type YAMLMap } from 'yaml';
import { isMap } from '../yaml/nodeTests';
import type { Diagnostic } from '../diagnostics';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { isFluxApiVersion } from '../flux/apiGroups';
import { HELM_GROUP, type Lint, type LintContext, type SecretFacts } from './lintTypes';
import { mapAt, stringAt } from '../yaml/yamlNodes';
import { readFluxObject } from '../flux/fluxObject';
import { isSecretDocument, secretFactsOf, secretKey } from './secretFacts';
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
import { ociRefTagDigest } from './ociRefTagDigest';
import { verifyTrustedRoot } from './verifyTrustedRoot';
import { oidcIdentityRegex } from './oidcIdentityRegex';
import { secretRefUse } from './secretRefUse';
import { dockerConfigSecret } from './dockerConfigSecret';
import { operatorNotificationKindsLint } from './operatorNotificationKinds';
import { fluxOperatorGroup, showsFluxOperator } from '../flux/fluxOperator';
import { embeddedObjects } from '../flux/resourceSet';

export type { LintContext, SecretFacts } from './lintTypes';
export { isSecretDocument } from './secretFacts';

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
  ociRefTagDigest,
  verifyTrustedRoot,
  oidcIdentityRegex,
  secretRefUse,
  operatorNotificationKindsLint,
];

/** Lints of core/v1 Secrets: the credentials Flux sources read. */
const secretLints: readonly Lint[] = [dockerConfigSecret];

/** Flux lints of one document. `context` adds what other documents say (see `lintContextOf`). */
export function fluxLints(doc: ParsedDocument, context: LintContext = {}): Diagnostic[] {
  if (doc.hasSyntaxErrors) return [];
  const obj = readFluxObject(doc);
  if (!obj) return [];
  const selected = isFluxApiVersion(obj.apiVersion) ? lints : isSecretDocument(obj.apiVersion, obj.kind) ? secretLints : undefined;
  if (!selected) return [];
  const out: Diagnostic[] = [];
  for (const lint of selected) {
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
 * workspace): which OCIRepositories HelmReleases consume as charts, the
 * type and key names of the Secret manifests, and whether Flux Operator shows.
 */
export function lintContextOf(docs: Iterable<ParsedDocument>): LintContext {
  const helmChartSources = new Set<string>();
  const secrets = new Map<string, SecretFacts>();
  let fluxOperator = false;
  for (const doc of withEmbedded(docs)) {
    if (doc.hasSyntaxErrors) continue;
    if (!fluxOperator && showsFluxOperator(doc)) fluxOperator = true;
    const facts = secretFactsOf(doc);
    if (facts && doc.identity.name) {
      secrets.set(secretKey(doc.identity.name, doc.identity.namespace), facts);
      continue;
    }
    const obj = readFluxObject(doc);
    if (!obj || obj.group !== HELM_GROUP || obj.kind !== 'HelmRelease') continue;
    const chartRef: YAMLMap | undefined = mapAt(obj.spec, 'chartRef');
    if (!chartRef || !isMap(chartRef) || stringAt(chartRef, 'kind') !== 'OCIRepository') continue;
    const name = stringAt(chartRef, 'name');
    if (!name) continue;
    helmChartSources.add(`${stringAt(chartRef, 'namespace') ?? obj.namespace ?? ''}/${name}`);
  }
  return { helmChartSources, secrets, fluxOperator };
}

/**
 * Whether a file's text could add anything to `lintContextOf`: each fact starts from a kind or a
 * group spelled in the text (HelmRelease, Secret, Flux Operator's group, or its chart's name), and
 * YAML spells those otherwise only with escapes (a backslash). Folded and quoted scalars add
 * spaces, and an alias repeats text of its own document. `check` parses the other files once, not
 * twice. Keep in step with lintContextOf and what it calls.
 */
const lintContextMarks = new RegExp(['HelmRelease', 'Secret', fluxOperatorGroup.replaceAll('.', '\\.'), 'flux-operator', '\\\\'].join('|'));
export function mayAddLintContext(text: string): boolean {
  return lintContextMarks.test(text);
}

/** The documents and, after each ResourceSet, the objects of its spec.resources. */
function* withEmbedded(docs: Iterable<ParsedDocument>): Iterable<ParsedDocument> {
  for (const doc of docs) {
    yield doc;
    for (const e of embeddedObjects(doc)) yield e.parsed;
  }
}
