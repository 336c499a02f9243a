// A large repository opened in the editor: while the server is still reading it, a reference to an
// object it has not reached yet must not be called "not found in the workspace" (issue 18, part 4).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LspClient, fileUri } from '../helpers/lspClient.ts';
import { tempTree } from '../helpers/tempTree.ts';

/** The Kustomization an editor opens: its source is the OCIRepository `source`, and it depends on one that exists nowhere. */
const appsKustomization = (source: string): string =>
  [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    '  name: apps',
    '  namespace: flux-system',
    'spec:',
    '  interval: 10m',
    '  path: ./apps',
    '  prune: true',
    '  sourceRef:',
    '    kind: OCIRepository',
    `    name: ${source}`,
    '  dependsOn:',
    '    - name: nowhere',
    '',
  ].join('\n');

/** The "not found in the workspace" notes among a file's diagnostics. */
const notes = (d: Array<{ code?: string | number; message: unknown }>): string[] =>
  d.filter((x) => x.code === 'flux/unresolved-reference').map((x) => String(x.message));

const files = 1200;
let ws: string;
let client: LspClient;

before(() => {
  ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-indexing-'));
  // Many small files first (walked in sorted order), the referenced OCIRepository last.
  for (let i = 0; i < files; i++) {
    const dir = path.join(ws, 'apps', `app-${String(i).padStart(4, '0')}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'source.yaml'),
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app-${i}\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: oci://ghcr.io/acme/app-${i}\n  ref:\n    tag: latest\n`,
    );
  }
  mkdirSync(path.join(ws, 'zz'));
  writeFileSync(
    path.join(ws, 'zz', 'late.yaml'),
    'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: late\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: oci://ghcr.io/acme/late\n  ref:\n    tag: latest\n',
  );
});

after(async () => {
  await client?.stop();
  rmSync(ws, { recursive: true, force: true });
});

test('"not found in the workspace" waits for the workspace index, then names only what is missing', async () => {
  client = await LspClient.start({ workspaceFolders: [ws], settings: { registry: { offline: true } } });
  // Opened at once, as an editor restoring its tabs does: the index has not reached zz/late.yaml yet.
  const uri = fileUri(path.join(ws, 'clusters', 'sync.yaml'));
  const complete = client.nextDiagnostics(uri, (d) => notes(d).length > 0, 60_000);
  client.open(uri, appsKustomization('late'));
  const final = notes(await complete);
  assert.equal(final.length, 1, final.join('\n'));
  assert.match(final[0]!, /Kustomization 'nowhere' in namespace 'flux-system' not found in the workspace/);
  assert.ok(
    client.logs.some((l) => /^indexed \d+ YAML files/.test(l)),
    'the notes came after the index was complete',
  );
  // No publish, before or after, called the OCIRepository the index had not read yet missing.
  const said = client.published.filter((p) => p.uri === uri).flatMap((p) => notes(p.diagnostics));
  assert.deepEqual(
    said.filter((m) => m.includes("'late'")),
    [],
  );
});

test('an editor that gives only a root folder (no workspace folders) gets the workspace indexed too', async () => {
  // Older and minimal LSP clients send rootUri and no workspaceFolders capability.
  const root = tempTree('flux-oci-root-only-', {
    'sources/podinfo.yaml':
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: oci://ghcr.io/stefanprodan/manifests/podinfo\n  ref:\n    tag: latest\n',
  });
  const editor = await LspClient.start({ workspaceFolders: [root], rootUriOnly: true, settings: { registry: { offline: true } } });
  try {
    const uri = fileUri(path.join(root, 'clusters', 'apps.yaml'));
    const complete = editor.nextDiagnostics(uri, (d) => notes(d).length > 0, 60_000);
    editor.open(uri, appsKustomization('podinfo'));
    const final = notes(await complete);
    assert.equal(final.length, 1, final.join('\n'));
    assert.match(final[0]!, /'nowhere'/, 'the OCIRepository in another file of the root folder was found');
    assert.ok(
      editor.logs.some((l) => /^indexed \d+ YAML files/.test(l)),
      editor.logs.join('\n'),
    );
    assert.deepEqual(
      editor.logs.filter((l) => /failed/.test(l)),
      [],
    );
  } finally {
    await editor.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
