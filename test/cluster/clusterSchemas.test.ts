/**
 * The cluster as the source of truth for schemas (issue 11), on a real kube-apiserver:
 * Flux 2.9's CRDs are installed, then the OCIRepository CRD is replaced by one whose
 * spec.provider enum has an extra value ("acme", as a distribution that patches CRDs
 * would). `check --from-cluster` and the language server with flux-oci.schemas.fromCluster
 * accept it; completion offers it; when the patched CRD is removed, both go back to the
 * bundled schemas, without a restart (the server watches CRDs).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { LspClient, cursor, fileUri, repoRoot } from '../helpers/lspClient.ts';
import { fluxCrds } from '../helpers/fluxCrds.ts';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { parse, stringify } from 'yaml';

type Crd = { metadata: { name: string; resourceVersion?: string }; spec: { names: { kind: string }; versions: { schema: { openAPIV3Schema: any } }[] } };

const source = [
  'apiVersion: source.toolkit.fluxcd.io/v1',
  'kind: OCIRepository',
  'metadata:',
  '  name: app',
  '  namespace: default',
  'spec:',
  '  interval: 5m',
  '  url: oci://ghcr.io/org/app',
  '  provider: acme',
  '  ref:',
  '    tag: latest',
  '',
].join('\n');
const text = (m: Diagnostic['message']) => (typeof m === 'string' ? m : m.value);
const enumError = (d: Diagnostic[]) => d.some((x) => x.range.start.line === 8 && /acme/.test(text(x.message)));

describe('schemas from the cluster', { timeout: 240_000 }, () => {
  let cp: ControlPlane | undefined;
  let ws: string;
  const ociName = 'ocirepositories.source.toolkit.fluxcd.io';

  let skipReason = 'no control plane';
  before(async () => {
    // A before hook's context has no skip(): keep the reason and let each test skip with it.
    if (!requireControlPlane({ skip: (m) => void (skipReason = m ?? skipReason) }, [], [])) return;
    cp = await startControlPlane({ controllers: [], crds: [] });
    for (const crd of fluxCrds('2.9')) {
      const r = await cp.api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
      assert.ok(r.status === 201 || r.status === 409, JSON.stringify(r.body).slice(0, 300));
    }
    ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-cluster-schemas-'));
    writeFileSync(path.join(ws, 'oci.yaml'), source);
  });

  after(async () => {
    await cp?.stop();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  async function setAcme(allowed: boolean): Promise<void> {
    const got = (await cp!.api('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${ociName}`)).body as Crd;
    const provider = got.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.provider;
    provider.enum = provider.enum.filter((v: string) => v !== 'acme');
    if (allowed) provider.enum.push('acme');
    const r = await cp!.api('PUT', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${ociName}`, got);
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
  }

  /** The API server's own verdict on the object (server-side dry-run create), once it has taken the CRD change in. */
  async function apiServerAccepts(expected: boolean): Promise<boolean> {
    let got = await apiServerVerdict();
    for (let i = 0; got !== expected && i < 50; i++) {
      await new Promise((res) => setTimeout(res, 200));
      got = await apiServerVerdict();
    }
    return got;
  }

  async function apiServerVerdict(): Promise<boolean> {
    const obj = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: 'app', namespace: 'default' },
      spec: { interval: '5m', url: 'oci://ghcr.io/org/app', provider: 'acme', ref: { tag: 'latest' } },
    };
    for (let i = 0; ; i++) {
      const r = await cp!.api('POST', '/apis/source.toolkit.fluxcd.io/v1/namespaces/default/ocirepositories?dryRun=All', obj);
      if (r.status === 201) return true;
      if (r.status === 422) return false;
      if (i > 50) throw new Error(`dry-run create answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
      await new Promise((res) => setTimeout(res, 200)); // the CRD is being (re)established
    }
  }

  function check(...args: string[]) {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'check', ...args], { cwd: ws, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test('check --from-cluster follows a patched enum, and the API server agrees', async (t) => {
    if (!cp) return t.skip(skipReason);
    await setAcme(true);
    assert.equal(await apiServerAccepts(true), true);
    const r = check('oci.yaml', '--from-cluster', '--kubeconfig', cp.kubeconfig);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /^checked against Flux 2\.9 \(CRDs of kube context flux-oci-test\)$/m);
    // Without the cluster the bundled schema says no, as the stock API server would.
    const bundled = check('oci.yaml');
    assert.equal(bundled.code, 1);
    assert.match(bundled.stdout, /oci\.yaml:9:13: error: .*acme/);
    await setAcme(false);
    assert.equal(await apiServerAccepts(false), false);
    const back = check('oci.yaml', '--from-cluster', '--kubeconfig', cp.kubeconfig);
    assert.equal(back.code, 1);
    assert.match(back.stdout, /oci\.yaml:9:13: error: .*acme/);
  });

  test('the language server with flux-oci.schemas.fromCluster: validation and completion follow the CRD and go back when it is removed', async (t) => {
    if (!cp) return t.skip(skipReason);
    await setAcme(true);
    // a kubeconfig of our own with a second context, so the test can switch like `kubectl config use-context`
    const kubeconfig = path.join(ws, 'kubeconfig');
    const config = parse(readFileSync(cp.kubeconfig, 'utf8')) as {
      clusters: unknown[];
      contexts: { name: string; context: Record<string, string> }[];
      'current-context': string;
    };
    config.clusters.push({ name: 'nowhere', cluster: { server: 'https://127.0.0.1:1' } });
    config.contexts.push({ name: 'elsewhere', context: { ...config.contexts[0]!.context, cluster: 'nowhere' } });
    const useContext = (name: string) => writeFileSync(kubeconfig, stringify({ ...config, 'current-context': name }));
    useContext('flux-oci-test');
    const lsp = await LspClient.start({ workspaceFolders: [ws], settings: { schemas: { fromCluster: true } }, env: { KUBECONFIG: kubeconfig } });
    try {
      const uri = fileUri(path.join(ws, 'oci.yaml'));
      const accepted = lsp.nextDiagnostics(uri, (d) => !enumError(d), 30_000);
      lsp.open(uri, source);
      await accepted;
      // the first publish may come before the CRDs are read; what counts is that it settles on the cluster's answer
      const { position } = cursor(source.replace('  provider: acme', '  provider: |'));
      const labelsNow = async () => (await lsp.completion(uri, position)).map((i) => i.label).sort();
      lsp.replaceAll(uri, source);
      for (let i = 0; i < 50 && !(await labelsNow()).includes('acme'); i++) await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await labelsNow(), ['acme', 'aws', 'azure', 'gcp', 'generic']);
      const hover = await lsp.hover(uri, { line: 1, character: 8 });
      assert.match((hover!.contents as { value: string }).value, /Checked against Flux 2\.9 \(CRDs of kube context flux-oci-test\)/);

      // The enum value is taken out of the CRD, then put back: the watch brings each change.
      const narrowed = lsp.nextDiagnostics(uri, (d) => enumError(d), 30_000);
      await setAcme(false);
      await narrowed;
      const widened = lsp.nextDiagnostics(uri, (d) => !enumError(d), 30_000);
      await setAcme(true);
      await widened;

      // Another context becomes current (unreachable): the bundled schema again, and the hover says why; then back.
      const elsewhere = lsp.nextDiagnostics(uri, (d) => enumError(d), 30_000);
      useContext('elsewhere');
      await elsewhere;
      const why = await lsp.hover(uri, { line: 1, character: 8 });
      assert.match((why!.contents as { value: string }).value, /Checked against Flux 2\.9 \(newest bundled; .*; not the cluster's: /);
      const back = lsp.nextDiagnostics(uri, (d) => !enumError(d), 30_000);
      useContext('flux-oci-test');
      await back;

      // The CRD goes away: its kind comes from the bundled release again (no acme), without a restart.
      const rejected = lsp.nextDiagnostics(uri, (d) => enumError(d), 30_000);
      const del = await cp.api('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${ociName}`);
      assert.ok(del.status === 200 || del.status === 202, JSON.stringify(del.body).slice(0, 300));
      await rejected;
      assert.deepEqual(await labelsNow(), ['aws', 'azure', 'gcp', 'generic']);
    } finally {
      await lsp.stop();
    }
  });
});
