// Every Flux lint as a person meets it in the editor: the real language server over
// stdio, a file opened, the diagnostics it publishes, and the quick fix it offers
// applied the way the editor applies a workspace edit. One story per lint (or per
// family of lints); the README table "Flux lints" lists the same codes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver-protocol';
import { LspClient, fileUri, repoRoot } from '../helpers/lspClient.ts';

const ERROR = 1;
const WARNING = 2;
const INFO = 3;
const HINT = 4;

const oci = (spec: string, name = 'app'): string =>
  `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ${name}\n  namespace: apps\nspec:\n  interval: 10m\n${spec}`;

const secret = (name: string, body: string): string => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: apps\n${body}`;

/** Applies an editor's text edits to one text: all against the original, back to front. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const offset = (p: { line: number; character: number }): number => (starts[p.line] ?? text.length) + p.character;
  const sorted = edits.map((e) => ({ start: offset(e.range.start), end: offset(e.range.end), text: e.newText })).sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** A published diagnostic whose message is plain text (ours always are). */
type Shown = Omit<Diagnostic, 'message'> & { message: string };

function flux(diags: Shown[]): Shown[] {
  return diags.filter((d) => String(d.code).startsWith('flux/'));
}

function only(diags: Shown[], code: string): Shown {
  const found = diags.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got: ${diags.map((d) => `${d.code} ${d.message}`).join('\n')}`);
  return found[0]!;
}

