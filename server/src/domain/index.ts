// The domain as a library (bundled to dist/domain.js). No vscode, no LSP.
export { LineIndex } from './text/lineIndex';
export type { Position, Range } from './text/lineIndex';
export { Severity, severityNames } from './diagnostics';
export type { Diagnostic, Fix, TextEdit } from './diagnostics';
export { splitDocuments } from './yaml/documentSlices';
export { ParsedDocument, parseOptions as documentParseOptions } from './yaml/parsedDocument';
export { fastParseDocument } from './yaml/fastParse';
export { YamlFile } from './yaml/yamlFile';
export { isFluxApiVersion, splitApiVersion, fluxApiGroups } from './flux/apiGroups';
// Flux artifact format: layer building, annotations, manifest, safe extraction, tree diff (OCI-B)
export * as artifact from './oci/artifact/index';
// Schemas (LS-A)
export { schemaForObject, schemaAtPath, knownKinds, servedVersionsOf, kindsOfGroup, retiredVersion } from './schema/schemaRegistry';
export type { KnownKind } from './schema/schemaRegistry';
export { propertySchema, acceptsUnknownKeys } from './schema/schemaNode';
export type { SchemaNode, SchemaType, SchemaValidationRule } from './schema/schemaNode';
// Flux semantics: Masterminds semver, Go RE2, digests, lints (LS-B)
export * as semver from './semver/index';
export { compileRe2 } from './regex/re2';
export type { Re2Regex, Re2CompileResult } from './regex/re2';
// OCI references, registry client and artifact operations (OCI-A)
export { parseArtifactUrl, parseRepositoryUrl, formatReference, referenceSelector, isValidTag, InvalidReferenceError } from './oci/reference';
export { dockerHubRegistry, registryKey, registryHostName } from './oci/registryHost';
export type { OciReference, RepositoryReference } from './oci/reference';
export * as registry from './oci/registry/index';
export * as ociOperations from './oci/operations/index';
export { fluxLints, lintContextOf } from './lint/index';
export type { LintContext } from './lint/index';
export { checkDigest, digestHexLengths } from './digest/digest';
// Analysis: schema, CEL, metadata, apiVersion checks + lints; workspace walking (LS-A)
export { analyzeDocument, analyzeFile, shiftDiagnostic } from './analysis/index';
export type { AnalysisContext } from './analysis/index';
export { walkFiles, isYamlFile } from './workspace/walkFiles';
export type { WalkOptions } from './workspace/walkFiles';
export { findPatchFiles, patchPathsOf, isKustomizationFile } from './workspace/patchFiles';
// Live resolution of OCIRepository refs against registries (RES)
export * as resolution from './resolution/index';
// Values help from Helm charts: the chart's values model and Helm-like schema validation (issue 15)
export { chartValuesOf, coalesce as coalesceValues } from './validation/chartValues';
export type { ChartValues } from './validation/chartValues';
export { checkChartValues } from './validation/chartValuesSchema';
// Cosign signatures: discovery, Flux-style verification, signing (SIG)
export * as signatures from './signatures/index';
// The Gitless CI pipeline: Fulcio identities of CI jobs, matchOIDCIdentity regexes, generated workflows (issue 17)
export * as ci from './ci/index';
