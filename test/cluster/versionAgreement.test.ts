/**
 * For each bundled Flux release (2.7, 2.8, 2.9): install that release's CRDs on a real
 * kube-apiserver and check that it and `flux-oci check --flux-version X.Y` agree on a
 * small corpus of valid and invalid objects, including what each release removed or added
 * (v1beta2 sources and v2beta2 HelmReleases served and deprecated in 2.7 only, Alert
 * v1beta2 gone in 2.9, HelmRelease healthCheckExprs new in 2.8, trustedRootSecretRef and
 * Kustomization ignore new in 2.9). The API server's verdict is a server-side dry-run
 * create with strict field validation, as `kubectl apply` sends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { repoRoot } from '../helpers/lspClient.ts';
import { bundledReleases, fluxCrds } from '../helpers/fluxCrds.ts';
import { dryRunCreate } from '../helpers/apiServerVerdict.ts';

const meta = (name: string) => ({ name, namespace: 'default' });
const oci = (spec: Record<string, unknown> = {}, apiVersion = 'source.toolkit.fluxcd.io/v1') => ({
  apiVersion,
  kind: 'OCIRepository',
  metadata: meta('app'),
  spec: { interval: '5m', url: 'oci://ghcr.io/org/app', ref: { tag: '1.0.0' }, ...spec },
});
const chart = { chart: { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'podinfo' } } } };
const hr = (spec: Record<string, unknown> = chart, apiVersion = 'helm.toolkit.fluxcd.io/v2') => ({
  apiVersion,
  kind: 'HelmRelease',
  metadata: meta('podinfo'),
  spec: { interval: '10m', ...spec },
});
const ks = (spec: Record<string, unknown> = {}, apiVersion = 'kustomize.toolkit.fluxcd.io/v1') => ({
  apiVersion,
  kind: 'Kustomization',
  metadata: meta('apps'),
  spec: { interval: '10m', path: './apps', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, ...spec },
});
const alert = (apiVersion: string) => ({
  apiVersion,
  kind: 'Alert',
  metadata: meta('slack'),
  spec: { providerRef: { name: 'slack' }, eventSources: [{ kind: 'Kustomization', name: '*' }] },
});

/** name → object; the names say what each probes. */
const corpus: Record<string, Record<string, unknown>> = {
  'oci-valid': oci(),
  'oci-provider-not-in-enum': oci({ provider: 'acme' }),
  'oci-interval-not-a-duration': oci({ interval: '5 minutes' }),
  'oci-unknown-field': oci({ tag: '1.0.0' }),
  'oci-trusted-root-2.9': oci({ verify: { provider: 'cosign', trustedRootSecretRef: { name: 'sigstore-root' } } }),
  'oci-v1beta2': oci({}, 'source.toolkit.fluxcd.io/v1beta2'),
  'helmrelease-valid': hr(),
  'helmrelease-no-chart': hr({}),
  'helmrelease-v2beta2': hr(chart, 'helm.toolkit.fluxcd.io/v2beta2'),
  'helmrelease-health-check-exprs-2.8': hr({ ...chart, healthCheckExprs: [{ apiVersion: 'example.com/v1', kind: 'Widget', current: 'status.ready == true' }] }),
  'helmrelease-post-render-strategy-2.9': hr({ ...chart, postRenderStrategy: 'Default' }),
  'kustomization-valid': ks(),
  'kustomization-patches-strategic-merge-v1': ks({ patchesStrategicMerge: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }] }),
  'kustomization-v1beta2-patches-strategic-merge': ks(
    { patchesStrategicMerge: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }] },
    'kustomize.toolkit.fluxcd.io/v1beta2',
  ),
  'kustomization-ignore-2.9': ks({ ignore: [{ paths: ['*.md'] }] }),
  'alert-v1beta3': alert('notification.toolkit.fluxcd.io/v1beta3'),
  'alert-v1beta2': alert('notification.toolkit.fluxcd.io/v1beta2'),
  'imagepolicy-v1beta2': {
    apiVersion: 'image.toolkit.fluxcd.io/v1beta2',
    kind: 'ImagePolicy',
    metadata: meta('app'),
    spec: { imageRepositoryRef: { name: 'app' }, policy: { semver: { range: '>=1.0.0' } } },
  },
};

