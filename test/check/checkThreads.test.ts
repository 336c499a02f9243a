// `flux-oci check` over a large repository analyses the files on two threads (a worker takes the
// last share). What a CI job reads must not depend on it: the report, the summary and the exit
// status are byte for byte those of one thread, also when what decides a file's diagnostics (a
// Secret, a HelmRelease's chartRef, a kustomization's patches, a FluxInstance's Flux version) sits
// in the other thread's share. FLUX_OCI_CHECK_THREADS=2 starts the worker however few the files,
// and lets it begin before the main thread takes files (it takes them from the back: z/ first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../..');

function check(cwd: string, threads: '1' | '2', args: string[], debug = false, input?: string) {
  const env = { ...process.env, FLUX_OCI_CHECK_THREADS: threads, ...(debug ? { FLUX_OCI_DEBUG: '1' } : {}) };
  if (!debug) delete env['FLUX_OCI_DEBUG'];
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'check', ...args], { cwd, encoding: 'utf8', env, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const source = (name: string, interval: string, extra = '') =>
  `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: ${interval}\n  url: oci://ghcr.io/org/${name}\n  ref:\n    tag: latest\n${extra}`;

/** A fleet repository whose first folder (a/) holds what decides the diagnostics of its last (z/). */
function fleet(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-check-threads-'));
  const files: Record<string, string> = {
    'a/instance.yaml':
      'apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n  distribution:\n    version: "2.7.x"\n    registry: ghcr.io/fluxcd\n',
    'a/regcred.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n  namespace: flux-system\ntype: Opaque\nstringData:\n  token: x\n',
    'a/release.yaml':
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: podinfo-chart\n',
    'a/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\npatches:\n  - path: ../z/apps-patch.yaml\n',
    'z/chart.yaml': source('podinfo-chart', '5m'),
    'z/private.yaml': source('private', '5m', '  secretRef:\n    name: regcred\n'),
    'z/apps-patch.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  interval: 1h\n',
    'z/alert.yaml':
      'apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata:\n  name: ops\n  namespace: flux-system\nspec:\n  providerRef:\n    name: slack\n  eventSources:\n    - kind: FluxInstance\n      name: "*"\n',
    'z/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n',
  };
  // Between them, sources with and without mistakes, so both shares have diagnostics to report.
  for (let i = 0; i < 200; i++) files[`m/app-${String(i).padStart(3, '0')}.yaml`] = source(`app-${i}`, i % 7 === 0 ? 'often' : '5m');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

test('a large repository checked on two threads reports exactly what one thread reports', () => {
  const dir = fleet();
  try {
    const one = check(dir, '1', ['--format', 'json']);
    const found = JSON.parse(one.stdout) as { file: string; code: string; severity: string }[];
    const codesOf = (file: string) => found.filter((d) => d.file === file).map((d) => d.code);
    // The story only means something if facts from a/ shape what is said about z/.
    assert.ok(codesOf('z/chart.yaml').includes('flux/helm-chart-layer-selector'), 'a/release.yaml uses z/chart.yaml as its chart');
    assert.ok(codesOf('z/private.yaml').includes('flux/secret-wrong-type'), 'a/regcred.yaml is no docker config');
    assert.deepEqual(codesOf('z/apps-patch.yaml'), [], 'a patch named by a/kustomization.yaml is not held to required fields');
    assert.deepEqual(codesOf('z/alert.yaml'), [], 'a/instance.yaml shows Flux Operator, so the Alert may name a FluxInstance');
    assert.match(check(dir, '1', []).stderr, /checked against Flux 2\.7/);
    assert.equal(found.filter((d) => d.file.startsWith('m/') && d.severity === 'error').length, 29);

    const worked = check(dir, '2', ['--format', 'json'], true);
    const split = /flux-oci check: (\d+) files on the main thread, (\d+) in a worker/.exec(worked.stderr);
    assert.ok(split && Number(split[2]) > 0, `the worker took part: ${worked.stderr}`);
    // The last input may be the standard input (rendered output piped in), which the worker may take.
    const piped = source('piped', 'often');
    for (const args of [['--format', 'json'], ['--include-hints'], ['--format', 'sarif'], ['z', 'a', '--flux-version', '2.8'], ['m', '-']]) {
      const a = check(dir, '1', args, false, piped);
      const b = check(dir, '2', args, false, piped);
      assert.equal(b.stdout, a.stdout, `stdout of check ${args.join(' ')}`);
      assert.equal(b.stderr, a.stderr, `stderr of check ${args.join(' ')}`);
      assert.equal(b.code, a.code, `exit status of check ${args.join(' ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
