// `flux-oci check` as a CI job or a developer runs it: on files and folders,
// reading compiler-style text, JSON or SARIF, relying on the exit status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { tempTree } from '../helpers/tempTree.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/check');

function check(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'check', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A throw-away workspace with the given files (paths relative to it). */
function workspace(files: Record<string, string>): string {
  return tempTree('flux-oci-check-', files);
}

const cleanSource = `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: app
  namespace: flux-system
spec:
  interval: 5m
  url: oci://ghcr.io/org/app
  ref:
    tag: latest
`;

test('a developer checks a folder and reads compiler-style lines with 1-based positions', () => {
  const r = check(fixtures, '.');
  assert.equal(r.code, 1, 'errors found → exit 1');
  const lines = r.stdout.trim().split('\n');
  assert.ok(
    lines.includes(
      'release.yaml:13:11: error: spec.upgrade.crds: unsupported value "Sometimes": supported values: "Skip", "Create", "CreateReplace" [schema/enum]',
    ),
    r.stdout,
  );
  assert.ok(
    lines.some(
      (l) =>
        l.startsWith('sources.yaml:31:3: error: spec.branch: unknown field "branch"') &&
        l.includes('did you mean spec.ref.branch?') &&
        l.endsWith('[schema/unknown-field]'),
    ),
    r.stdout,
  );
  assert.ok(
    lines.some(
      (l) =>
        l.startsWith('sources.yaml:35:13: error: source.toolkit.fluxcd.io/v1beta2 HelmRepository is not served by Flux 2.9') &&
        l.includes('change apiVersion to source.toolkit.fluxcd.io/v1'),
    ),
    r.stdout,
  );
  assert.ok(!r.stdout.includes('unknownField'), 'the plain Namespace is not ours to judge');
  assert.ok(!r.stdout.includes('REPLICAS'), '${VAR} substitutions pass');
  assert.equal(lines.length, 3, r.stdout);
  assert.match(r.stderr, /✗ 3 errors, 0 warnings in 2 files \(2 files checked\)/);
});

test('--format json gives 0-based LSP-style ranges, one entry per diagnostic', () => {
  const r = check(fixtures, '--format', 'json', 'release.yaml');
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out, [
    {
      file: 'release.yaml',
      range: { start: { line: 12, character: 10 }, end: { line: 12, character: 19 } },
      severity: 'error',
      message: 'spec.upgrade.crds: unsupported value "Sometimes": supported values: "Skip", "Create", "CreateReplace"',
      code: 'schema/enum',
    },
  ]);
});

test('--format sarif is SARIF 2.1.0 with a rule per code and 1-based regions', () => {
  const r = check(fixtures, '--format=sarif', '.');
  assert.equal(r.code, 1);
  const log = JSON.parse(r.stdout);
  assert.equal(log.version, '2.1.0');
  const run = log.runs[0];
  assert.equal(run.tool.driver.name, 'flux-oci');
  const ruleIds = run.tool.driver.rules.map((x: { id: string }) => x.id).sort();
  assert.deepEqual(ruleIds, ['schema/api-version-not-served', 'schema/enum', 'schema/unknown-field']);
  const enumResult = run.results.find((x: { ruleId: string }) => x.ruleId === 'schema/enum');
  assert.equal(enumResult.level, 'error');
  assert.equal(run.tool.driver.rules[enumResult.ruleIndex].id, 'schema/enum');
  assert.deepEqual(enumResult.locations[0].physicalLocation, {
    artifactLocation: { uri: 'release.yaml', uriBaseId: '%SRCROOT%' },
    region: { startLine: 13, startColumn: 11, endLine: 13, endColumn: 20 },
  });
});

