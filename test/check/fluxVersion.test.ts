// Which Flux `flux-oci check` checks against (issue 11): the workspace's own CRDs
// (flux-system/gotk-components.yaml), a FluxInstance's version, --flux-version, else
// the newest bundled release, said on a line of the text output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fluxCrds, fluxCrdsYaml } from '../helpers/fluxCrds.ts';
import { fluxInstanceYaml } from '../operator/fluxInstance.ts';
import { tempTree } from '../helpers/tempTree.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

function check(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'check', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workspace(files: Record<string, string>): string {
  return tempTree('flux-oci-version-', files);
}

const betaRelease = `apiVersion: helm.toolkit.fluxcd.io/v2beta2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      sourceRef:
        kind: HelmRepository
        name: podinfo
`;

const trustedRoot = `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: app
  namespace: default
spec:
  interval: 5m
  url: oci://ghcr.io/org/app
  ref:
    tag: latest
  verify:
    provider: cosign
    trustedRootSecretRef:
      name: sigstore-root
`;

test('no CRDs, no FluxInstance: the newest bundled release, as before (v2beta2 is removed there)', () => {
  const dir = workspace({ 'hr.yaml': betaRelease });
  try {
    const r = check(dir, '.');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /hr\.yaml:1:13: error: helm\.toolkit\.fluxcd\.io\/v2beta2 HelmRelease is not served by Flux 2\.9 \(removed in Flux 2\.8\)/);
    assert.match(r.stderr, /^checked against Flux 2\.9 \(newest bundled; no Flux version found in the workspace\)$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gotk-components.yaml of Flux 2.7 in the workspace: v2beta2 is served there (deprecated), and 2.9-only fields are unknown', () => {
  const dir = workspace({ 'hr.yaml': betaRelease, 'oci.yaml': trustedRoot, 'clusters/dev/flux-system/gotk-components.yaml': fluxCrdsYaml('2.7') });
  try {
    const r = check(dir, '.');
    assert.match(r.stderr, /^checked against Flux 2\.7 \(from clusters\/dev\/flux-system\/gotk-components\.yaml\)$/m);
    assert.match(
      r.stdout,
      /hr\.yaml:1:13: warning: helm\.toolkit\.fluxcd\.io\/v2beta2 HelmRelease is deprecated in Flux 2\.7 and removed in Flux 2\.8: change apiVersion to helm\.toolkit\.fluxcd\.io\/v2 \[schema\/api-version-deprecated\]/,
    );
    assert.doesNotMatch(r.stdout, /api-version-not-served/);
    assert.match(r.stdout, /oci\.yaml:13:5: error: .*trustedRootSecretRef/);
    assert.equal(r.code, 1);
    // The same files checked against 2.9 explicitly: v2beta2 is an error, trustedRootSecretRef fine.
    const r29 = check(dir, '.', '--flux-version', '2.9');
    assert.match(r29.stderr, /^checked against Flux 2\.9 \(--flux-version\)$/m);
    assert.match(r29.stdout, /hr\.yaml:1:13: error: .*not served by Flux 2\.9/);
    assert.doesNotMatch(r29.stdout, /oci\.yaml:13:5: error/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CRDs without a version label are used as they are: a patched enum value is accepted', () => {
  const crds = fluxCrds('2.9', { versionLabel: false });
  const oci = crds.find((c) => (c as { spec: { names: { kind: string } } }).spec.names.kind === 'OCIRepository') as {
    spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: { provider: { enum: string[] } } } } } } }[] };
  };
  oci.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.provider.enum.push('acme');
  const source = trustedRoot.replace('  interval: 5m\n', '  interval: 5m\n  provider: acme\n');
  const plain = workspace({ 'oci.yaml': source });
  const patched = workspace({ 'oci.yaml': source, 'crds.yaml': crds.map((c) => `---\n${JSON.stringify(c)}\n`).join('') });
  try {
    assert.match(check(plain, '.').stdout, /oci\.yaml:8:13: error: .*acme/);
    const r = check(patched, '.');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /^checked against the workspace's Flux CRDs \(from crds\.yaml\)$/m);
  } finally {
    rmSync(plain, { recursive: true, force: true });
    rmSync(patched, { recursive: true, force: true });
  }
});

test('a FluxInstance names the version; --flux-version wins; a bad --flux-version is a usage error', () => {
  const instance = fluxInstanceYaml({ version: '2.7.x' });
  const dir = workspace({ 'hr.yaml': betaRelease, 'flux-system/instance.yaml': instance });
  try {
    const r = check(dir, '.');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /^checked against Flux 2\.7 \(FluxInstance flux-system\/flux in flux-system\/instance\.yaml asks for 2\.7\.x\)$/m);
    const r28 = check(dir, '.', '--flux-version=2.8');
    assert.equal(r28.code, 1);
    assert.match(r28.stdout, /not served by Flux 2\.8 \(removed in this release\)/);
    const bad = check(dir, '.', '--flux-version', 'latest');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--flux-version must look like 2\.8 \(got "latest"\); bundled: 2\.7, 2\.8, 2\.9/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
