// Issue 14 over stdio: the language server compares artifacts (tag ↔ tag, "the version
// before", tag ↔ workspace folder, a cluster's revision ↔ what its spec resolves to now) with `flux-oci.artifact.compare` and serves their files
// with `flux-oci/artifactFile` from its artifact cache, so they still open with the
// registry gone; the OCIRepository hover links to the client's compare command only for a
// client that announces it. Real docker-registry on 127.0.0.1, two pushed tags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { LspClient } from '../helpers/lspClient.ts';
import { at, eventually, ociRepository } from '../resolution/stories.ts';
import { makeWorkspace, runCli } from './runCli.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
let registry: StartedRegistry;
let ws: string;
let cacheDir: string;
let lsp: LspClient;
let repo: string;
const digests: Record<string, string> = {};

interface Side {
  kind: string;
  url?: string;
  tag?: string;
  digest?: string;
  root?: string;
  offline?: boolean;
}
interface CompareAnswer {
  ok: boolean;
  error?: string;
  before: Side;
  after: Side;
  identical: boolean;
  changes: Array<{ kind: string; path: string; content: string }>;
}
interface FileAnswer {
  ok: boolean;
  error?: string;
  content?: string;
  size?: number;
  mode?: number;
}

const compare = (before: object, after: object) => lsp.executeCommand<CompareAnswer>('flux-oci.artifact.compare', [{ before, after }]);
const file = (url: string, p: string) => lsp.connection.sendRequest<FileAnswer>('flux-oci/artifactFile', { url, path: p });
const text = (a: FileAnswer): string => Buffer.from(a.content ?? '', 'base64').toString('utf8');
const markdown = (h: Hover | null): string => (h ? (h.contents as MarkupContent).value : '');

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  cacheDir = mkdtempSync(path.join(tmpdir(), 'flux-oci-artifact-cache-'));
  ws = makeWorkspace({ 'deploy/apps/deployment.yaml': 'kind: Deployment\nspec:\n  replicas: 1\n', 'deploy/old.yaml': 'old: true\n' });
  repo = `oci://${registry.host}/team/compare`;
  for (const tag of ['v1.0.0', 'v1.1.0']) {
    const r = await runCli(['push', 'artifact', `${repo}:${tag}`, '-f', 'deploy', '--source', 's', '--revision', tag, '-o', 'json'], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    digests[tag] = (JSON.parse(r.stdout) as { digest: string }).digest;
    writeFileSync(path.join(ws, 'deploy/apps/deployment.yaml'), 'kind: Deployment\nspec:\n  replicas: 2\n');
    rmSync(path.join(ws, 'deploy/old.yaml'), { force: true });
  }
  // The folder now differs from v1.1.0 by one line.
  writeFileSync(path.join(ws, 'deploy/apps/deployment.yaml'), 'kind: Deployment\nspec:\n  replicas: 5\n');
  lsp = await LspClient.start({ workspaceFolders: [ws], env: { FLUX_OCI_ARTIFACT_CACHE: cacheDir }, experimental: { fluxOci: { compareArtifacts: true } } });
});
after(async () => {
  await lsp?.stop();
  await registry?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

test('tag to tag: the changed files, then each file served from the cache', { skip }, async () => {
  const r = await compare({ url: `${repo}:v1.0.0` }, { url: `${repo}:v1.1.0` });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.identical, false);
  assert.equal(r.before.digest, digests['v1.0.0']);
  assert.equal(r.before.tag, 'v1.0.0');
  assert.equal(r.after.url, `${repo}@${digests['v1.1.0']}`);
  assert.deepEqual(
    r.changes.map((c) => `${c.kind} ${c.path} ${c.content}`),
    ['modified apps/deployment.yaml text', 'removed old.yaml text'],
  );
  const old = await file(r.before.url!, 'apps/deployment.yaml');
  assert.equal(old.ok, true, old.error);
  assert.equal(text(old), 'kind: Deployment\nspec:\n  replicas: 1\n');
  assert.equal(old.mode, 0o644);
  assert.equal(text(await file(r.after.url!, 'apps/deployment.yaml')), 'kind: Deployment\nspec:\n  replicas: 2\n');
  const missing = await file(r.after.url!, 'old.yaml');
  assert.equal(missing.ok, false);
  assert.match(missing.error ?? '', /has no file old.yaml/);
  const escape = await file(r.after.url!, '../../etc/passwd');
  assert.equal(escape.ok, false);
});

test('"the version before" is the previous semver tag; a folder is compared with push rules', { skip }, async () => {
  const prev = await compare({ previousOf: `${repo}@${digests['v1.1.0']}` }, { url: `${repo}@${digests['v1.1.0']}` });
  assert.equal(prev.ok, true, prev.error);
  assert.equal(prev.before.tag, 'v1.0.0');
  assert.equal(prev.changes.length, 2);
  const oldest = await compare({ previousOf: `${repo}:v1.0.0` }, { url: `${repo}:v1.0.0` });
  assert.equal(oldest.ok, false);
  assert.match(oldest.error ?? '', /v1.0.0 is the oldest version/);

  const folder = await compare({ url: `${repo}:v1.1.0` }, { folder: 'deploy' });
  assert.equal(folder.ok, true, folder.error);
  assert.equal(folder.after.kind, 'folder');
  assert.equal(folder.after.root, path.join(ws, 'deploy'));
  assert.deepEqual(
    folder.changes.map((c) => `${c.kind} ${c.path}`),
    ['modified apps/deployment.yaml'],
    'logo.png is ignored as push ignores it',
  );
});

test('what a cluster runs against what its OCIRepository spec resolves to now (the next reconcile)', { skip }, async () => {
  // The cluster runs v1.0.0 (its status.artifact.revision); the spec follows a semver range.
  const running = { url: `${repo}:v1.0.0@${digests['v1.0.0']}` };
  const next = await compare(running, { source: { url: repo, ref: { semver: '>=1.0.0 <2.0.0' } } });
  assert.equal(next.ok, true, next.error);
  assert.equal(next.before.tag, 'v1.0.0');
  assert.equal(next.after.tag, 'v1.1.0');
  assert.equal(next.after.digest, digests['v1.1.0']);
  assert.deepEqual(
    next.changes.map((c) => `${c.kind} ${c.path}`),
    ['modified apps/deployment.yaml', 'removed old.yaml'],
  );
  const pinned = await compare(running, { source: { url: repo, ref: { tag: 'v1.0.0' } } });
  assert.equal(pinned.identical, true);
  const none = await compare(running, { source: { url: repo, ref: { semver: '>=3.0.0' } } });
  assert.equal(none.ok, false);
  assert.match(none.error ?? '', /no match found for semver: >=3.0.0/);
});

test('with the registry gone, files of compared artifacts still open and digests still compare', { skip }, async () => {
  await registry.kill();
  const r = await compare({ url: `${repo}@${digests['v1.0.0']}` }, { url: `${repo}@${digests['v1.1.0']}` });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.before.offline, true);
  assert.equal(r.changes.length, 2);
  assert.equal(text(await file(`${repo}@${digests['v1.0.0']}`, 'old.yaml')), 'old: true\n');
  assert.deepEqual(readdirSync(cacheDir).sort(), ['layers', 'manifests', 'refs', 'staging']);
  await registry.restart();
});

