/**
 * A cluster run by Flux Operator, on a real kube-apiserver (issue 10, part 3): our own stand-in
 * CRDs for FluxInstance and ResourceSet (test/fixtures/operator/crds, written from the operator's
 * public docs; the cluster's copy is "newer": its sync.kind also allows ExternalArtifact) beside
 * Flux 2.9's, and a real registry (docker-registry on 127.0.0.1) seeded with our CLI.
 * - Drift: the FluxInstance's spec.sync is compared with the OCIRepository the operator generates
 *   (flux-system/flux-system, status.artifact.revision), its spec.distribution.artifact with the
 *   FluxInstance's own status.lastArtifactRevision (set through the status subresource), each
 *   against what the registry resolves now; the code lens says which object it read.
 * - Schemas: with flux-oci.schemas.fromCluster the cluster's FluxInstance CRD wins over the
 *   workspace's copy (the API server agrees); check --from-cluster too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { LspClient, cursor, fileUri, repoRoot } from '../helpers/lspClient.ts';
import { fluxCrds } from '../helpers/fluxCrds.ts';
import { seed, type Seeded } from '../resolution/stories.ts';
import { fluxInstanceYaml } from '../operator/fluxInstance.ts';

const operatorCrds = path.join(repoRoot, 'test/fixtures/operator/crds/flux-operator-crds.yaml');
type Lens = { range: { start: { line: number } }; command?: { title: string; command: string; arguments?: unknown[] } };
const text = (m: Diagnostic['message']) => (typeof m === 'string' ? m : m.value);

/** The stand-in CRDs; `newer` adds ExternalArtifact to spec.sync.kind, as a newer operator's CRD might. */
function standInCrds(newer: boolean): any[] {
  const crds = parseAllDocuments(readFileSync(operatorCrds, 'utf8')).map((d) => d.toJS());
  if (newer) {
    const instance = crds.find((c) => c.spec.names.kind === 'FluxInstance');
    instance.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.sync.properties.kind.enum.push('ExternalArtifact');
  }
  return crds;
}

function instanceYaml(host: string, syncKind = 'OCIRepository'): string {
  return fluxInstanceYaml({ artifact: `oci://${host}/fleet/manifests:latest`, sync: { kind: syncKind, url: `oci://${host}/fleet/clusters`, ref: 'latest' } });
}

