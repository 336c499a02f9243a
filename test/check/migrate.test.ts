// `flux-oci migrate` (issue 11): removed and deprecated apiVersions rewritten with the
// fields that changed with them; comments kept, other documents untouched, and the
// result passes `flux-oci check` (the real API server's verdict is in
// test/cluster/versionAgreement.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(repoRoot, 'test/fixtures/migrate/old-apis.yaml');

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('migrate --dry-run shows the diff and writes nothing; migrate rewrites, and check then finds no error', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-migrate-'));
  try {
    copyFileSync(fixture, path.join(dir, 'old-apis.yaml'));
    const before = readFileSync(path.join(dir, 'old-apis.yaml'), 'utf8');
    assert.equal(cli(dir, 'check', '.').code, 1, 'the old APIs are errors on the newest Flux');

    const dry = cli(dir, 'migrate', '--dry-run');
    assert.equal(dry.code, 1, dry.stderr);
    assert.equal(readFileSync(path.join(dir, 'old-apis.yaml'), 'utf8'), before, '--dry-run writes nothing');
    assert.match(dry.stdout, /^-apiVersion: kustomize\.toolkit\.fluxcd\.io\/v1beta2$/m);
    assert.match(dry.stdout, /^\+apiVersion: kustomize\.toolkit\.fluxcd\.io\/v1$/m);
    assert.match(
      dry.stderr,
      /old-apis\.yaml:2: Kustomization: apiVersion kustomize\.toolkit\.fluxcd\.io\/v1beta2 → kustomize\.toolkit\.fluxcd\.io\/v1; spec\.patchesStrategicMerge → spec\.patches \(1 patch\); spec\.patchesJson6902 → spec\.patches \(1 patch\); spec\.validation dropped/,
    );
    assert.match(
      dry.stderr,
      /HelmRelease: apiVersion helm\.toolkit\.fluxcd\.io\/v2beta1 → helm\.toolkit\.fluxcd\.io\/v2; spec\.chart\.spec\.valuesFile → spec\.chart\.spec\.valuesFiles; spec\.postRenderers\[0\]\.kustomize\.patchesStrategicMerge → spec\.postRenderers\[0\]\.kustomize\.patches/,
    );
    assert.match(dry.stderr, /GitRepository: .*spec\.gitImplementation dropped/);
    assert.match(dry.stderr, /Alert: apiVersion notification\.toolkit\.fluxcd\.io\/v1beta2 → notification\.toolkit\.fluxcd\.io\/v1beta3/);
    assert.match(dry.stderr, /would migrate 5 objects in 1 file to Flux 2\.9/);

    const done = cli(dir, 'migrate', '.');
    assert.equal(done.code, 0, done.stderr);
    const after = readFileSync(path.join(dir, 'old-apis.yaml'), 'utf8');
    // comments stay; the non-Flux document keeps its bytes
    assert.ok(after.includes('  name: apps # the apps\n'));
    assert.ok(after.includes('  # scale the app\n  patches:\n'));
    assert.ok(after.includes('# not Flux: left byte for byte\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata:\n  key:   "value"\n'));
    const objects = parseAllDocuments(after).map((d) => d.toJS());
    const ks = objects[0];
    assert.deepEqual(ks.spec.patches, [
      { patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 2\n' },
      { patch: '- op: replace\n  path: /spec/replicas\n  value: 3\n', target: { kind: 'Deployment', name: 'app' } },
    ]);
    assert.equal(ks.spec.validation, undefined);
    assert.deepEqual(objects[2].spec.chart.spec.valuesFiles, ['values-prod.yaml']);
    assert.equal(objects[2].spec.postRenderers[0].kustomize.patches.length, 1);

    const check = cli(dir, 'check', '.');
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const again = cli(dir, 'migrate', '--dry-run');
    assert.equal(again.code, 0);
    assert.match(again.stderr, /nothing to migrate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an API version no bundled release serves any more (Kustomization v1beta1) still loses the fields the current one lacks', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-migrate-v1beta1-'));
  try {
    const text =
      'apiVersion: kustomize.toolkit.fluxcd.io/v1beta1\nkind: Kustomization\nmetadata:\n  name: a\n  namespace: flux-system\nspec:\n  interval: 5m\n  path: ./\n  prune: true\n  validation: client\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n';
    writeFileSync(path.join(dir, 'k.yaml'), text);
    const r = cli(dir, 'migrate', 'k.yaml');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /k\.yaml:1: Kustomization: apiVersion kustomize\.toolkit\.fluxcd\.io\/v1beta1 → kustomize\.toolkit\.fluxcd\.io\/v1; spec\.validation dropped/,
    );
    assert.equal(cli(dir, 'check', 'k.yaml').code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
