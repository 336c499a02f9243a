// FluxInstance and ResourceSet checked against their own CRDs (issue 10, part 3b): Flux
// Operator is AGPL-3.0, so flux-oci ships no schema of its kinds; when the operator's CRDs are
// in the workspace (a vendored copy, a chart's crds/), they become the schemas of their kinds,
// beside Flux's. The CRDs here are a small stand-in written for the tests from the operator's
// public docs (test/fixtures/operator/crds). Driven through the real server over stdio.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { LspClient, cursor, fileUri, repoRoot } from '../helpers/lspClient.ts';
import { fluxInstanceYaml } from './fluxInstance.ts';

export const operatorCrds = path.join(repoRoot, 'test/fixtures/operator/crds/flux-operator-crds.yaml');

const instance = `${fluxInstanceYaml({ sync: { kind: 'OCIRepo', url: 'oci://ghcr.io/org/fleet', ref: 'latest' } })}    pathh: typo\n`;

const resourceSet = `apiVersion: fluxcd.controlplane.io/v1
kind: ResourceSet
metadata:
  name: apps
  namespace: flux-system
spec:
  wiat: true
  inputs:
    - tenant: team-a
  resources:
    - apiVersion: v1
      kind: Namespace
      metadata:
        name: << inputs.tenant >>
`;

const text = (m: Diagnostic['message']) => (typeof m === 'string' ? m : m.value);
const errors = (d: Diagnostic[]) => d.filter((x) => x.severity === 1).map((x) => `${x.range.start.line + 1}: ${text(x.message)}`);

describe('FluxInstance and ResourceSet against CRDs found in the workspace', () => {
  let withCrds: string;
  let without: string;
  let lsp: LspClient;

  before(async () => {
    withCrds = mkdtempSync(path.join(tmpdir(), 'flux-oci-operator-crds-'));
    without = mkdtempSync(path.join(tmpdir(), 'flux-oci-operator-none-'));
    mkdirSync(path.join(withCrds, 'crds'));
    copyFileSync(operatorCrds, path.join(withCrds, 'crds/flux-operator.yaml'));
    for (const dir of [withCrds, without]) {
      writeFileSync(path.join(dir, 'instance.yaml'), instance);
      writeFileSync(path.join(dir, 'apps.yaml'), resourceSet);
    }
    lsp = await LspClient.start({ workspaceFolders: [withCrds, without], configuration: true, settings: {} });
  });

  after(async () => {
    await lsp?.stop();
    for (const d of [withCrds, without]) if (d) rmSync(d, { recursive: true, force: true });
  });

  test('a FluxInstance is validated against the CRD of its folder: a wrong sync kind and a misspelt field are errors', async () => {
    const uri = fileUri(path.join(withCrds, 'instance.yaml'));
    const got = lsp.nextDiagnostics(uri, (d) => errors(d).length >= 2, 20_000);
    lsp.open(uri, instance);
    const e = errors(await got);
    assert.ok(
      e.some((x) => /^11: .*OCIRepo.*/.test(x) && /GitRepository, OCIRepository, Bucket|GitRepository/.test(x)),
      e.join('\n'),
    );
    assert.ok(
      e.some((x) => /^15: .*pathh/.test(x) && /path/.test(x)),
      e.join('\n'),
    );
    const hover = await lsp.hover(uri, { line: 10, character: 5 });
    assert.match((hover!.contents as { value: string }).value, /Kind of the source to generate/);
    assert.match((hover!.contents as { value: string }).value, /FluxInstance, ResourceSet from crds\/flux-operator\.yaml/);
  });

  test('completion offers the sync fields the CRD declares, and the enum of sync.kind', async () => {
    const uri = fileUri(path.join(withCrds, 'instance.yaml'));
    const { text: keyText, position: keyAt } = cursor(instance.replace('    pathh: typo\n', '    |\n'));
    lsp.replaceAll(uri, keyText);
    const keys = (await lsp.completion(uri, keyAt)).map((i) => i.label).sort();
    assert.deepEqual(keys, ['interval', 'name', 'provider', 'pullSecret']);
    const { text: valueText, position: valueAt } = cursor(instance.replace('kind: OCIRepo', 'kind: |'));
    lsp.replaceAll(uri, valueText);
    const values = (await lsp.completion(uri, valueAt)).map((i) => i.label).sort();
    assert.deepEqual(values, ['Bucket', 'GitRepository', 'OCIRepository']);
  });

  test('a ResourceSet is validated too; its templated resources are left to the operator', async () => {
    const uri = fileUri(path.join(withCrds, 'apps.yaml'));
    const got = lsp.nextDiagnostics(uri, (d) => errors(d).length >= 1, 20_000);
    lsp.open(uri, resourceSet);
    const e = errors(await got);
    assert.equal(e.length, 1, e.join('\n'));
    assert.match(e[0]!, /^7: .*wiat/);
  });

  test('a folder without the CRDs judges neither kind (no schema, no false error)', async () => {
    for (const [file, body] of [
      ['instance.yaml', instance],
      ['apps.yaml', resourceSet],
    ] as const) {
      const uri = fileUri(path.join(without, file));
      lsp.open(uri, body);
      assert.deepEqual(errors(await lsp.diagnostics(uri, 1)), []);
    }
  });

  test('flux-oci check reads the CRDs among the files it checks', () => {
    const run = (...files: string[]) =>
      spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'check', ...files], { cwd: withCrds, encoding: 'utf8' });
    const judged = run('crds/flux-operator.yaml', 'instance.yaml');
    assert.equal(judged.status, 1, judged.stdout + judged.stderr);
    assert.match(judged.stdout, /instance\.yaml:11:11: error: .*OCIRepo/);
    assert.match(judged.stdout, /instance\.yaml:15:5: error: .*pathh/);
    const alone = run('instance.yaml');
    assert.equal(alone.status, 0, alone.stdout + alone.stderr);
  });
});
