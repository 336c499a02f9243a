// The crash of issue 22: a fleet file whose OCIRepositories point at registries that refuse,
// drop or never answer, and the user refreshes resolution or changes a setting while the
// lookups are queued. The server must live, settle every lookup, log no unhandled rejection,
// and still resolve against a healthy registry afterwards (no slot of the limiter leaked).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { startDeadRegistries, type DeadRegistries } from '../peers/deadRegistries.ts';
import { LspClient } from '../helpers/lspClient.ts';
import { at, eventually, ociRepository, seed } from './stories.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
let healthy: StartedRegistry;
let dead: DeadRegistries;
let digest = '';

before(async () => {
  if (skip) return;
  healthy = await startRegistry();
  digest = (await seed(healthy.host, 'team/app', ['v1.0.0'])).digests['v1.0.0']!;
  dead = await startDeadRegistries();
});
after(async () => {
  await dead?.stop();
  await healthy?.stop();
});

/** 40 OCIRepositories spread over the three dead registries, each a different repository. */
function fleet(): string {
  const hosts = [dead.refusing, dead.dropping, dead.stalling];
  return Array.from({ length: 40 }, (_, i) =>
    ociRepository(`oci://${hosts[i % 3]}/fleet/app-${i}`, { tag: `v1.${i}.0` }).replace('name: app', `name: app-${i}`),
  ).join('---\n');
}

const unhandled = (lsp: LspClient) => lsp.logs.filter((l) => l.includes('flux-oci: unhandled'));
const assertAlive = (lsp: LspClient) => assert.ok(lsp.alive, `the server exited with ${lsp.exitCode}: ${lsp.stderr.join('').slice(0, 2000)}`);
/** A request to a server that died rejects; the test then reports why it died. */
const command = (lsp: LspClient, id: string) => lsp.executeCommand(id).catch(() => assertAlive(lsp));

test('refreshing and changing settings while 40 lookups are queued neither kills nor jams the server', { skip }, async () => {
  const lsp = await LspClient.start({ configuration: true, env: { FLUX_OCI_REGISTRY_TIMEOUT_MS: '3000' } });
  try {
    // As Neovim does: a configuration change right after initialized, before anything resolved.
    lsp.setSettings({});
    const uri = 'file:///work/fleet.yaml';
    lsp.open(uri, fleet());
    await lsp.diagnostics(uri);
    for (let i = 0; i < 6; i++) {
      await command(lsp, 'flux-oci.refreshResolution');
      lsp.setSettings(i % 2 ? { registry: { offline: false } } : { diagnosticsDelay: 20 + i });
      await new Promise((r) => setTimeout(r, 150));
    }
    assertAlive(lsp);
    lsp.setSettings({ registry: { offline: true } });
    lsp.setSettings({ registry: { offline: false } });
    await command(lsp, 'flux-oci.refreshResolution');

    // Still serving, and the limiter still has its slots: a healthy registry resolves.
    const text = ociRepository(`oci://${healthy.host}/team/app`, { tag: 'v1.0.0' });
    const healthyUri = 'file:///work/healthy.yaml';
    lsp.open(healthyUri, text);
    const shown = await eventually(
      async () => {
        const h: Hover | null = await lsp.hover(healthyUri, at(text, 'tag:', 6));
        const md = h ? (h.contents as MarkupContent).value : '';
        return md.includes(digest.slice(7, 19)) ? md : undefined;
      },
      'the healthy registry to resolve after the refreshes',
      20_000,
    );
    assert.match(shown, /v1\.0\.0/);
    assert.ok(lsp.alive, `server exited with ${lsp.exitCode}: ${lsp.stderr.join('')}`);
    assert.deepEqual(unhandled(lsp), []);
  } finally {
    await lsp.stop();
  }
});

test('the process guard is a safety net: a leaked rejection is logged and the server keeps serving', async () => {
  const lsp = await LspClient.start({ env: { FLUX_OCI_TEST_HOOKS: '1' } });
  try {
    await lsp.connection.sendRequest('flux-oci/test/leakRejection');
    await eventually(async () => (unhandled(lsp).length ? true : undefined), 'the guard to log the leaked rejection', 5_000);
    assert.match(unhandled(lsp)[0]!, /left unhandled on purpose/);
    const uri = 'file:///work/after-leak.yaml';
    lsp.open(uri, 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: x\nspec:\n  interval: 5m\n  url: https://nope\n');
    const diags = await lsp.diagnostics(uri);
    assert.ok(diags.length > 0, 'still validates after the leak');
    assert.ok(lsp.alive);
  } finally {
    await lsp.stop();
  }
});
