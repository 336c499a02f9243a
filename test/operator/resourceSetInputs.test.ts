// A ResourceSet's objects as the operator renders them with each literal input set (issue 10):
// an error only a rendering shows (a value from the inputs, a CEL rule over the whole object)
// is reported on the template, naming the input sets that have it; what no literal input set
// decides stays unjudged. The real language server over stdio; the real API server's agreement
// is in test/cluster/operatorAgreement.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { LspClient, fileUri } from '../helpers/lspClient.ts';

const ERROR = 1;
const text = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : String(d.message));

const apps = [
  'apiVersion: fluxcd.controlplane.io/v1',
  'kind: ResourceSet',
  'metadata:',
  '  name: apps',
  '  namespace: flux-system',
  'spec:',
  '  inputs:',
  '    - app: frontend',
  '      interval: 5m',
  '    - app: backend',
  '      interval: 5 minutes',
  '  resources:',
  '    - apiVersion: kustomize.toolkit.fluxcd.io/v1',
  '      kind: Kustomization',
  '      metadata:',
  '        name: << inputs.app >>',
  '      spec:',
  '        interval: << inputs.interval >>',
  '        prune: true',
  '        sourceRef:',
  '          kind: OCIRepository',
  '          name: << inputs.app >>',
  '    - apiVersion: helm.toolkit.fluxcd.io/v2',
  '      kind: HelmRelease',
  '      metadata:',
  '        name: << inputs.app >>',
  '      spec:',
  '        interval: 10m',
  '    - apiVersion: helm.toolkit.fluxcd.io/v2',
  '      kind: HelmRelease',
  '      metadata:',
  '        name: << inputs.app | upper >>',
  '      spec:',
  '        interval: 10m',
  '',
].join('\n');

describe('ResourceSet objects rendered with their literal inputs', () => {
  let ws: string;
  let client: LspClient;

  before(async () => {
    ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-resourceset-inputs-'));
    client = await LspClient.start({ workspaceFolders: [ws] });
  });

  after(async () => {
    await client.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  test('a bad value from one input set is an error on its template, naming that set; a CEL rule is checked on each rendering', async () => {
    const uri = fileUri(path.join(ws, 'apps.yaml'));
    const pending = client.diagnostics(uri, 1);
    client.open(uri, apps);
    const errors = (await pending).filter((d) => d.severity === ERROR);
    const lines = apps.split('\n');
    const template = lines[17]!.indexOf('<< inputs.interval >>');
    assert.deepEqual(
      errors.map((d) => [d.range.start.line, text(d).replace(/: .*/s, '')]),
      [
        [17, 'With inputs[1] (app'],
        [26, 'With inputs[0] (app'],
      ],
      errors.map(text).join('\n'),
    );
    const [interval, cel] = errors as [Diagnostic, Diagnostic];
    // On the `<< inputs.interval >>` action, which is what the person edits (or the input).
    assert.deepEqual(interval.range, { start: { line: 17, character: template }, end: { line: 17, character: template + '<< inputs.interval >>'.length } });
    assert.match(text(interval), /^With inputs\[1\] \(app: backend, interval: 5 minutes\): spec\.interval '5 minutes' is not a duration/);
    assert.equal(interval.code, 'flux/duration-format');
    // The rule holds for every rendering: one diagnostic names both sets. The third object
    // keeps a pipeline (`| upper`) no literal input evaluates: not rendered, not judged.
    assert.match(text(cel), /^With inputs\[0\] \(app: frontend\), inputs\[1\] \(app: backend\): .*either chart or chartRef must be set/);
  });
});