describe('Flux lints in the editor (language server over stdio)', () => {
  let ws: string;
  let client: LspClient;
  let n = 0;

  before(async () => {
    ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-lints-'));
    client = await LspClient.start({ workspaceFolders: [ws] });
  });

  after(async () => {
    await client.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  /** Opens a new file with `text` and answers its first diagnostics. */
  async function open(text: string, name = `doc-${++n}.yaml`): Promise<{ uri: string; diags: Shown[] }> {
    const uri = fileUri(path.join(ws, name));
    const pending = client.diagnostics(uri, 1);
    client.open(uri, text);
    const diags = (await pending).map((d) => ({ ...d, message: typeof d.message === 'string' ? d.message : d.message.value }));
    return { uri, diags };
  }

  async function lint(text: string): Promise<Shown[]> {
    return flux((await open(text)).diags);
  }

  /** The quick fix titled like `title` for a diagnostic, applied to the file's text. */
  async function fixed(uri: string, text: string, d: Shown, title: RegExp): Promise<string> {
    const actions = await client.codeActions(uri, d.range, [d]);
    const action = actions.find((a) => title.test(a.title));
    assert.ok(action?.edit?.changes?.[uri], `no fix ${title} among: ${actions.map((a) => a.title).join(', ')}`);
    return applyEdits(text, action.edit.changes[uri]!);
  }

  test('a GitRepository with an oci:// url: Flux explains first, the schema detail follows, and one fix converts it and repoints its consumers in other files', async () => {
    // The Kustomization lives in another file of the workspace; the HelmChart's sourceRef cannot take an OCIRepository.
    const consumers = [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: app',
      '  namespace: flux-system',
      'spec:',
      '  interval: 10m',
      '  prune: true',
      '  path: ./deploy',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: app-manifests',
      '---',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: other',
      '  namespace: flux-system',
      'spec:',
      '  interval: 10m',
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: something-else',
      '',
    ].join('\n');
    const consumersPath = path.join(ws, 'consumers.yaml');
    writeFileSync(consumersPath, consumers);
    client.notifyWatchedFiles([{ uri: fileUri(consumersPath), type: 1 }]);

    const text = readFileSync(path.join(repoRoot, 'test/fixtures/lint/gitrepository-oci.yaml'), 'utf8');
    const { uri, diags } = await open(text, 'sources.yaml');
    const d = only(diags, 'flux/gitrepository-oci-url');
    assert.equal(d.severity, ERROR);
    assert.ok(d.message.startsWith('A GitRepository cannot pull from an OCI registry'), d.message);
    assert.match(d.message, /use an OCIRepository/i);
    assert.ok(d.message.indexOf('OCIRepository') < d.message.indexOf('does not match ^(http|https|ssh)://'), 'the schema pattern comes after the explanation');
    assert.ok(!diags.some((x) => x.code === 'schema/pattern'), 'one problem, one squiggle');

    // The workspace is indexed in the background: ask until the consumer is known.
    let action: CodeAction | undefined;
    for (let i = 0; i < 50 && !action; i++) {
      action = (await client.codeActions(uri, d.range, [d])).find((a) => /repoint 1 reference/.test(a.title));
      if (!action) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(action, 'the conversion offers to repoint the Kustomization');
    assert.equal(action.isPreferred, true);
    const changes = action.edit!.changes!;
    assert.deepEqual(Object.keys(changes).sort(), [fileUri(consumersPath), uri].sort(), 'one workspace edit over both files');
    assert.equal(applyEdits(text, changes[uri]!), readFileSync(path.join(repoRoot, 'test/fixtures/lint/gitrepository-oci.fixed.yaml'), 'utf8'));
    const repointed = applyEdits(consumers, changes[fileUri(consumersPath)]!);
    assert.match(repointed, /sourceRef:\n {4}kind: OCIRepository\n {4}name: app-manifests/);
    assert.match(repointed, /sourceRef:\n {4}kind: GitRepository\n {4}name: something-else/, 'other sources are left alone');
  });

  test('OCIRepository url mistakes: a tag, a digest, upper case, no repository', async () => {
    const tag = `  url: oci://ghcr.io/acme/app:1.2.3\n`;
    const { uri, diags } = await open(oci(tag));
    const t = only(flux(diags), 'flux/ocirepository-url-tag');
    assert.equal(t.severity, ERROR);
    assert.equal(await fixed(uri, oci(tag), t, /Move the tag/), oci('  url: oci://ghcr.io/acme/app\n  ref:\n    tag: 1.2.3\n'));
    assert.equal(only(await lint(oci(`  url: oci://ghcr.io/acme/app@sha256:${'a'.repeat(64)}\n`)), 'flux/ocirepository-url-digest').severity, ERROR);
    assert.equal(only(await lint(oci('  url: oci://ghcr.io/Acme/App\n')), 'flux/ocirepository-url-uppercase').severity, ERROR);
    assert.match(only(await lint(oci('  url: oci://registry.local:5000\n')), 'flux/ocirepository-url-no-path').message, /no repository/);
  });

  test('ref fields Flux never reads are faded, with a fix that removes them', async () => {
    const text = oci('  url: oci://ghcr.io/acme/app\n  ref:\n    semver: ">=1.0.0"\n    tag: v1.0.0\n');
    const { uri, diags } = await open(text);
    const d = only(flux(diags), 'flux/ref-ignored');
    assert.equal(d.severity, WARNING);
    assert.deepEqual(d.tags, [1], 'rendered as unnecessary');
    assert.equal(await fixed(uri, text, d, /Remove the ignored ref.tag/), oci('  url: oci://ghcr.io/acme/app\n  ref:\n    semver: ">=1.0.0"\n'));
  });

  test('semver ranges and tag filters are judged as Flux parses them (Masterminds, Go RE2)', async () => {
    assert.match(
      only(await lint(oci('  url: oci://ghcr.io/acme/app\n  ref:\n    semver: ">=1.0.0 && <2.0.0"\n')), 'flux/semver-invalid').message,
      /Masterminds/,
    );
    assert.match(
      only(await lint(oci('  url: oci://ghcr.io/acme/app\n  ref:\n    semver: ">=1.0.0"\n    semverFilter: "^(?!dev).*"\n')), 'flux/regex-invalid').message,
      /RE2/,
    );
  });

  test('a malformed digest is explained and upper-case hex is lower-cased', async () => {
    const text = oci(`  url: oci://ghcr.io/acme/app\n  ref:\n    digest: sha256:${'AB'.repeat(32)}\n`);
    const { uri, diags } = await open(text);
    const d = only(flux(diags), 'flux/digest-malformed');
    assert.equal(await fixed(uri, text, d, /Change to/), oci(`  url: oci://ghcr.io/acme/app\n  ref:\n    digest: sha256:${'ab'.repeat(32)}\n`));
  });

  test('ref.tag written as tag@digest (as Renovate writes images) moves the digest into ref.digest', async () => {
    const digest = `sha256:${'6c'.repeat(32)}`;
    const text = oci(`  url: oci://ghcr.io/acme/app\n  ref:\n    tag: 6.6.2@${digest}\n`);
    const { uri, diags } = await open(text);
    const d = only(flux(diags), 'flux/ref-tag-digest');
    assert.equal(d.severity, WARNING);
    assert.match(d.message, /does not pin/);
    const out = await fixed(uri, text, d, /Move the digest into spec.ref.digest/);
    assert.equal(out, oci(`  url: oci://ghcr.io/acme/app\n  ref:\n    tag: 6.6.2\n    digest: ${digest}\n`));
    // Afterwards only the hint that the digest wins over the tag remains.
    assert.deepEqual(
      (await lint(out)).map((x) => [x.code, x.severity]),
      [['flux/ref-ignored', HINT]],
    );
  });

  test('durations: Flux explains the pattern error and rewrites an hour-long source timeout', async () => {
    const text = oci('  url: oci://ghcr.io/acme/app\n  timeout: 1h\n');
    const { uri, diags } = await open(text);
    const d = only(diags, 'flux/duration-format');
    assert.equal(d.severity, ERROR);
    assert.match(d.message, /^spec\.timeout '1h' is not a duration Flux accepts.*\(Schema: /);
    assert.equal(await fixed(uri, text, d, /Change to '60m'/), oci('  url: oci://ghcr.io/acme/app\n  timeout: 60m\n'));
  });

  test('a Bucket without ignore, a Helm chart OCIRepository without layerSelector, HelmRepository type oci', async () => {
    const bucket =
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\nmetadata:\n  name: b\nspec:\n  interval: 5m\n  bucketName: manifests\n  endpoint: minio:9000\n';
    assert.equal(only(await lint(bucket), 'flux/bucket-no-ignore').severity, WARNING);
    // Named apart from the other stories' OCIRepositories: the editor shares what it knows across open files.
    const release =
      '---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: chart-app\n  namespace: apps\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: chart-app\n';
    assert.equal(
      only(await lint(oci('  url: oci://registry.example.com/acme/app\n', 'chart-app') + release), 'flux/helm-chart-layer-selector').severity,
      WARNING,
    );
    const repo =
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\nspec:\n  interval: 1h\n  type: oci\n  url: oci://ghcr.io/acme/charts\n';
    assert.equal(only(await lint(repo), 'flux/helmrepository-oci').severity, INFO);
  });

  test('cosign and notation verification pitfalls: any identity, several identities, notation without its Secret', async () => {
    assert.equal(only(await lint(oci('  url: oci://ghcr.io/acme/app\n  verify:\n    provider: cosign\n')), 'flux/verify-any-identity').severity, WARNING);
    const two = oci(
      '  url: oci://ghcr.io/acme/app\n  verify:\n    provider: cosign\n    matchOIDCIdentity:\n' +
        '      - issuer: ^https://token\\.actions\\.githubusercontent\\.com$\n        subject: ^https://github\\.com/acme/app/.*$\n' +
        '      - issuer: ^https://token\\.actions\\.githubusercontent\\.com$\n        subject: ^https://github\\.com/acme/lib/.*$\n',
    );
    assert.deepEqual(
      (await lint(two)).map((d) => d.code),
      ['flux/verify-multiple-identities'],
    );
    assert.equal(only(await lint(oci('  url: oci://ghcr.io/acme/app\n  verify:\n    provider: notation\n')), 'flux/verify-notation-secret').severity, ERROR);
  });

  test('matchOIDCIdentity regexes that trust far more signers than meant', async () => {
    const identity = (issuer: string, subject: string): string =>
      oci(`  url: oci://ghcr.io/acme/app\n  verify:\n    provider: cosign\n    matchOIDCIdentity:\n      - issuer: ${issuer}\n        subject: ${subject}\n`);
    const good = '^https://token\\.actions\\.githubusercontent\\.com$';
    // Unanchored: a branch named after the repository would pass.
    const unanchored = identity(good, 'https://github\\.com/acme/app/.*');
    const { uri, diags } = await open(unanchored);
    const d = only(flux(diags), 'flux/verify-identity-regex');
    assert.equal(d.severity, WARNING);
    assert.match(d.message, /does not start with \^/);
    assert.equal(await fixed(uri, unanchored, d, /Anchor/), identity(good, '^https://github\\.com/acme/app/.*'));
    // The same object further down a file: the fix (built only when asked) lands on its own lines.
    const below = `${oci('  url: oci://ghcr.io/acme/other\n', 'other')}---\n${unanchored}`;
    const b = await open(below);
    const d2 = only(flux(b.diags), 'flux/verify-identity-regex');
    assert.equal(
      await fixed(b.uri, below, d2, /Anchor/),
      `${oci('  url: oci://ghcr.io/acme/other\n', 'other')}---\n${identity(good, '^https://github\\.com/acme/app/.*')}`,
    );
    // `.*` right after the repository name admits every repository whose name starts with it.
    const open2 = identity(good, '^https://github\\.com/acme/app.*$');
    const r = await open(open2);
    const broad = only(flux(r.diags), 'flux/verify-identity-regex');
    assert.match(broad.message, /every repository of acme whose name matches 'app\.\*'/);
    assert.equal(await fixed(r.uri, open2, broad, /wildcard after/), identity(good, '^https://github\\.com/acme/app/.*$'));
    assert.match(only(await lint(identity(good, '^https://github\\.com/acme/.*$')), 'flux/verify-identity-regex').message, /any repository of acme/);
    // Unescaped dots in the host: information, with a fix.
    const dots = only(
      await lint(identity('^https://token.actions.githubusercontent.com$', '^https://github\\.com/acme/app/.*$')),
      'flux/verify-identity-regex',
    );
    assert.equal(dots.severity, INFO);
    assert.deepEqual(
      await lint(identity(good, '^https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/tags/v.*$')),
      [],
      'a precise identity is clean',
    );
  });

  test('trustedRootSecretRef outside an OCIRepository: Flux says where it belongs before the schema says "unknown field"', async () => {
    const chart =
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata:\n  name: podinfo\n  namespace: apps\nspec:\n  interval: 10m\n  chart: podinfo\n' +
      '  sourceRef:\n    kind: HelmRepository\n    name: podinfo\n  verify:\n    provider: cosign\n    trustedRootSecretRef:\n      name: sigstore-root\n';
    const { uri, diags } = await open(chart);
    const d = only(diags, 'flux/verify-trusted-root-unsupported');
    assert.equal(d.severity, ERROR);
    assert.match(d.message, /^Only OCIRepository supports spec\.verify\.trustedRootSecretRef.*\(Schema: .*unknown field/);
    assert.ok(!(await fixed(uri, chart, d, /Remove trustedRootSecretRef/)).includes('trustedRootSecretRef'));
    // With notation on an OCIRepository it is accepted but unused.
    const notation = oci(
      '  url: oci://ghcr.io/acme/app\n  verify:\n    provider: notation\n    secretRef:\n      name: notation-certs\n    trustedRootSecretRef:\n      name: root\n',
    );
    assert.equal(only(await lint(notation), 'flux/verify-trusted-root-unsupported').severity, WARNING);
  });

  test('a docker-registry Secret with plain JSON under data: refused by the API server, moved to stringData by the fix, never echoed', async () => {
    const password = 's3cr3t-Pa55';
    const auth = Buffer.from(`robot:${password}`).toString('base64');
    const text = secret('ghcr-auth', `type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: '{"auths":{"ghcr.io":{"auth":"${auth}"}}}'\n`);
    const { uri, diags } = await open(text);
    const d = only(flux(diags), 'flux/dockerconfig-plain-json');
    assert.equal(d.severity, ERROR);
    assert.match(d.message, /must be base64.*stringData/);
    assert.ok(!d.message.includes(auth) && !d.message.includes(password), 'the message never shows the secret');
    const moved = await fixed(uri, text, d, /Move it to stringData/);
    assert.equal(
      moved,
      secret('ghcr-auth', `type: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '{"auths":{"ghcr.io":{"auth":"${auth}"}}}'\n`),
    );
    assert.deepEqual(await lint(moved), []);
    const encoded = await fixed(uri, text, d, /Encode it as base64/);
    assert.deepEqual(await lint(encoded), [], 'the base64 form is clean too');
  });

  test('docker config Secrets that cannot log in: missing key, not base64, no auths, an auth that is not user:password', async () => {
    const type = 'type: kubernetes.io/dockerconfigjson\n';
    const missingText = secret('a', `${type}stringData:\n  config.json: '{"auths":{}}'\n`);
    const missing = await open(missingText);
    const m = only(flux(missing.diags), 'flux/dockerconfig-missing-key');
    assert.equal(m.severity, ERROR);
    assert.match(await fixed(missing.uri, missingText, m, /Rename the key/), /\n {2}\.dockerconfigjson: '/);
    assert.equal(only(await lint(secret('b', `${type}data:\n  .dockerconfigjson: not*base64\n`)), 'flux/dockerconfig-invalid').severity, ERROR);
    const legacy = only(await lint(secret('c', `${type}stringData:\n  .dockerconfigjson: '{"ghcr.io":{"auth":"eDp5"}}'\n`)), 'flux/dockerconfig-no-auths');
    assert.equal(legacy.severity, WARNING);
    assert.match(legacy.message, /old \.dockercfg layout/);
    const plain = 'robot:hunter2';
    const bad = only(
      await lint(secret('d', `${type}stringData:\n  .dockerconfigjson: '{"auths":{"ghcr.io":{"auth":"${plain}"}}}'\n`)),
      'flux/dockerconfig-auth',
    );
    assert.match(bad.message, /auths\["ghcr\.io"\]\.auth is not base64/);
    assert.ok(!bad.message.includes('hunter2'));
    // A Secret with no data at all is a placeholder another tool fills (copyFrom annotations, webhooks).
    assert.deepEqual(await lint(secret('f', type)), []);
    // SOPS-encrypted Secrets are left alone: what we see is not what the cluster gets.
    assert.deepEqual(await lint(secret('e', `${type}data:\n  .dockerconfigjson: ENC[AES256_GCM,data:abc,type:str]\nsops:\n  version: 3.9.0\n`)), []);
  });

  test('a secretRef naming a Secret that cannot serve it: wrong type for registry login, cosign keys without *.pub', async () => {
    const text = [
      secret('creds', 'stringData:\n  username: robot\n  password: x\n'),
      secret('cosign-keys', 'stringData:\n  cosign.key: x\n'),
      oci('  url: oci://ghcr.io/acme/app\n  secretRef:\n    name: creds\n  verify:\n    provider: cosign\n    secretRef:\n      name: cosign-keys\n'),
    ].join('---\n');
    const diags = await lint(text);
    const type = only(diags, 'flux/secret-wrong-type');
    assert.equal(type.severity, WARNING);
    assert.match(type.message, /^spec\.secretRef: Secret 'creds' is of type Opaque.*kubernetes\.io\/dockerconfigjson/);
    assert.ok(!type.message.includes('robot'));
    assert.match(only(diags, 'flux/verify-secret-keys').message, /no key ending in \.pub/);
    // A docker config Secret where a GitRepository wants Git credentials is flagged the other way round.
    const git = [
      secret('ghcr', 'type: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: \'{"auths":{}}\'\n'),
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: repo\n  namespace: apps\nspec:\n  interval: 5m\n  url: https://github.com/acme/repo\n  secretRef:\n    name: ghcr\n',
    ].join('---\n');
    assert.match(only(await lint(git), 'flux/secret-wrong-type').message, /docker registry Secret/);
  });

  test('the Secret lives in another file: fixing its type there clears the warning on the OCIRepository', async () => {
    const source = oci('  url: oci://ghcr.io/acme/app\n  secretRef:\n    name: registry-login\n', 'cross-file');
    const wrong = secret('registry-login', 'stringData:\n  .dockerconfigjson: \'{"auths":{}}\'\n');
    const secretFile = await open(wrong, 'registry-login.yaml');
    const sourceUri = fileUri(path.join(ws, 'cross-file.yaml'));
    const warned = client.nextDiagnostics(sourceUri, (d) => d.some((x) => x.code === 'flux/secret-wrong-type'));
    client.open(sourceUri, source);
    await warned;
    const cleared = client.nextDiagnostics(sourceUri, (d) => !d.some((x) => x.code === 'flux/secret-wrong-type'));
    client.replaceAll(secretFile.uri, wrong.replace('stringData:', 'type: kubernetes.io/dockerconfigjson\nstringData:'));
    await cleared;
  });
});