test('the hover links to the compare command for a client that announces it, and only then', { skip }, async () => {
  const doc = ociRepository(repo, { semver: '>=1.0.0' });
  const uri = pathToFileURL(path.join(ws, 'source.yaml')).href;
  lsp.open(uri, doc);
  const hover = await eventually(async () => {
    const m = markdown(await lsp.hover(uri, at(doc, 'url:', 8)));
    return m.includes(digests['v1.1.0']!) ? m : undefined;
  }, 'resolved hover');
  const links = [...hover.matchAll(/\[([^\]]+)\]\(command:flux-oci\.compareArtifacts\?([^ )]+)/g)].map((m) => [m[1], JSON.parse(decodeURIComponent(m[2]!))[0]]);
  assert.deepEqual(links, [
    ['Compare with the previous version', { url: `${repo}@${digests['v1.1.0']}`, tag: 'v1.1.0', with: 'previous', previous: `${repo}:v1.0.0` }],
    ['Compare with a workspace folder', { url: `${repo}@${digests['v1.1.0']}`, tag: 'v1.1.0', with: 'folder' }],
  ]);
  const plain = await LspClient.start({ workspaceFolders: [ws], env: { FLUX_OCI_ARTIFACT_CACHE: cacheDir } });
  try {
    plain.open(uri, doc);
    const m = await eventually(async () => {
      const h = markdown(await plain.hover(uri, at(doc, 'url:', 8)));
      return h.includes(digests['v1.1.0']!) ? h : undefined;
    }, 'resolved hover without links');
    assert.doesNotMatch(m, /command:/);
  } finally {
    await plain.stop();
  }
});
