// Flux lints: what a person writing Flux YAML is told, and what the quick fix
// leaves behind. Diagnostics are checked through the real CLI
// (`flux-oci check --format json`); fixes through the domain library, applying
// the edits to the text the way an editor does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'lint');
const require = createRequire(import.meta.url);
const domain = require(path.join(root, 'dist', 'domain.js'));

interface Pos {
  line: number;
  character: number;
}
interface Edit {
  range: { start: Pos; end: Pos };
  newText: string;
}
interface Fix {
  title: string;
  edits: Edit[];
}
interface Diag {
  range: { start: Pos; end: Pos };
  severity: number;
  code: string;
  message: string;
  fixes?: Fix[];
  unnecessary?: boolean;
}

/** Lints a whole file in file coordinates, with the cross-document context. */
function lintFile(text: string): Diag[] {
  const file = domain.YamlFile.parse(text);
  const docs = file.documents.map((d: { parsed: unknown }) => d.parsed);
  const ctx = domain.lintContextOf(docs);
  const out: Diag[] = [];
  for (const d of file.documents) {
    for (const diag of domain.fluxLints(d.parsed, ctx) as Diag[]) {
      const shift = (p: Pos): Pos => ({ line: p.line + d.slice.startLine, character: p.character });
      out.push({
        ...diag,
        range: { start: shift(diag.range.start), end: shift(diag.range.end) },
        fixes: diag.fixes?.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, range: { start: shift(e.range.start), end: shift(e.range.end) } })) })),
      });
    }
  }
  return out;
}

