/**
 * The editor's story without a cluster: the language server advertises the cluster commands
 * next to the artifact and live-resolution ones (one dispatcher, each command once), and a
 * cluster command with no kubeconfig answers with what to do instead of failing the request,
 * while the other features' commands still reach their own handlers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LspClient } from '../helpers/lspClient.ts';

const clusterCommandNames = [
  'flux-oci.reconcile',
  'flux-oci.suspend',
  'flux-oci.resume',
  'flux-oci.apply',
  'flux-oci.delete',
  'flux-oci.clusterTree',
  'flux-oci.events',
  'flux-oci.clusterObject',
];

test('cluster commands live on the server’s one executeCommand dispatcher', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'flux-oci-nokube-'));
  // The server inherits the environment, as from the editor: no kubeconfig anywhere.
  const saved = { KUBECONFIG: process.env['KUBECONFIG'], HOME: process.env['HOME'] };
  process.env['KUBECONFIG'] = path.join(home, 'missing-kubeconfig');
  const lsp = await LspClient.start();
  process.env['KUBECONFIG'] = saved.KUBECONFIG;
  if (saved.KUBECONFIG === undefined) delete process.env['KUBECONFIG'];
  try {
    const commands = lsp.capabilities.executeCommandProvider?.commands ?? [];
    for (const c of clusterCommandNames) assert.ok(commands.includes(c), `${c} is advertised (got ${commands.join(', ')})`);
    assert.ok(
      commands.some((c) => c.startsWith('flux-oci.artifact.')),
      'the artifact commands are advertised by the same list',
    );
    assert.equal(new Set(commands).size, commands.length, 'each command is advertised once');
    assert.ok(lsp.capabilities.codeLensProvider, 'the drift code lens is offered');

    const tree = (await lsp.connection.sendRequest('workspace/executeCommand', { command: 'flux-oci.clusterTree', arguments: [] })) as {
      ok: boolean;
      error: string;
    };
    assert.equal(tree.ok, false);
    assert.match(tree.error, /no kubeconfig found .*missing-kubeconfig.*set KUBECONFIG/);

    const reconcile = (await lsp.connection.sendRequest('workspace/executeCommand', {
      command: 'flux-oci.reconcile',
      arguments: [{ kind: 'OCIRepository', name: 'app' }],
    })) as { ok: boolean; error: string };
    assert.equal(reconcile.ok, false);
    assert.match(reconcile.error, /kubeconfig/);

    // Another feature's command is answered by its own handler, not swallowed by the cluster's.
    const defaults = await lsp.connection.sendRequest('workspace/executeCommand', { command: 'flux-oci.artifact.defaults', arguments: [{}] });
    assert.ok(defaults && typeof defaults === 'object', `artifact defaults answered (got ${JSON.stringify(defaults)})`);
    assert.ok(lsp.alive);
  } finally {
    await lsp.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
