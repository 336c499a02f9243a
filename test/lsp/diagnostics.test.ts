// Diagnostics and quick fixes as an editor receives them from the server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LspClient, fileUri } from '../helpers/lspClient.ts';

/** Applies non-overlapping single-line edits (what our fixes produce for these cases) to a text. */
function applyEdits(
  text: string,
  edits: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }>,
): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

describe('diagnostics and code actions', () => {
  let ws: string;
  let client: LspClient;

  before(async () => {
    ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-lsp-diag-'));
    mkdirSync(path.join(ws, 'overlay'));
    writeFileSync(
      path.join(ws, 'overlay/kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\npatches:\n  - path: podinfo-patch.yaml\n',
    );
    const patch = 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: podinfo\nspec:\n  interval: 1m\n';
    writeFileSync(path.join(ws, 'overlay/podinfo-patch.yaml'), patch);
    client = await LspClient.start({ workspaceFolders: [ws] });
  });

  after(async () => {
    await client.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  test('schema errors come with exact ranges, codes and the flux-oci source', async () => {
    const uri = fileUri(path.join(ws, 'bad.yaml'));
    const text = [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'metadata:',
      '  name: app',
      'spec:',
      '  interval: 5m',
      '  url: oci://ghcr.io/org/app',
      '  provider: docker',
    ].join('\n');
    const pending = client.diagnostics(uri, 1);
    client.open(uri, text);
    const diags = await pending;
    const e = diags.find((d) => d.range.start.line === 7);
    assert.ok(e, JSON.stringify(diags));
    assert.equal(e.severity, 1);
    assert.equal(e.source, 'flux-oci');
    assert.equal(e.range.start.character, '  provider: '.length);
    client.close(uri);
  });

  test('a lint with a fix becomes a preferred quick fix that yields the corrected YAML', async () => {
    const uri = fileUri(path.join(ws, 'tagged.yaml'));
    const text = [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'metadata:',
      '  name: app',
      '  namespace: apps',
      'spec:',
      '  interval: 5m',
      '  url: oci://ghcr.io/org/app:1.2.3',
      '',
    ].join('\n');
    const pending = client.diagnostics(uri, 1);
    client.open(uri, text);
    const diags = await pending;
    const lint = diags.find((d) => d.code === 'flux/ocirepository-url-tag');
    assert.ok(lint, JSON.stringify(diags));
    const actions = await client.codeActions(uri, lint.range, [lint]);
    assert.equal(actions.length >= 1, true);
    const fix = actions[0]!;
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    assert.deepEqual(fix.diagnostics, [lint]);
    const edits = fix.edit!.changes![uri]!;
    const fixed = applyEdits(text, edits);
    assert.match(fixed, /url: oci:\/\/ghcr\.io\/org\/app\n/);
    assert.match(fixed, /ref:\n\s+tag: "?1\.2\.3"?/);
    // Applying it clears the lint.
    const v = client.replaceAll(uri, fixed);
    const after = await client.diagnostics(uri, v);
    assert.ok(!after.some((d) => d.code === 'flux/ocirepository-url-tag'), JSON.stringify(after));
    client.close(uri);
  });

  test('a file listed under patches of a kustomization.yaml is not held to required fields', async () => {
    const uri = fileUri(path.join(ws, 'overlay/podinfo-patch.yaml'));
    const pending = client.diagnostics(uri, 1);
    client.open(uri, 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: podinfo\nspec:\n  interval: 1m\n');
    const diags = await pending;
    assert.deepEqual(
      diags.filter((d) => d.severity === 1),
      [],
      'no error: url is set by the base',
    );
    // The same text elsewhere is a full object and misses spec.url.
    const other = fileUri(path.join(ws, 'full.yaml'));
    const p2 = client.diagnostics(other, 1);
    client.open(other, 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: podinfo\nspec:\n  interval: 1m\n');
    const full = await p2;
    assert.ok(
      full.some((d) => d.severity === 1 && /url/.test(String(d.message))),
      JSON.stringify(full),
    );
    client.close(uri);
    client.close(other);
  });

  test('turning validation off in the settings publishes nothing', async () => {
    const quiet = await LspClient.start({ settings: { validation: { enable: false } } });
    try {
      const uri = 'untitled:quiet.yaml';
      const pending = quiet.diagnostics(uri, 1);
      quiet.open(uri, 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: x\nspec:\n  interval: 5m\n  provider: nope\n');
      assert.deepEqual(await pending, []);
    } finally {
      await quiet.stop();
    }
  });
});
