// Flux objects inside a Flux Operator ResourceSet's spec.resources (issue 10, parts 1-2),
// as a person meets them in the editor through the real language server over stdio:
// validation with exact ranges, hover, completion and document symbols, like a top-level
// object; `<< inputs.x >>` templates are never judged, while a string that merely contains
// `<<` still is.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Diagnostic, DocumentSymbol, Hover } from 'vscode-languageserver-protocol';
import { LspClient, fileUri, repoRoot } from '../helpers/lspClient.ts';
import { realWorldCorpus } from '../helpers/corpus.ts';
import { at } from '../resolution/stories.ts';

const ERROR = 1;
const text = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : String(d.message));
const markdown = (h: Hover | null): string => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');

const d1FluxOperator = path.join(realWorldCorpus, 'controlplaneio-fluxcd__d1-fleet/clusters/prod-eu/flux-system/flux-operator.yaml');
const d2Tenants = ['apps.yaml', 'infra.yaml'].map((f) => path.join(realWorldCorpus, 'controlplaneio-fluxcd__d2-fleet/tenants', f));
const noCorpus = existsSync(d1FluxOperator) ? false : `skipped: ${realWorldCorpus} is absent (the corpus exists only in the flux-oci workplace)`;

// Written for this test: one embedded object with true mistakes beside templated values.
const tenants = [
  'apiVersion: fluxcd.controlplane.io/v1',
  'kind: ResourceSet',
  'metadata:',
  '  name: tenants',
  '  namespace: flux-system',
  'spec:',
  '  inputs:',
  '    - tenant: team-a',
  '      tag: "1.2.3"',
  '  resources:',
  '    - apiVersion: source.toolkit.fluxcd.io/v1',
  '      kind: OCIRepository',
  '      metadata:',
  '        name: << inputs.tenant >>-apps',
  '        namespace: << inputs.tenant >>',
  '      spec:',
  '        interval: 10x',
  '        url: oci://ghcr.io/example/<< inputs.tenant >>',
  '        ref:',
  '          semver: ">=1.0.0 <<2"',
  '    - apiVersion: kustomize.toolkit.fluxcd.io/v1',
  '      kind: Kustomization',
  '      metadata:',
  '        name: << inputs.tenant >>',
  '      spec:',
  '        interval: << inputs.interval | default "10m" >>',
  '        prune: true',
  '        sourceRef:',
  '          kind: OCIRepository',
  '          name: << inputs.tenant >>-apps',
  '',
].join('\n');