test('a clean workspace exits 0 and says so', () => {
  const dir = workspace({ 'clusters/prod/source.yaml': cleanSource, 'README.md': '# not yaml' });
  try {
    const r = check(dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /✓ 1 file checked, no problems/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files ignored by .gitignore are not checked, an explicitly named file always is', () => {
  const dir = workspace({
    '.gitignore': 'rendered/\n*.tmpl.yaml\n',
    'rendered/out.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: x\nspec:\n  interval: 5m\n  url: https://not-oci\n',
    'app.tmpl.yaml': 'key: {{ .Values.x }}\n',
    'ok.yml': cleanSource,
  });
  try {
    assert.equal(check(dir).code, 0);
    const named = check(dir, 'rendered/out.yaml');
    assert.equal(named.code, 1);
    assert.match(named.stdout, /^rendered\/out\.yaml:7:8: error: spec\.url: "https:\/\/not-oci" does not match \^oci:\/\/\.\*\$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('patches named by a kustomization.yaml are not held to required fields', () => {
  const patch = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  interval: 1h\n  wait: yes\n';
  const dir = workspace({
    'overlay/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\npatches:\n  - path: apps-patch.yaml\n',
    'overlay/apps-patch.yaml': patch,
    'standalone/apps.yaml': patch,
  });
  try {
    const r = check(dir, '--format', 'json');
    const out = JSON.parse(r.stdout) as { file: string; code: string; message: string }[];
    const inPatch = out.filter((d) => d.file === 'overlay/apps-patch.yaml').map((d) => d.code);
    assert.deepEqual(inPatch, ['schema/type'], 'a patch still gets type errors (YAML 1.2: yes is a string), not required-field errors');
    const standalone = out.filter((d) => d.file === 'standalone/apps.yaml').map((d) => d.message);
    assert.ok(
      standalone.some((m) => m.startsWith('spec.prune is required')),
      standalone.join('\n'),
    );
    assert.ok(
      standalone.some((m) => m.startsWith('spec.sourceRef is required')),
      standalone.join('\n'),
    );
    // checking only the patch still finds its kustomization.yaml beside it
    const alone = JSON.parse(check(dir, '--format', 'json', 'overlay/apps-patch.yaml').stdout) as { code: string }[];
    assert.deepEqual(
      alone.map((d) => d.code),
      ['schema/type'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Secret in another file is read for the secretRef lints, however its kind is spelled', () => {
  // check reads only the files that can name a Secret for the cross-file facts; YAML can also spell the kind with escapes.
  const source = (name: string) =>
    `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  url: oci://ghcr.io/acme/${name}\n  ref:\n    tag: v1.0.0\n  secretRef:\n    name: ${name}-creds\n`;
  const secret = (name: string, kind: string) =>
    `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}-creds\n  namespace: flux-system\ntype: Opaque\nstringData:\n  username: bot\n`;
  const dir = workspace({
    'sources/plain.yaml': source('plain'),
    'sources/escaped.yaml': source('escaped'),
    'secrets/plain.yaml': secret('plain', 'Secret'),
    'secrets/escaped.yaml': secret('escaped', '"Secr\\x65t"'),
  });
  try {
    const out = JSON.parse(check(dir, '--format', 'json').stdout) as { file: string; code: string; message: string }[];
    const notDockerConfig = out.filter((d) => d.message.includes("spec.secretRef: Secret '")).map((d) => d.file);
    assert.deepEqual(notDockerConfig.sort(), ['sources/escaped.yaml', 'sources/plain.yaml'], JSON.stringify(out, null, 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a YAML syntax error in one document does not hide the problems of the others', () => {
  const dir = workspace({
    'mixed.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  a: "unterminated\n---\n' +
      cleanSource.replace('interval: 5m', 'interval: 5 minutes'),
  });
  try {
    const out = JSON.parse(check(dir, '--format', 'json').stdout) as { code: string; range: { start: { line: number } } }[];
    assert.ok(out.some((d) => d.code === 'yaml/syntax' && d.range.start.line < 6));
    const pattern = out.find((d) => d.code === 'flux/duration-format');
    assert.ok(pattern, JSON.stringify(out));
    assert.equal(pattern.range.start.line, 13, 'ranged in file coordinates');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mistakes in the command line are usage errors (exit 2) with a message to act on', () => {
  const bad = check(fixtures, '--format', 'xml');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format must be text, json or sarif \(got "xml"\)/);
  const flag = check(fixtures, '--frobnicate');
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown flag --frobnicate/);
  const missing = check(fixtures, 'no-such-dir');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no-such-dir: no such file or folder/);
  const help = check(fixtures, '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--format sarif/);
});

test('hints are left out of text output unless asked for', () => {
  const dir = workspace({
    'frag.yaml': 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\nspec:\n  values:\n    replicas: 2\n',
  });
  try {
    const quiet = check(dir);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stdout, '');
    const loud = check(dir, '--include-hints');
    assert.match(loud.stdout, /frag\.yaml:2:7: hint: HelmRelease without spec\.interval: treated as a patch or fragment/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rendered output can be piped in: flux build kustomization ... | flux-oci check -', () => {
  const rendered = cleanSource.replace('interval: 5m', 'interval: 5 minutes');
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'check', '-'], { input: rendered, encoding: 'utf8' });
  assert.equal(r.status, 1);
  // Flux's explanation first, then the schema's words.
  assert.match(
    r.stdout,
    /^<stdin>:7:13: error: spec\.interval '5 minutes' is not a duration Flux accepts.*\(Schema: spec\.interval: "5 minutes" does not match/m,
  );
});
