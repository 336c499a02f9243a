// The language server as an editor sees it: spawned over stdio, driven with LSP requests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Location, LocationLink } from 'vscode-languageserver-protocol';
import { LspClient, cursor, fileUri, repoRoot } from '../helpers/lspClient.ts';

const fixtures = path.join(repoRoot, 'test/fixtures/lsp/workspace');

function labels(items: Array<{ label: string }>): string[] {
  return items.map((i) => i.label);
}

describe('flux-oci-language-server over stdio', () => {
  let ws: string;
  let client: LspClient;

  before(async () => {
    ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-lsp-'));
    cpSync(fixtures, ws, { recursive: true });
    client = await LspClient.start({ workspaceFolders: [ws] });
  });

  after(async () => {
    await client.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  test('advertises the features it implements', () => {
    const caps = client.capabilities;
    assert.ok(caps.completionProvider);
    assert.equal(caps.hoverProvider, true);
    assert.equal(caps.definitionProvider, true);
    assert.equal(caps.referencesProvider, true);
    assert.equal(caps.documentSymbolProvider, true);
    assert.ok(caps.codeActionProvider);
  });

  test('a YAML syntax error in one document leaves the others alone, and versions are echoed', async () => {
    const uri = fileUri(path.join(ws, 'scratch-syntax.yaml'));
    const text = [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'metadata:',
      '  name: ok',
      'spec:',
      '  interval: 5m',
      '  url: oci://ghcr.io/org/app',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'data: [unclosed',
    ].join('\n');
    const pending = client.diagnostics(uri, 1);
    client.open(uri, text);
    const diags = await pending;
    assert.ok(
      diags.some((d) => d.range.start.line >= 8 && d.severity === 1),
      'syntax error reported in the second document',
    );
    assert.ok(
      diags.every((d) => d.range.start.line >= 8 || d.severity !== 1),
      'no error in the first document',
    );
    const v2 = client.replaceAll(uri, text.replace('data: [unclosed', 'data: {}'));
    const after = await client.diagnostics(uri, v2);
    assert.ok(
      after.every((d) => d.severity !== 1),
      `no errors after the fix: ${JSON.stringify(after)}`,
    );
    client.close(uri);
  });

  test('completion offers OCIRepository spec keys, required ones first, with CRD docs', async () => {
    const uri = fileUri(path.join(ws, 'scratch-keys.yaml'));
    const { text, position } = cursor(
      ['apiVersion: source.toolkit.fluxcd.io/v1', 'kind: OCIRepository', 'metadata:', '  name: app', 'spec:', '  |'].join('\n'),
    );
    client.open(uri, text);
    const items = await client.completion(uri, position);
    const names = labels(items);
    for (const k of ['interval', 'url', 'ref', 'verify', 'layerSelector', 'secretRef', 'provider']) assert.ok(names.includes(k), `${k} offered`);
    const sorted = [...items].sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1)).map((i) => i.label);
    assert.deepEqual(sorted.slice(0, 2).sort(), ['interval', 'url'], 'required keys sort first');
    const ref = items.find((i) => i.label === 'ref')!;
    assert.match(ref.textEdit!.newText, /tag,semver,digest/);
    assert.equal(ref.insertTextFormat, 2);
    const url = items.find((i) => i.label === 'url')!;
    assert.equal(typeof url.documentation, 'object');
    assert.match((url.documentation as { value: string }).value, /oci:\/\//);
    client.close(uri);
  });

  test('completion skips keys already present and knows nested blocks', async () => {
    const uri = fileUri(path.join(ws, 'scratch-nested.yaml'));
    const { text, position } = cursor(
      [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: OCIRepository',
        'metadata:',
        '  name: app',
        'spec:',
        '  interval: 5m',
        '  ref:',
        '    tag: v1',
        '    |',
      ].join('\n'),
    );
    client.open(uri, text);
    const names = labels(await client.completion(uri, position));
    assert.ok(names.includes('semver') && names.includes('digest'), `ref keys: ${names}`);
    assert.ok(!names.includes('tag'), 'tag is already there');
    assert.ok(!names.includes('interval'), 'not the parent keys');
    client.close(uri);
  });

  test('completion offers enum and boolean values', async () => {
    const uri = fileUri(path.join(ws, 'scratch-values.yaml'));
    const base = ['apiVersion: source.toolkit.fluxcd.io/v1', 'kind: OCIRepository', 'metadata:', '  name: app', 'spec:'];
    const { text, position } = cursor([...base, '  provider: |', '  suspend: false'].join('\n'));
    client.open(uri, text);
    assert.deepEqual(labels(await client.completion(uri, position)).sort(), ['aws', 'azure', 'gcp', 'generic']);
    const suspend = await client.completion(uri, { line: position.line + 1, character: '  suspend: '.length });
    assert.deepEqual(labels(suspend).sort(), ['false', 'true']);
    // Triggered by typing the colon: the value must not be glued to it.
    const glued = cursor([...base, '  provider:|'].join('\n'));
    client.replaceAll(uri, glued.text);
    const items = await client.completion(uri, glued.position);
    assert.equal(items.find((i) => i.label === 'aws')?.textEdit?.newText, ' aws');
    client.close(uri);
  });

  test('completion in an empty document offers apiVersion/kind skeletons; kind values follow the apiVersion', async () => {
    const uri = fileUri(path.join(ws, 'scratch-empty.yaml'));
    client.open(uri, '');
    const items = await client.completion(uri, { line: 0, character: 0 });
    const oci = items.find((i) => i.label.startsWith('OCIRepository'));
    assert.ok(oci, `skeletons: ${labels(items).join(', ')}`);
    assert.match(oci.textEdit!.newText, /apiVersion: source\.toolkit\.fluxcd\.io\/v1\nkind: OCIRepository/);
    assert.match(oci.textEdit!.newText, /url:/, 'required spec fields are in the skeleton');
    const { text, position } = cursor('apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: |\n');
    client.replaceAll(uri, text);
    assert.deepEqual(labels(await client.completion(uri, position)), ['Kustomization']);
    client.close(uri);
  });

  test('completion of sourceRef.name, chartRef.name and dependsOn names comes from the workspace', async () => {
    const uri = fileUri(path.join(ws, 'scratch-refs.yaml'));
    const lines = [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: apps',
      '  namespace: flux-system',
      'spec:',
      '  interval: 10m',
      '  prune: true',
      '  sourceRef:',
      '    kind: OCIRepository',
      '    name: |',
      '  dependsOn:',
      '    - name: ',
    ];
    const { text, position } = cursor(lines.join('\n'));
    client.open(uri, text);
    const sources = labels(await client.completion(uri, position)).sort();
    assert.deepEqual(sources, ['podinfo', 'podinfo-chart']);
    const deps = labels(await client.completion(uri, { line: 12, character: '    - name: '.length })).sort();
    assert.deepEqual(deps, ['infra', 'podinfo'], 'Kustomizations only, never itself');
    client.close(uri);
  });

  test('documents of other kinds get nothing from us', async () => {
    const uri = fileUri(path.join(ws, 'scratch-other.yaml'));
    const { text, position } = cursor(['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  |'].join('\n'));
    const pending = client.diagnostics(uri, 1);
    client.open(uri, text);
    assert.deepEqual(await client.completion(uri, position), []);
    assert.equal(await client.hover(uri, { line: 4, character: 1 }), null);
    assert.deepEqual(await pending, []);
    client.close(uri);
  });

  test('hover shows the field documentation, type and allowed values', async () => {
    const uri = fileUri(path.join(ws, 'apps/podinfo.yaml'));
    const text = readFileSync(path.join(ws, 'apps/podinfo.yaml'), 'utf8');
    client.open(uri, text);
    const h = await client.hover(uri, { line: 7, character: 3 });
    assert.ok(h);
    const value = (h.contents as { value: string }).value;
    assert.match(value, /\*\*url\*\*: `string` \(required\)/);
    assert.match(value, /OCIRepository\.spec\.url/);
    const kind = await client.hover(uri, { line: 1, character: 8 });
    assert.match((kind!.contents as { value: string }).value, /OCIRepository/);
  });

  test('go to definition follows sourceRef, dependsOn and secretRef across files', async () => {
    const uri = fileUri(path.join(ws, 'apps/podinfo.yaml'));
    const target = (r: Location | LocationLink) =>
      'targetUri' in r ? { uri: r.targetUri, line: r.targetSelectionRange.start.line } : { uri: r.uri, line: r.range.start.line };
    const source = (await client.definition(uri, { line: 23, character: 11 })).map(target);
    assert.deepEqual(source, [{ uri, line: 3 }], 'sourceRef → the OCIRepository above');
    const dep = (await client.definition(uri, { line: 25, character: 14 })).map(target);
    assert.deepEqual(dep, [{ uri: fileUri(path.join(ws, 'infra/infra.yaml')), line: 3 }]);
    const secret = (await client.definition(uri, { line: 11, character: 11 })).map(target);
    assert.deepEqual(secret, [{ uri: fileUri(path.join(ws, 'infra/infra.yaml')), line: 15 }]);
  });

  test('find references from an object name lists every sourceRef to it', async () => {
    const uri = fileUri(path.join(ws, 'apps/podinfo.yaml'));
    const refs = await client.references(uri, { line: 3, character: 9 });
    const where = refs.map((r) => `${path.relative(ws, new URL(r.uri).pathname)}:${r.range.start.line}`).sort();
    assert.deepEqual(where, ['apps/podinfo.yaml:23', 'infra/infra.yaml:10']);
    const withDecl = await client.references(uri, { line: 23, character: 11 }, true);
    assert.equal(withDecl.length, 3);
  });

  test('document symbols: one per object, Kind/name', async () => {
    const uri = fileUri(path.join(ws, 'apps/podinfo.yaml'));
    const symbols = await client.documentSymbols(uri);
    assert.deepEqual(
      symbols.map((s) => s.name),
      ['OCIRepository/podinfo', 'Kustomization/podinfo', 'ConfigMap/settings'],
    );
    assert.equal(symbols[1]!.selectionRange.start.line, 16);
  });

  test('a reference naming nothing in the workspace is information, not an error', async () => {
    const uri = fileUri(path.join(ws, 'scratch-unresolved.yaml'));
    const text = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: web',
      '  namespace: flux-system',
      'spec:',
      '  interval: 10m',
      '  chartRef:',
      '    kind: OCIRepository',
      '    name: nowhere',
    ].join('\n');
    const pending = client.diagnostics(uri, 1);
    client.open(uri, text);
    const diags = await pending;
    const info = diags.find((d) => d.code === 'flux/unresolved-reference');
    assert.ok(info, JSON.stringify(diags));
    assert.equal(info.severity, 3);
    assert.match(String(info.message), /OCIRepository 'nowhere'.*not found in the workspace; it may exist only in the cluster/);
    assert.deepEqual(info.range.start, { line: 9, character: 10 });
    // Declaring it elsewhere resolves the reference.
    const other = fileUri(path.join(ws, 'scratch-nowhere.yaml'));
    const resolved = client.nextDiagnostics(uri, (d) => !d.some((x) => x.code === 'flux/unresolved-reference'));
    client.open(
      other,
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: nowhere\nspec:\n  interval: 1m\n  url: oci://r.example/x\n',
    );
    await resolved;
    client.close(other);
    client.close(uri);
  });

  test('files created on disk are indexed from file-watcher events', async () => {
    const file = path.join(ws, 'apps/late.yaml');
    writeFileSync(
      file,
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\nmetadata:\n  name: late-bucket\nspec:\n  interval: 1m\n  bucketName: b\n  endpoint: s3.example\n',
    );
    client.notifyWatchedFiles([{ uri: fileUri(file), type: 1 }]);
    const uri = fileUri(path.join(ws, 'scratch-watch.yaml'));
    const { text, position } = cursor(
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: x\nspec:\n  sourceRef:\n    kind: Bucket\n    name: |\n',
    );
    client.open(uri, text);
    let names: string[] = [];
    for (let i = 0; i < 50 && !names.includes('late-bucket'); i++) {
      names = labels(await client.completion(uri, position));
      if (!names.includes('late-bucket')) await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(names, ['late-bucket']);
    client.close(uri);
  });

  test('code actions are offered only for diagnostics we published', async () => {
    const uri = fileUri(path.join(ws, 'apps/podinfo.yaml'));
    const foreign = {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      message: 'from another tool',
      code: 'x',
      severity: 2 as const,
    };
    assert.deepEqual(await client.codeActions(uri, foreign.range, [foreign]), []);
  });

  test('the server is still alive and logged no crash', () => {
    assert.equal(client.alive, true);
    assert.ok(!client.stderr.join('').includes('Error'), client.stderr.join(''));
  });
});