describe('a FluxInstance against a real kube-apiserver', { timeout: 240_000 }, () => {
  let cp: ControlPlane | undefined;
  let registry: StartedRegistry | undefined;
  let ws: string;
  let manifests: Seeded;
  let clusters: Seeded;
  let lsp: LspClient | undefined;

  before(async (t) => {
    if (!requireControlPlane(t as unknown as { skip(m?: string): void }, [], [])) return;
    if (!dockerRegistryAvailable()) return (t as unknown as { skip(m?: string): void }).skip('docker-registry is not installed');
    registry = await startRegistry();
    manifests = await seed(registry.host, 'fleet/manifests', ['v1', 'v2'], { latest: 'v2' });
    clusters = await seed(registry.host, 'fleet/clusters', ['v1', 'v2'], { latest: 'v2' });
    cp = await startControlPlane({ controllers: [], crds: [] });
    for (const crd of [...fluxCrds('2.9'), ...standInCrds(true)]) {
      const r = await cp.api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
      assert.ok(r.status === 201 || r.status === 409, JSON.stringify(r.body).slice(0, 300));
    }
    // The operator has synced the distribution artifact it resolves now (latest = v2) ...
    const instance = {
      apiVersion: 'fluxcd.controlplane.io/v1',
      kind: 'FluxInstance',
      metadata: { name: 'flux', namespace: 'flux-system' },
      spec: {
        distribution: { version: '2.x', registry: 'ghcr.io/fluxcd', artifact: `oci://${registry.host}/fleet/manifests:latest` },
        sync: { kind: 'OCIRepository', url: `oci://${registry.host}/fleet/clusters`, ref: 'latest', path: 'clusters/prod' },
      },
    };
    await createWithStatus('/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxinstances', 'flux', instance, {
      lastArtifactRevision: manifests.digests['latest'],
    });
    // ... and its OCIRepository still holds the artifact latest pointed at before (v1): drift.
    const source = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: { interval: '1m', url: `oci://${registry.host}/fleet/clusters`, ref: { tag: 'latest' } },
    };
    const v1 = clusters.digests['v1']!;
    await createWithStatus('/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/ocirepositories', 'flux-system', source, {
      artifact: {
        digest: 'sha256:' + '0'.repeat(64),
        lastUpdateTime: new Date().toISOString(),
        path: 'ocirepository/flux-system/flux-system/x.tar.gz',
        revision: `latest@${v1}`,
        url: 'http://source-controller.flux-system.svc/x.tar.gz',
        size: 1,
      },
    });
    ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-instance-drift-'));
    mkdirSync(path.join(ws, 'crds'));
    copyFileSync(operatorCrds, path.join(ws, 'crds/flux-operator.yaml')); // the workspace's (older) copy
    writeFileSync(path.join(ws, 'instance.yaml'), instanceYaml(registry.host));
    writeFileSync(path.join(ws, 'external.yaml'), instanceYaml(registry.host, 'ExternalArtifact'));
    lsp = await LspClient.start({ workspaceFolders: [ws], settings: { schemas: { fromCluster: true } }, env: { KUBECONFIG: cp.kubeconfig } });
  });

  after(async () => {
    await lsp?.stop();
    await cp?.stop();
    await registry?.stop();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  /** Creates an object, then sets its status through the status subresource (as its controller would). */
  async function createWithStatus(collection: string, name: string, obj: Record<string, unknown>, status: Record<string, unknown>): Promise<void> {
    for (let i = 0; ; i++) {
      const r = await cp!.api('POST', collection, obj);
      if (r.status === 201) break;
      // the CRD is being established
      if (i > 50) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      await new Promise((res) => setTimeout(res, 200));
    }
    const s = await cp!.api('PATCH', `${collection}/${name}/status`, { status }, 'application/merge-patch+json');
    assert.equal(s.status, 200, JSON.stringify(s.body).slice(0, 300));
  }

  test('drift lenses: the sync is behind the registry (reconcile its OCIRepository), the distribution artifact is in sync', async (t) => {
    if (!cp || !lsp) return t.skip('no control plane or registry');
    const uri = fileUri(path.join(ws, 'instance.yaml'));
    lsp.open(uri, readFileSync(path.join(ws, 'instance.yaml'), 'utf8'));
    let lenses: Lens[] = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      lenses = (await lsp.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as Lens[];
      if (lenses.length === 2 && lenses.every((l) => /registry/.test(l.command?.title ?? ''))) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const byLine = new Map(lenses.map((l) => [l.range.start.line, l.command!]));
    const distribution = byLine.get(9); // the artifact: line
    const sync = byLine.get(12); // the sync url: line
    assert.ok(distribution && sync, JSON.stringify(lenses));
    const short = (d: string) => d.slice(0, 'sha256:'.length + 7);
    assert.equal(distribution.title, `FluxInstance flux-system/flux: cluster at ${short(manifests.digests['latest']!)}, in sync with the registry`);
    assert.equal(distribution.command, '');
    assert.equal(
      sync.title,
      `OCIRepository flux-system/flux-system: cluster at latest (${short(clusters.digests['v1']!)}), registry resolves latest (${short(clusters.digests['v2']!)}) — reconcile`,
    );
    assert.equal(sync.command, 'flux-oci.reconcile');
    assert.deepEqual(sync.arguments, [{ kind: 'OCIRepository', name: 'flux-system', namespace: 'flux-system' }]);
  });

  test("schemas: the cluster's FluxInstance CRD wins over the workspace's copy, and the API server agrees", async (t) => {
    if (!cp || !lsp) return t.skip('no control plane or registry');
    const uri = fileUri(path.join(ws, 'external.yaml'));
    const body = readFileSync(path.join(ws, 'external.yaml'), 'utf8');
    lsp.open(uri, body);
    // the first publish may come before the cluster's CRDs are read: what counts is where it settles
    const { text: valueText, position } = cursor(body.replace('kind: ExternalArtifact', 'kind: |'));
    const labels = async () => {
      lsp!.replaceAll(uri, valueText);
      return (await lsp!.completion(uri, position)).map((i) => i.label).sort();
    };
    let got = await labels();
    for (let i = 0; i < 50 && !got.includes('ExternalArtifact'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      got = await labels();
    }
    assert.deepEqual(got, ['Bucket', 'ExternalArtifact', 'GitRepository', 'OCIRepository']);
    const accepted = lsp.nextDiagnostics(uri, (d) => !d.some((x) => x.severity === 1), 20_000);
    lsp.replaceAll(uri, body);
    await accepted;
    const hover = await lsp.hover(uri, { line: 11, character: 5 });
    assert.match((hover!.contents as { value: string }).value, /CRDs of kube context flux-oci-test/);
    // The API server's own verdict (server-side dry run) is the same.
    const dry = await cp.api('POST', '/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxinstances?dryRun=All', {
      apiVersion: 'fluxcd.controlplane.io/v1',
      kind: 'FluxInstance',
      metadata: { name: 'other', namespace: 'flux-system' },
      spec: { distribution: { version: '2.x', registry: 'ghcr.io/fluxcd' }, sync: { kind: 'ExternalArtifact', url: 'x', path: '.' } },
    });
    assert.equal(dry.status, 201, JSON.stringify(dry.body).slice(0, 300));
    // check: the workspace's copy alone says no; --from-cluster follows the cluster
    const check = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'check', ...args], { cwd: ws, encoding: 'utf8' });
    const local = check('crds/flux-operator.yaml', 'external.yaml');
    assert.equal(local.status, 1, local.stdout + local.stderr);
    assert.match(local.stdout, /external\.yaml:12:11: error: .*ExternalArtifact/);
    const fromCluster = check('crds/flux-operator.yaml', 'external.yaml', '--from-cluster', '--kubeconfig', cp.kubeconfig);
    assert.equal(fromCluster.status, 0, fromCluster.stdout + fromCluster.stderr);
    assert.ok(!/ExternalArtifact/.test(text(fromCluster.stdout)));
  });
});
