// The editor checks each workspace folder against its own Flux (issue 11): the CRDs of
// flux-system/gotk-components.yaml, the flux-oci.fluxVersion setting, else the newest;
// the hover says which, and the answer follows files and settings without a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { LspClient, fileUri, repoRoot } from '../helpers/lspClient.ts';
import { fluxCrdsYaml } from '../helpers/fluxCrds.ts';

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

const codes = (d: Diagnostic[]) => d.map((x) => String(x.code));
const text = (m: Diagnostic['message']) => (typeof m === 'string' ? m : m.value);
const hoverText = async (client: LspClient, uri: string, line: number, character: number) => {
  const h = await client.hover(uri, { line, character });
  return (h?.contents as { value: string } | undefined)?.value ?? '';
};

describe('Flux version per workspace folder', () => {
  let old: string;
  let plain: string;
  let client: LspClient;

  before(async () => {
    old = mkdtempSync(path.join(tmpdir(), 'flux-oci-v27-'));
    plain = mkdtempSync(path.join(tmpdir(), 'flux-oci-plain-'));
    mkdirSync(path.join(old, 'flux-system'));
    writeFileSync(path.join(old, 'flux-system/gotk-components.yaml'), fluxCrdsYaml('2.7'));
    writeFileSync(path.join(old, 'hr.yaml'), betaRelease);
    writeFileSync(path.join(plain, 'hr.yaml'), betaRelease);
    client = await LspClient.start({ workspaceFolders: [old, plain], configuration: true, settings: {} });
  });

  after(async () => {
    await client.stop();
    rmSync(old, { recursive: true, force: true });
    rmSync(plain, { recursive: true, force: true });
  });

  test('a folder with Flux 2.7 CRDs serves v2beta2 (deprecated); a folder without is checked against the newest, as before', async () => {
    const oldUri = fileUri(path.join(old, 'hr.yaml'));
    const plainUri = fileUri(path.join(plain, 'hr.yaml'));
    const deprecated = client.nextDiagnostics(oldUri, (d) => codes(d).includes('schema/api-version-deprecated'));
    const removed = client.nextDiagnostics(plainUri, (d) => codes(d).includes('schema/api-version-not-served'));
    client.open(oldUri, betaRelease);
    client.open(plainUri, betaRelease);
    const d27 = await deprecated;
    assert.equal(d27.find((d) => d.code === 'schema/api-version-deprecated')!.severity, 2);
    assert.ok(!codes(d27).includes('schema/api-version-not-served'), JSON.stringify(d27));
    const d29 = await removed;
    assert.match(text(d29.find((d) => d.code === 'schema/api-version-not-served')!.message), /not served by Flux 2\.9/);
    assert.match(await hoverText(client, oldUri, 1, 8), /Checked against Flux 2\.7 \(from flux-system\/gotk-components\.yaml\)/);
    assert.match(await hoverText(client, plainUri, 1, 8), /Checked against Flux 2\.9 \(newest bundled/);
  });

  test('flux-oci.fluxVersion overrides the detection; clearing it and deleting the CRDs goes back to the newest', async () => {
    const oldUri = fileUri(path.join(old, 'hr.yaml'));
    const removed28 = client.nextDiagnostics(oldUri, (d) => d.some((x) => x.code === 'schema/api-version-not-served' && /Flux 2\.8/.test(text(x.message))));
    client.setSettings({ fluxVersion: '2.8' });
    await removed28;
    assert.match(await hoverText(client, oldUri, 1, 8), /Checked against Flux 2\.8 \(flux-oci\.fluxVersion\)/);
    const back27 = client.nextDiagnostics(oldUri, (d) => codes(d).includes('schema/api-version-deprecated'));
    client.setSettings({ fluxVersion: '' });
    await back27;
    rmSync(path.join(old, 'flux-system/gotk-components.yaml'));
    const removed29 = client.nextDiagnostics(oldUri, (d) => d.some((x) => x.code === 'schema/api-version-not-served' && /Flux 2\.9/.test(text(x.message))));
    client.notifyWatchedFiles([{ uri: fileUri(path.join(old, 'flux-system/gotk-components.yaml')), type: 3 }]);
    await removed29;
  });

  test('a removed apiVersion offers "Migrate to …", which moves the fields that changed with it', async () => {
    const uri = fileUri(path.join(plain, 'ks.yaml'));
    const text = [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1beta2',
      'kind: Kustomization',
      'metadata:',
      '  name: apps',
      'spec:',
      '  interval: 10m',
      '  path: ./apps',
      '  prune: true',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: flux-system',
      '  # keep me',
      '  patchesStrategicMerge:',
      '    - apiVersion: v1',
      '      kind: ConfigMap',
      '      metadata:',
      '        name: x',
      '',
    ].join('\n');
    const pending = client.nextDiagnostics(uri, (d) => codes(d).includes('schema/api-version-not-served'));
    client.open(uri, text);
    const diag = (await pending).find((d) => d.code === 'schema/api-version-not-served')!;
    const actions = await client.codeActions(uri, diag.range, [diag]);
    const titles = actions.map((a) => a.title);
    assert.equal(titles[0], 'Change apiVersion to kustomize.toolkit.fluxcd.io/v1');
    const migrate = actions.find((a) => a.title.startsWith('Migrate to kustomize.toolkit.fluxcd.io/v1 (spec.patchesStrategicMerge → spec.patches'));
    assert.ok(migrate, titles.join(' | '));
    const edit = migrate.edit!.changes![uri]![0]!;
    assert.deepEqual(edit.range.start, { line: 0, character: 0 });
    assert.match(edit.newText, /^apiVersion: kustomize\.toolkit\.fluxcd\.io\/v1\n/);
    assert.match(edit.newText, /  # keep me\n  patches:\n    - patch: \|\n        apiVersion: v1\n        kind: ConfigMap\n/);
  });

  test('"Migrate the whole file" rewrites every object of the file in one edit, as flux-oci migrate does', async () => {
    const text = readFileSync(path.join(repoRoot, 'test/fixtures/migrate/old-apis.yaml'), 'utf8');
    const uri = fileUri(path.join(plain, 'old-apis.yaml'));
    const pending = client.nextDiagnostics(uri, (d) => codes(d).filter((c) => c === 'schema/api-version-not-served').length === 5);
    client.open(uri, text);
    const diag = (await pending).find((d) => d.code === 'schema/api-version-not-served')!;
    const actions = await client.codeActions(uri, diag.range, [diag]);
    const whole = actions.find((a) => a.title === 'Migrate the whole file to current Flux APIs (5 objects)');
    assert.ok(whole, actions.map((a) => a.title).join(' | '));
    const edit = whole.edit!.changes![uri]![0]!;
    const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-migrate-lsp-'));
    try {
      writeFileSync(path.join(dir, 'old-apis.yaml'), text);
      const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'migrate', '.'], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(edit.newText, readFileSync(path.join(dir, 'old-apis.yaml'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