describe('a real kube-apiserver and flux-oci agree, per bundled Flux release', { timeout: 600_000 }, () => {
  let ws: string;
  before(() => {
    ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-agreement-'));
    for (const [name, obj] of Object.entries(corpus)) writeFileSync(path.join(ws, `${name}.yaml`), stringify(obj));
  });
  after(() => rmSync(ws, { recursive: true, force: true }));

  const verdicts = new Map<string, Record<string, boolean>>();

  for (const release of bundledReleases()) {
    const minor = release.flux.replace(/^v(\d+\.\d+).*/, '$1');
    test(`Flux ${minor} (${release.flux})`, async (t) => {
      if (!requireControlPlane(t as unknown as { skip(m?: string): void }, [], [])) return;
      const cp: ControlPlane = await startControlPlane({ controllers: [], crds: [], namespaces: ['flux-system'] });
      try {
        for (const crd of fluxCrds(minor)) {
          const r = await cp.api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
          assert.equal(r.status, 201, JSON.stringify(r.body).slice(0, 300));
        }
        const plural = new Map(release.kinds.map((k) => [k.kind, k.plural]));
        const apiServer: Record<string, boolean> = {};
        for (const [name, obj] of Object.entries(corpus)) apiServer[name] = await accepts(cp, obj, plural.get(obj['kind'] as string)!);

        const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'check', '.', '--format', 'json', '--flux-version', minor], {
          cwd: ws,
          encoding: 'utf8',
        });
        const found = JSON.parse(r.stdout) as { file: string; severity: string; message: string; code: string }[];
        const ours: Record<string, boolean> = {};
        for (const name of Object.keys(corpus)) ours[name] = !found.some((d) => d.file === `${name}.yaml` && d.severity === 'error');
        const disagree = Object.keys(corpus).filter((n) => ours[n] !== apiServer[n]);
        assert.deepEqual(
          disagree.map(
            (n) =>
              `${n}: API server ${apiServer[n] ? 'accepts' : 'rejects'}, flux-oci ${ours[n] ? 'accepts' : 'rejects'} ${JSON.stringify(found.filter((d) => d.file === `${n}.yaml`).map((d) => d.message))}`,
          ),
          [],
        );
        verdicts.set(minor, apiServer);

        // `flux-oci migrate --flux-version X.Y` of objects written for old APIs: the API server takes every one.
        const migrated = path.join(ws, `migrated-${minor}`);
        mkdirSync(migrated);
        copyFileSync(path.join(repoRoot, 'test/fixtures/migrate/old-apis.yaml'), path.join(migrated, 'old-apis.yaml'));
        const m = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'migrate', '.', '--flux-version', minor], {
          cwd: migrated,
          encoding: 'utf8',
        });
        assert.equal(m.status, 0, m.stderr);
        const objects = parseAllDocuments(readFileSync(path.join(migrated, 'old-apis.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, any>);
        const refused: string[] = [];
        for (const obj of objects.filter((o) => String(o['apiVersion']).includes('fluxcd.io'))) {
          if (!(await accepts(cp, obj, plural.get(obj['kind'])!, obj['metadata']?.['namespace'] ?? 'default')))
            refused.push(`${obj['apiVersion']} ${obj['kind']}`);
        }
        assert.deepEqual(refused, [], `migrated to Flux ${minor}, refused by its API server`);
      } finally {
        await cp.stop();
      }
    });
  }

  test('the corpus tells the releases apart', (t) => {
    if (verdicts.size < 3) return t.skip('not every release was checked');
    const v = (minor: string) => verdicts.get(minor)!;
    assert.deepEqual([v('2.7')['oci-v1beta2'], v('2.8')['oci-v1beta2'], v('2.9')['oci-v1beta2']], [true, false, false]);
    assert.deepEqual([v('2.7')['helmrelease-v2beta2'], v('2.8')['helmrelease-v2beta2'], v('2.9')['helmrelease-v2beta2']], [true, false, false]);
    assert.deepEqual([v('2.7')['alert-v1beta2'], v('2.8')['alert-v1beta2'], v('2.9')['alert-v1beta2']], [true, true, false]);
    assert.deepEqual([v('2.7')['helmrelease-health-check-exprs-2.8'], v('2.8')['helmrelease-health-check-exprs-2.8']], [false, true]);
    assert.deepEqual([v('2.8')['oci-trusted-root-2.9'], v('2.9')['oci-trusted-root-2.9']], [false, true]);
    assert.deepEqual([v('2.8')['kustomization-ignore-2.9'], v('2.9')['kustomization-ignore-2.9']], [false, true]);
    for (const m of ['2.7', '2.8', '2.9']) assert.equal(v(m)['oci-provider-not-in-enum'], false);
  });
});

/** The API server's verdict (strict server-side dry-run create); a version the release no longer serves is a 404 at once. */
async function accepts(cp: ControlPlane, obj: Record<string, unknown>, plural: string, namespace = 'default'): Promise<boolean> {
  const retryNotFound = !/(v1beta2|v2beta2)/.test(obj['apiVersion'] as string);
  return (await dryRunCreate(cp, obj, plural, namespace, { retryNotFound })).accepted;
}
