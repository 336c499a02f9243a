// What the analysis core says about single documents, through the domain
// library (dist/domain.js) the server and the CLI share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const domain = require(path.resolve(import.meta.dirname, '../../dist/domain.js')) as typeof import('../../server/src/domain/index.ts');

function diagnose(text: string, ctx: { isPatch?: boolean } = {}) {
  return domain
    .analyzeFile(text, ctx)
    .map((d) => ({ code: d.code, message: d.message, line: d.range.start.line, severity: domain.severityNames[d.severity], fixes: d.fixes }));
}
const codes = (text: string, ctx: { isPatch?: boolean } = {}) => diagnose(text, ctx).map((d) => d.code);

const bucket = (spec: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: minio
  namespace: flux-system
spec:
  interval: 5m
  bucketName: manifests
  endpoint: minio.example.com
${spec}`;

test('CEL rules see CRD defaults: Bucket provider defaults to generic, which only accepts an ldap STS', () => {
  const d = diagnose(bucket('  sts:\n    provider: aws\n    endpoint: https://sts.amazonaws.com\n'));
  assert.deepEqual(
    d.filter((x) => x.code === 'schema/cel').map((x) => x.message),
    ["Bucket spec: 'ldap' is the only supported STS provider for the 'generic' Bucket provider"],
  );
  assert.equal(d.find((x) => x.code === 'schema/cel')!.line, 10, 'shown on sts.provider, the field the rule is about');
  assert.deepEqual(
    codes(bucket('  provider: aws\n  sts:\n    provider: aws\n    endpoint: https://sts.amazonaws.com\n')).filter((c) => c.startsWith('schema/')),
    [],
  );
});

test('CEL has() is false for absent fields: HelmRelease needs exactly one of chart and chartRef', () => {
  const base = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\nspec:\n  interval: 10m\n';
  const neither = diagnose(base);
  assert.deepEqual(
    neither.map((x) => [x.code, x.message, x.line]),
    [['schema/cel', 'HelmRelease spec: either chart or chartRef must be set', 4]],
  );
  assert.deepEqual(codes(base + '  chartRef:\n    kind: OCIRepository\n    name: app\n'), []);
  const both =
    base +
    '  chartRef:\n    kind: OCIRepository\n    name: app\n  chart:\n    spec:\n      chart: app\n      sourceRef:\n        kind: HelmRepository\n        name: repo\n';
  assert.deepEqual(codes(both), ['schema/cel']);
});

test('unknown fields suggest the intended name and offer a rename', () => {
  const text =
    'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  interval: 10m\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: apps\n  targetNamspace: apps\n';
  const [d] = diagnose(text);
  assert.equal(d!.code, 'schema/unknown-field');
  assert.match(d!.message, /spec\.targetNamspace: unknown field "targetNamspace" in spec \(did you mean "targetNamespace"\?\)/);
  assert.deepEqual(d!.fixes![0]!.edits, [{ range: { start: { line: 10, character: 2 }, end: { line: 10, character: 16 } }, newText: 'targetNamespace' }]);
});

test('a removed apiVersion is an error with a fix to the served version; its body is not judged by the new schema', () => {
  const [d, ...rest] = diagnose('apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  validation: client\n');
  assert.equal(rest.length, 0);
  assert.equal(d!.code, 'schema/api-version-not-served');
  assert.equal(d!.fixes![0]!.edits[0]!.newText, 'kustomize.toolkit.fluxcd.io/v1');
  const unknownKind = diagnose('apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepo\nmetadata:\n  name: a\n');
  assert.deepEqual(
    unknownKind.map((x) => [x.code, x.severity]),
    [['schema/unknown-kind', 'warning']],
  );
});

test('types follow the API server: int-or-string, YAML 1.2 booleans, ${VAR} substitutions', () => {
  const hr = (extra: string) =>
    `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: app\n${extra}`;
  const yes = diagnose(hr('  suspend: yes\n'));
  assert.deepEqual(
    yes.map((x) => x.code),
    ['schema/type'],
    'yes is a string in YAML 1.2',
  );
  assert.match(yes[0]!.message, /reads yes as a string: write true/);
  assert.equal(yes[0]!.fixes![0]!.edits[0]!.newText, 'true');
  const version = diagnose(hr('  targetNamespace: 1.10\n'));
  assert.match(version[0]!.message, /expected string, got number 1\.10: quote it \(as a number it would be 1\.1\)/);
  assert.equal(version[0]!.fixes![0]!.edits[0]!.newText, '"1.10"');
  assert.deepEqual(codes(hr('  suspend: ${SUSPEND}\n  maxHistory: ${MAX}\n  timeout: ${TIMEOUT}\n')), [], 'Flux substitutes before applying');
  assert.deepEqual(codes(hr('  maxHistory: -1\n')), [], 'no minimum on maxHistory');
  assert.deepEqual(codes(hr('  releaseName: ' + 'x'.repeat(54) + '\n')), ['schema/length']);
  // The duration lint explains the pattern error under its own code.
  assert.deepEqual(codes(hr('  timeout: 1d\n')), ['flux/duration-format']);
});

test('nulls the API server prunes are hints; metadata problems read like the API server', () => {
  const text =
    'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: My_App\n  labels:\n    team: null\n    version: 1.0\n    ok: fine\n  annotations:\n    bad key: x\nspec:\n  interval: 5m\n  url: oci://ghcr.io/a/b\n  ref:\n';
  const d = diagnose(text);
  assert.deepEqual(
    d.map((x) => [x.code, x.severity, x.line]),
    [
      ['metadata/name', 'error', 3],
      ['metadata/label-value', 'error', 5],
      ['metadata/label-value', 'error', 6],
      ['metadata/annotation-key', 'error', 9],
      ['schema/null-pruned', 'hint', 13],
    ],
  );
  assert.match(d[0]!.message, /metadata\.name 'My_App' is not a DNS-1123 subdomain/);
  assert.match(d[2]!.message, /metadata\.labels\.version: expected string, got integer 1.0: quote the value/);
});

test('patches and fragments skip required fields and CEL, but not types', () => {
  const fragment = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\nspec:\n  values:\n    a: 1\n';
  assert.deepEqual(
    diagnose(fragment).map((x) => [x.code, x.severity]),
    [['schema/fragment', 'hint']],
  );
  const patch = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\nspec:\n  interval: 1h\n  insecure: "true"\n';
  assert.deepEqual(codes(patch, { isPatch: true }), ['schema/type']);
  assert.deepEqual(codes(patch).sort(), ['schema/required', 'schema/type']);
});

test('non-Flux documents get only YAML diagnostics; duplicate keys are errors everywhere', () => {
  assert.deepEqual(codes('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: Not_Valid\nspec:\n  whatever: 1\n'), []);
  const d = diagnose('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n');
  assert.deepEqual(
    d.map((x) => [x.code, x.line]),
    [['yaml/duplicate-key', 4]],
  );
  assert.match(d[0]!.message, /Duplicate key 'name'/);
});

test('analysis is memoised on the parse: an unchanged document is not analysed again', () => {
  const doc = new domain.ParsedDocument(bucket(''));
  const first = domain.analyzeDocument(doc);
  assert.equal(domain.analyzeDocument(doc), first);
  assert.notEqual(domain.analyzeDocument(doc, { isPatch: true }), first);
});

test('the schema navigation API answers completion and hover questions', () => {
  const oci = domain.schemaForObject('source.toolkit.fluxcd.io/v1', 'OCIRepository')!;
  assert.deepEqual(oci.properties!['spec']!.required, ['interval', 'url']);
  const provider = domain.schemaAtPath(oci, ['spec', 'provider'])!;
  assert.deepEqual(provider.enum, ['generic', 'aws', 'azure', 'gcp']);
  assert.equal(provider.default, 'generic');
  assert.equal(domain.schemaAtPath(oci, ['metadata', 'labels', 'app'])!.type, 'string');
  const hr = domain.schemaForObject('helm.toolkit.fluxcd.io/v2', 'HelmRelease')!;
  assert.equal(domain.schemaAtPath(hr, ['spec', 'values'])!.preserveUnknownFields, true);
  assert.equal(domain.schemaAtPath(hr, ['spec', 'values', 'image']), undefined);
  assert.equal(domain.schemaAtPath(hr, ['spec', 'dependsOn', 0, 'name'])!.type, 'string');
  assert.equal(domain.schemaForObject('source.toolkit.fluxcd.io/v1beta2', 'OCIRepository'), undefined);
  const kinds = domain.knownKinds();
  assert.ok(kinds.some((k) => k.apiVersion === 'notification.toolkit.fluxcd.io/v1beta3' && k.kind === 'Alert' && k.served));
  assert.ok(kinds.some((k) => k.apiVersion === 'source.toolkit.fluxcd.io/v1beta2' && k.kind === 'OCIRepository' && !k.served));
});

test('lists keyed by a field reject repeated entries, like the API server', () => {
  const receiver = `apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata:
  name: hook
spec:
  type: generic-oidc
  resources:
    - kind: OCIRepository
      name: app
  oidcProviders:
    - issuerURL: https://token.actions.githubusercontent.com
    - issuerURL: https://token.actions.githubusercontent.com
`;
  const d = diagnose(receiver).filter((x) => x.code === 'schema/duplicate-item');
  assert.equal(d.length, 1, JSON.stringify(diagnose(receiver)));
  assert.equal(d[0]!.line, 11);
});

test('a mistyped metadata field is caught like a spec field, with a rename', () => {
  const d = diagnose(
    'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\n  lables:\n    team: a\nspec:\n  interval: 5m\n  url: oci://ghcr.io/a/b\n',
  );
  assert.deepEqual(
    d.map((x) => [x.code, x.line, x.message]),
    [['schema/unknown-field', 4, 'metadata.lables: unknown field "lables" in metadata (did you mean "labels"?)']],
  );
  assert.equal(d[0]!.fixes![0]!.edits[0]!.newText, 'labels');
});
