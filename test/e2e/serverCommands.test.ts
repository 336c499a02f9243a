// The editor's artifact commands as the server answers them over stdio JSON-RPC,
// against Debian's docker-registry on 127.0.0.1: what the palette commands prefill,
// a push reporting progress into the editor's notification, then list, tag, diff and
// pull of what was pushed, and errors a person can act on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkDoneProgress } from 'vscode-languageserver-protocol/node';
import { LspClient, fileUri } from '../helpers/lspClient.ts';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { headCommit, makeSampleWorkspace } from './sampleWorkspace.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
let registry: StartedRegistry;
let ws: string;
let lsp: LspClient;

interface Answer {
  ok: boolean;
  error?: string;
  [k: string]: unknown;
}

function run(command: string, args: Record<string, unknown>, progressToken?: string): Promise<Answer> {
  return lsp.connection.sendRequest('workspace/executeCommand', { command, arguments: [{ ...args, ...(progressToken ? { progressToken } : {}) }] });
}

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  ws = makeSampleWorkspace(registry.host);
  lsp = await LspClient.start({ workspaceFolders: [ws] });
});
after(async () => {
  await lsp?.stop();
  await registry?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

test('the server offers the artifact commands the palette calls', { skip }, () => {
  const commands = lsp.capabilities.executeCommandProvider?.commands ?? [];
  for (const c of ['push', 'pull', 'tag', 'list', 'diff', 'verify', 'sign', 'defaults']) assert.ok(commands.includes(`flux-oci.artifact.${c}`), c);
});

test('input boxes are prefilled from the open OCIRepository and the workspace git', { skip }, async () => {
  const file = path.join(ws, 'clusters/dev/app-source.yaml');
  lsp.open(fileUri(file), readFileSync(file, 'utf8'));
  const d = (await run('flux-oci.artifact.defaults', { uri: fileUri(file) })) as Answer & {
    sources: Array<{ url: string; ref?: string; inActiveFile: boolean; name?: string }>;
    tags: string[];
    folders: string[];
    git: { revision: string; source: string };
  };
  assert.equal(d.ok, true);
  assert.deepEqual(d.sources[0], { url: `oci://${registry.host}/flux-oci-demo/app`, name: 'app', ref: 'semver: >=1.0.0 <2.0.0', file, inActiveFile: true });
  const commit = headCommit(ws);
  assert.deepEqual(d.tags, [commit.slice(0, 7), 'latest']);
  assert.ok(d.folders.includes('deploy/app'), d.folders.join(', '));
  assert.equal(d.folders[0], 'clusters/dev', 'the open file’s folder comes first');
  assert.equal(d.git.revision, `main@sha1:${commit}`);
  assert.equal(d.git.source, 'https://github.com/flux-oci/sample-app.git');
});

test('push reports progress into the editor’s notification, then list, tag, diff and pull see it', { skip }, async () => {
  const progress: Array<{ kind: string; message?: string; title?: string; cancellable?: boolean }> = [];
  lsp.connection.onProgress(WorkDoneProgress.type, 'push-1', (v) => void progress.push(v as (typeof progress)[number]));
  const url = `oci://${registry.host}/flux-oci-demo/app:1.0.0`;
  const pushed = await run('flux-oci.artifact.push', { url, path: 'deploy/app' }, 'push-1');
  assert.equal(pushed.ok, true, pushed.error);
  assert.match(String(pushed['digest']), /^sha256:[a-f0-9]{64}$/);
  assert.equal((pushed['annotations'] as Record<string, string>)['org.opencontainers.image.revision'], `main@sha1:${headCommit(ws)}`);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(progress[0]?.kind, 'begin');
  assert.equal(progress[0]?.title, 'Pushing artifact');
  assert.equal(progress[0]?.cancellable, true);
  assert.ok(
    progress.some((p) => p.kind === 'report' && /uploading layer/.test(p.message ?? '')),
    JSON.stringify(progress),
  );
  assert.equal(progress.at(-1)?.kind, 'end');

  const listed = await run('flux-oci.artifact.list', { url: `oci://${registry.host}/flux-oci-demo/app` });
  assert.deepEqual(
    (listed['artifacts'] as Array<{ tag: string }>).map((a) => a.tag),
    ['1.0.0'],
  );

  const tagged = await run('flux-oci.artifact.tag', { url, tags: ['stable'] });
  assert.equal(tagged['digest'], pushed['digest']);

  const same = await run('flux-oci.artifact.diff', { url: `oci://${registry.host}/flux-oci-demo/app:stable`, path: 'deploy/app' });
  assert.equal(same['identical'], true, JSON.stringify(same));
  writeFileSync(path.join(ws, 'deploy/app/service.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: app2\n');
  const changed = await run('flux-oci.artifact.diff', { url, path: 'deploy/app' });
  assert.deepEqual(
    (changed['changes'] as Array<{ path: string; change: string }>).map((c) => c.path),
    ['service.yaml'],
  );

  const out = mkdtempSync(path.join(tmpdir(), 'flux-oci-pull-'));
  try {
    const pulled = await run('flux-oci.artifact.pull', { url, output: path.join(out, 'app') });
    assert.equal(pulled.ok, true, pulled.error);
    assert.ok(existsSync(path.join(out, 'app', 'deployment.yaml')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('mistakes answer with what to do, and the server keeps serving', { skip }, async () => {
  const noFolder = await run('flux-oci.artifact.push', { url: `oci://${registry.host}/x/y:v1`, path: 'no/such/folder' });
  assert.equal(noFolder.ok, false);
  assert.match(noFolder.error!, /does not exist; pick an existing folder/);
  const digestPush = await run('flux-oci.artifact.push', { url: `oci://${registry.host}/x/y@sha256:${'a'.repeat(64)}`, path: 'deploy/app' });
  assert.match(digestPush.error!, /push needs a tag/);
  const missing = await run('flux-oci.artifact.pull', { url: `oci://${registry.host}/flux-oci-demo/app:9.9.9`, output: path.join(ws, 'out') });
  assert.equal(missing.ok, false);
  assert.match(missing.error!, /9\.9\.9/);
  assert.equal(existsSync(path.join(ws, 'out')), false, 'nothing half-written');
  const verify = await run('flux-oci.artifact.verify', { url: `oci://${registry.host}/flux-oci-demo/app:1.0.0` });
  assert.match(verify.error!, /say how to verify/);
  assert.ok(lsp.alive);
});

test('non-Flux YAML gets nothing from us, so Red Hat YAML alone answers there', { skip }, async () => {
  const uri = fileUri(path.join(ws, 'compose.yaml'));
  const text = 'services:\n  web:\n    image: nginx\n    ports:\n      - "80:80"\n    \n';
  lsp.open(uri, text);
  assert.deepEqual(await lsp.diagnostics(uri), []);
  assert.equal(await lsp.hover(uri, { line: 2, character: 6 }), null);
  assert.deepEqual(await lsp.completion(uri, { line: 5, character: 4 }), []);
});

test('the palette checks what the user types the way Flux reads references', { skip }, async () => {
  const ok = (await run('flux-oci.artifact.reference', { url: `oci://${registry.host}/team/app:v1` })) as Answer & {
    repository: string;
    name: string;
    tag: string;
  };
  assert.deepEqual(
    { ok: ok.ok, repository: ok.repository, name: ok.name, tag: ok.tag },
    { ok: true, repository: `oci://${registry.host}/team/app`, name: 'app', tag: 'v1' },
  );
  const digest = `sha256:${'a'.repeat(64)}`;
  const pinned = (await run('flux-oci.artifact.reference', { url: `oci://${registry.host}/team/app`, tag: `@${digest}` })) as Answer & {
    url: string;
    digest: string;
  };
  assert.equal(pinned.url, `oci://${registry.host}/team/app@${digest}`);
  const badTag = await run('flux-oci.artifact.reference', { url: `oci://${registry.host}/team/app`, tag: 'v1 beta' });
  assert.equal(badTag.ok, false);
  assert.match(badTag.error ?? '', /tag can only contain/);
  const noScheme = await run('flux-oci.artifact.reference', { url: 'ghcr.io/org/app' });
  assert.match(noScheme.error ?? '', /oci:\/\//);
});
