// Flux Operator's kinds in an Alert or a Receiver (issue 10, part 4), as a person meets
// them in the editor: the real language server over stdio. The operator adds FluxInstance,
// ResourceSet and ResourceSetInputProvider to the notification CRDs' enum, so they are never
// an error; without the operator in the workspace an information note says they need it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { LspClient, fileUri } from '../helpers/lspClient.ts';
import { fluxInstanceYaml } from './fluxInstance.ts';

const ERROR = 1;
const INFO = 3;

// Modelled on the alerts of public home-lab repositories (e.g. tyriis/home-ops, Unlicense).
const alert = [
  'apiVersion: notification.toolkit.fluxcd.io/v1beta3',
  'kind: Alert',
  'metadata:',
  '  name: alertmanager',
  '  namespace: flux-system',
  'spec:',
  '  providerRef:',
  '    name: alertmanager',
  '  eventSeverity: error',
  '  eventSources:',
  '    - kind: FluxInstance',
  '      name: "*"',
  '    - kind: Kustomization',
  '      name: "*"',
  '',
].join('\n');

const receiver = [
  'apiVersion: notification.toolkit.fluxcd.io/v1',
  'kind: Receiver',
  'metadata:',
  '  name: github',
  '  namespace: flux-system',
  'spec:',
  '  type: github',
  '  secretRef:',
  '    name: webhook-token',
  '  resources:',
  '    - kind: ResourceSetInputProvider',
  '      name: pull-requests',
  '',
].join('\n');

const fluxInstance = fluxInstanceYaml();

describe('Flux Operator kinds in Alert eventSources / Receiver resources', () => {
  let ws: string;
  let client: LspClient;

  before(async () => {
    ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-operator-kinds-'));
    client = await LspClient.start({ workspaceFolders: [ws] });
  });

  after(async () => {
    await client.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  const text = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : String(d.message));

  test('without the operator in the workspace: an information note on the kind, never an error; once a FluxInstance appears, silence', async () => {
    const alertUri = fileUri(path.join(ws, 'alert.yaml'));
    const receiverUri = fileUri(path.join(ws, 'receiver.yaml'));
    let pending = client.diagnostics(alertUri, 1);
    client.open(alertUri, alert);
    const diags = await pending;
    assert.deepEqual(diags.filter((d) => d.severity === ERROR).map(text), []);
    const note = diags.filter((d) => d.code === 'flux/needs-flux-operator');
    assert.equal(note.length, 1, diags.map(text).join('\n'));
    assert.equal(note[0]!.severity, INFO);
    assert.deepEqual(note[0]!.range, { start: { line: 10, character: 12 }, end: { line: 10, character: 24 } });
    assert.match(text(note[0]!), /FluxInstance .*Flux Operator/);

    pending = client.diagnostics(receiverUri, 1);
    client.open(receiverUri, receiver);
    const rdiags = await pending;
    assert.deepEqual(rdiags.filter((d) => d.severity === ERROR).map(text), []);
    assert.equal(rdiags.filter((d) => d.code === 'flux/needs-flux-operator').length, 1);

    // The cluster's config gains a FluxInstance: the note goes, still no error.
    const instancePath = path.join(ws, 'flux-instance.yaml');
    writeFileSync(instancePath, fluxInstance);
    const quiet = client.nextDiagnostics(alertUri, (d) => !d.some((x) => x.code === 'flux/needs-flux-operator'));
    client.notifyWatchedFiles([{ uri: fileUri(instancePath), type: 1 }]);
    const after = await quiet;
    assert.deepEqual(after.filter((d) => d.severity === ERROR).map(text), []);
  });

  test('a misspelt kind is still an error (only the operator kinds are let through)', async () => {
    const uri = fileUri(path.join(ws, 'typo.yaml'));
    const pending = client.diagnostics(uri, 1);
    client.open(uri, alert.replace('kind: Kustomization', 'kind: Kustomisation'));
    const diags = await pending;
    const errors = diags.filter((d) => d.severity === ERROR);
    assert.equal(errors.length, 1, diags.map(text).join('\n'));
    assert.equal(errors[0]!.code, 'schema/enum');
    assert.equal(errors[0]!.range.start.line, 12);
  });
});