/** Applies edits like an editor: all against the original text, back to front. */
function applyEdits(text: string, edits: Edit[]): string {
  const index = new domain.LineIndex(text);
  const offs = edits
    .map((e) => ({ start: index.offsetAt(e.range.start), end: index.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of offs) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function only(diags: Diag[], code: string): Diag {
  const found = diags.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${found.length}: ${diags.map((d) => d.code).join(', ')}`);
  return found[0]!;
}

function fixed(text: string, code: string): string {
  const d = only(lintFile(text), code);
  assert.ok(d.fixes?.length, `${code} offers a fix`);
  const out = applyEdits(text, d.fixes![0]!.edits);
  const reparsed = domain.YamlFile.parse(out);
  for (const doc of reparsed.documents) assert.deepEqual(doc.parsed.syntaxDiagnostics, [], `fix for ${code} left invalid YAML:\n${out}`);
  return out;
}

function cli(...args: string[]): { status: number | null; json: Array<{ code: string; severity: string; message: string; range: { start: Pos } }> } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'flux-oci'), ...args], { encoding: 'utf8', cwd: root });
  return { status: r.status, json: r.stdout.trim() ? JSON.parse(r.stdout) : [] };
}

const oci = (spec: string, name = 'app'): string =>
  `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ${name}\n  namespace: apps\nspec:\n  interval: 10m\n${spec}`;

test('flux-oci check reports the Flux mistakes in a file, each at its value, with Flux lint codes', () => {
  const r = cli('check', '--format', 'json', path.join(fixtures, 'mistakes.yaml'));
  assert.equal(r.status, 1, 'errors make the check fail');
  const codes = new Set(r.json.map((d) => d.code));
  for (const code of [
    'flux/ocirepository-url-tag',
    'flux/ocirepository-url-uppercase',
    'flux/digest-malformed',
    'flux/semver-invalid',
    'flux/regex-invalid',
    'flux/ref-ignored',
    'flux/bucket-no-ignore',
    'flux/helmrepository-oci',
    'flux/verify-any-identity',
  ]) {
    assert.ok(codes.has(code), `missing ${code}; got ${[...codes].join(', ')}`);
  }
  // The timeout lint is folded into the schema's pattern error on the same value (one problem, one message).
  assert.ok(r.json.some((d) => d.range.start.line === 7 && /1h/.test(d.message)));
  const semver = r.json.find((d) => d.code === 'flux/semver-invalid' && d.range.start.line === 31)!;
  assert.match(semver.message, /improper constraint/);
  const imagePolicyRange = r.json.find((d) => d.code === 'flux/semver-invalid' && d.range.start.line > 70);
  assert.ok(imagePolicyRange, 'ImagePolicy semver ranges are judged too');
});

test('a GitRepository pointed at oci:// converts into an OCIRepository, keeping what carries over', () => {
  const text = readFileSync(path.join(fixtures, 'gitrepository-oci.yaml'), 'utf8');
  const d = only(lintFile(text), 'flux/gitrepository-oci-url');
  assert.equal(d.severity, 1);
  assert.equal(d.range.start.line, 8);
  assert.equal(fixed(text, 'flux/gitrepository-oci-url'), readFileSync(path.join(fixtures, 'gitrepository-oci.fixed.yaml'), 'utf8'));
});

test('a tag in the OCIRepository url moves into spec.ref.tag', () => {
  const out = fixed(oci('  url: oci://ghcr.io/acme/app:1.2.3\n'), 'flux/ocirepository-url-tag');
  assert.equal(out, oci('  url: oci://ghcr.io/acme/app\n  ref:\n    tag: 1.2.3\n'));
  assert.deepEqual(lintFile(out), []);
});

test('a digest in the url moves into an existing ref, and the tag it overrides is then marked ignored', () => {
  const digest = 'sha256:' + 'a'.repeat(64);
  const out = fixed(oci(`  url: "oci://ghcr.io/acme/app@${digest}"\n  ref:\n    tag: latest\n`), 'flux/ocirepository-url-digest');
  assert.equal(out, oci(`  url: "oci://ghcr.io/acme/app"\n  ref:\n    tag: latest\n    digest: ${digest}\n`));
  const ignored = only(lintFile(out), 'flux/ref-ignored');
  assert.equal(ignored.unnecessary, true);
});

test('an upper-case repository path is lower-cased; a URL with no repository has no fix but a clear error', () => {
  assert.equal(fixed(oci('  url: oci://ghcr.io/Acme/App\n'), 'flux/ocirepository-url-uppercase'), oci('  url: oci://ghcr.io/acme/app\n'));
  const d = only(lintFile(oci('  url: oci://registry.local:5000\n')), 'flux/ocirepository-url-no-path');
  assert.match(d.message, /no repository/);
  assert.equal(d.fixes, undefined);
  // Substitution variables are left alone: their case is not the final text.
  assert.deepEqual(lintFile(oci('  url: oci://ghcr.io/${GITHUB_ORG}/app\n')), []);
});

test('semver ranges are judged by Masterminds rules, not node-semver', () => {
  // Masterminds accepts these (node-semver rejects some of them).
  for (const ok of ['>=1.0.0 <2.0.0', '1.2 - 1.4.5', '~1.2', '^0.0', '>= 1.2, < 1.3 || 2.x', 'v1.2.3', '1.0.x-0', '*']) {
    assert.deepEqual(lintFile(oci(`  url: oci://ghcr.io/acme/app\n  ref:\n    semver: "${ok}"\n`)), [], ok);
  }
  for (const bad of ['latest', '>=1.0.0 && <2.0.0', '1.2.3-01', '=> 1 <= 2 |']) {
    const d = only(lintFile(oci(`  url: oci://ghcr.io/acme/app\n  ref:\n    semver: "${bad}"\n`)), 'flux/semver-invalid');
    assert.match(d.message, /Masterminds/);
  }
});

test('semverFilter is compiled as Go RE2: lookahead is rejected, named groups are fine', () => {
  const base = '  url: oci://ghcr.io/acme/app\n  ref:\n    semver: ">=1.0.0-0"\n';
  assert.deepEqual(lintFile(oci(base + '    semverFilter: ".*-rc\\\\.(?P<n>\\\\d+)$"\n')), []);
  const d = only(lintFile(oci(base + '    semverFilter: "^(?!dev).*"\n')), 'flux/regex-invalid');
  assert.match(d.message, /RE2/);
  // With a digest Flux never reads semver or its filter: no error, only the ignored-field warnings.
  const pinned = lintFile(oci(`  url: oci://ghcr.io/acme/app\n  ref:\n    digest: sha256:${'0'.repeat(64)}\n    semver: latest\n    semverFilter: "(?!x)"\n`));
  assert.deepEqual(
    pinned.map((x) => x.code),
    ['flux/ref-ignored', 'flux/ref-ignored'],
  );
});

test('a malformed digest is explained, and upper-case hex is lower-cased', () => {
  const upper = 'sha256:' + 'AB'.repeat(32);
  const out = fixed(oci(`  url: oci://ghcr.io/acme/app\n  ref:\n    digest: ${upper}\n`), 'flux/digest-malformed');
  assert.equal(out, oci(`  url: oci://ghcr.io/acme/app\n  ref:\n    digest: ${upper.toLowerCase()}\n`));
  const short = only(lintFile(oci('  url: oci://ghcr.io/acme/app\n  ref:\n    digest: sha256:abc\n')), 'flux/digest-malformed');
  assert.match(short.message, /64 hex digits, this one has 3/);
  assert.deepEqual(lintFile(oci(`  url: oci://ghcr.io/acme/app\n  ref:\n    digest: sha512:${'0'.repeat(128)}\n`)), []);
});

test('ref fields Flux ignores are marked unnecessary and removed by the fix', () => {
  const out = fixed(oci('  url: oci://ghcr.io/acme/app\n  ref:\n    semver: ">=1.0.0"\n    tag: v1.0.0\n'), 'flux/ref-ignored');
  assert.equal(out, oci('  url: oci://ghcr.io/acme/app\n  ref:\n    semver: ">=1.0.0"\n'));
  // A semverFilter alone takes the now-empty ref with it.
  const lone = fixed(oci('  url: oci://ghcr.io/acme/app\n  ref:\n    semverFilter: "^v"\n  suspend: false\n'), 'flux/ref-ignored');
  assert.equal(lone, oci('  url: oci://ghcr.io/acme/app\n  suspend: false\n'));
});

test('a Bucket without ignore gets the default excludes Flux does not apply to Buckets', () => {
  const bucket =
    'apiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\nmetadata:\n  name: b\nspec:\n  interval: 5m\n  bucketName: manifests\n  endpoint: minio:9000\n';
  const out = fixed(bucket, 'flux/bucket-no-ignore');
  assert.ok(out.startsWith(bucket + '  ignore: |\n    # Flux applies no default excludes'));
  assert.match(out, /\n {4}\.git\/\n/);
  assert.deepEqual(lintFile(out), []);
});

test('a Helm chart OCIRepository consumed by a HelmRelease chartRef gets a layerSelector for the chart layer', () => {
  const release =
    '---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: apps\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: app\n';
  const text = oci('  url: oci://registry.example.com/acme/app\n') + release;
  const d = only(lintFile(text), 'flux/helm-chart-layer-selector');
  assert.equal(d.severity, 2);
  const out = fixed(text, 'flux/helm-chart-layer-selector');
  assert.ok(out.includes('  layerSelector:\n    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n    operation: copy\n---'));
  // Manifests (not charts) pushed with flux push artifact are not flagged.
  assert.deepEqual(lintFile(oci('  url: oci://ghcr.io/acme/manifests/app\n')), []);
});

test('durations: a source timeout in hours becomes minutes; a day-long interval becomes hours', () => {
  assert.equal(fixed(oci('  url: oci://ghcr.io/acme/app\n  timeout: 1h\n'), 'flux/duration-format'), oci('  url: oci://ghcr.io/acme/app\n  timeout: 60m\n'));
  const ks = (interval: string): string =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: k\nspec:\n  interval: ${interval}\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: app\n`;
  assert.equal(fixed(ks('"1d"'), 'flux/duration-format'), ks('"24h"'));
  assert.equal(fixed(ks('300'), 'flux/duration-format'), ks('300s'));
  assert.deepEqual(lintFile(ks('1h30m')), []);
});

test('cosign keyless verification: any-identity and multiple-identity pitfalls', () => {
  const out = fixed(oci('  url: oci://ghcr.io/acme/app\n  verify:\n    provider: cosign\n'), 'flux/verify-any-identity');
  // The guess names the repository (acme/app from ghcr.io/acme/app): `acme/.*` would let every repository of acme sign.
  assert.ok(
    out.includes(
      '    matchOIDCIdentity:\n      - issuer: ^https://token\\.actions\\.githubusercontent\\.com$\n        subject: ^https://github\\.com/acme/app/.*$\n',
    ),
    out,
  );
  assert.deepEqual(lintFile(out), []);
  const two = oci(
    '  url: oci://ghcr.io/acme/app\n  verify:\n    provider: cosign\n    matchOIDCIdentity:\n      - issuer: "^https://a$"\n        subject: ".*"\n      - issuer: "^https://b$"\n        subject: "(?=x)"\n',
  );
  const diags = lintFile(two);
  assert.equal(only(diags, 'flux/verify-multiple-identities').severity, 2);
  assert.equal(only(diags, 'flux/regex-invalid').range.start.line, 14);
  // Keys in a secretRef: no keyless warning.
  assert.deepEqual(lintFile(oci('  url: oci://ghcr.io/acme/app\n  verify:\n    provider: cosign\n    secretRef:\n      name: keys\n')), []);
});

test('HelmRepository type oci is an information note, not a problem', () => {
  const d = only(lintFile(readFileSync(path.join(fixtures, 'mistakes.yaml'), 'utf8')), 'flux/helmrepository-oci');
  assert.equal(d.severity, 3);
  assert.match(d.message, /chartRef/);
});