describe('Flux objects inside a ResourceSet', () => {
  let ws: string;
  let client: LspClient;
  let n = 0;

  before(async () => {
    ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-resourceset-'));
    client = await LspClient.start({ workspaceFolders: [ws] });
  });

  after(async () => {
    await client.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  async function open(body: string, name = `rs-${++n}.yaml`): Promise<{ uri: string; diags: Diagnostic[] }> {
    const uri = fileUri(path.join(ws, name));
    const pending = client.diagnostics(uri, 1);
    client.open(uri, body);
    return { uri, diags: await pending };
  }

  test('true mistakes of an embedded object are errors at their exact range; templated values are not judged', async () => {
    const { diags } = await open(tenants);
    const errors = diags.filter((d) => d.severity === ERROR);
    assert.deepEqual(
      errors.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.character]),
      [
        ['flux/duration-format', 16, 18, 21],
        ['flux/semver-invalid', 19, 18, 31],
      ],
      diags.map(text).join('\n'),
    );
    // Nothing about the `<< >>` names, namespace, url or interval: the operator decides those.
    assert.ok(!diags.some((d) => /<</.test(text(d)) && d.code !== 'flux/semver-invalid'), diags.map(text).join('\n'));
  });

  test('hover and completion inside an embedded object come from its own kind', async () => {
    const { uri } = await open(tenants);
    const h = await client.hover(uri, at(tenants, 'semver:'));
    assert.match(markdown(h), /OCIRepository\.spec\.ref\.semver/);
    const k = await client.hover(uri, at(tenants, 'prune:'));
    assert.match(markdown(k), /Kustomization\.spec\.prune/);

    // A new key under the OCIRepository's spec: OCIRepository fields, indented in place.
    const edited = tenants.replace('        interval: 10x\n', '        interval: 10x\n        lay\n');
    const version = client.replaceAll(uri, edited);
    await client.diagnostics(uri, version);
    const p = at(edited, '        lay', 11);
    const items = await client.completion(uri, p);
    assert.ok(
      items.some((i) => i.label === 'layerSelector'),
      items.map((i) => i.label).join(', '),
    );
    assert.ok(!items.some((i) => i.label === 'inputs'), 'ResourceSet fields are not offered inside an embedded object');
  });

  test('document symbols list the embedded objects under their ResourceSet', async () => {
    const { uri } = await open(tenants);
    const symbols = await client.documentSymbols(uri);
    assert.equal(symbols.length, 1);
    const rs = symbols[0] as DocumentSymbol;
    assert.equal(rs.name, 'ResourceSet/tenants');
    assert.deepEqual(
      rs.children?.map((c) => [c.name, c.range.start.line]),
      [
        ['OCIRepository/<< inputs.tenant >>-apps', 10],
        ['Kustomization/<< inputs.tenant >>', 20],
      ],
    );
  });

  test('real ResourceSets (xunholy/k8s-gitops, Apache-2.0) open with no false error', async () => {
    for (const f of ['preview-resourceset.yaml', 'flux-instance-resourceset.yaml']) {
      const body = readFileSync(path.join(repoRoot, 'test/fixtures/operator/xunholy-k8s-gitops', f), 'utf8');
      const { diags } = await open(body, f);
      assert.deepEqual(
        diags.filter((d) => d.severity === ERROR).map((d) => `${d.code}: ${text(d)}`),
        [],
        f,
      );
    }
  });

  test('a HelmRelease chartRef goes to the OCIRepository of the same ResourceSet, and back', async () => {
    const body = readFileSync(path.join(repoRoot, 'test/fixtures/operator/xunholy-k8s-gitops/flux-instance-resourceset.yaml'), 'utf8');
    const { uri } = await open(body, 'chartref.yaml');
    const lines = body.split('\n');
    const chartRefLine = lines.findIndex(
      (l, i) => l.includes('name: flux-instance') && lines[i - 1]?.includes('kind: OCIRepository') && lines[i - 2]?.includes('chartRef'),
    );
    assert.ok(chartRefLine > 0);
    const defs = await client.definition(uri, { line: chartRefLine, character: lines[chartRefLine]!.indexOf('flux-instance') + 1 });
    const ociNameLine = lines.findIndex(
      (l, i) => l.includes('name: flux-instance') && lines[i - 1]?.includes('metadata:') && lines[i - 2]?.includes('kind: OCIRepository'),
    );
    // (the same fixture is open under another name too: only this file's answers are looked at)
    const here = defs.filter((d) => ('targetUri' in d ? d.targetUri : d.uri) === uri);
    assert.deepEqual(
      here.map((d) => ('targetSelectionRange' in d ? d.targetSelectionRange.start.line : d.range.start.line)),
      [ociNameLine],
    );
    const refs = await client.references(uri, { line: ociNameLine, character: lines[ociNameLine]!.indexOf('flux-instance') + 1 });
    assert.deepEqual(
      refs.filter((r) => r.uri === uri).map((r) => r.range.start.line),
      [chartRefLine],
    );
  });

  test('a top-level semver range that merely contains << is still judged', async () => {
    const body = [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'metadata:',
      '  name: app',
      '  namespace: apps',
      'spec:',
      '  interval: 10m',
      '  url: oci://ghcr.io/org/app',
      '  ref:',
      '    semver: ">=1.0.0 <<2"',
      '',
    ].join('\n');
    const { diags } = await open(body);
    assert.deepEqual(
      diags.filter((d) => d.severity === ERROR).map((d) => [d.code, d.range.start.line]),
      [['flux/semver-invalid', 9]],
    );
  });

  test('the d1/d2 fleet ResourceSets open with no false error, and the embedded OCIRepository is documented on hover', { skip: noCorpus }, async () => {
    const body = readFileSync(d1FluxOperator, 'utf8');
    const { uri, diags } = await open(body, 'flux-operator.yaml');
    assert.deepEqual(diags.filter((d) => d.severity === ERROR).map(text), []);
    const h = await client.hover(uri, at(body, 'semver:'));
    assert.match(markdown(h), /OCIRepository\.spec\.ref\.semver/);
    for (const f of d2Tenants) {
      const { diags: d2 } = await open(readFileSync(f, 'utf8'), `d2-${path.basename(f)}`);
      assert.deepEqual(d2.filter((d) => d.severity === ERROR).map(text), [], f);
    }
  });
});
