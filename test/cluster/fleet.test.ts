/**
 * Several clusters at once (issue 16) and the kubeconfig behind the server (issue 13, part 3),
 * on two real control planes started once for this file ("east" and "west"; etcd and
 * kube-apiserver each, Flux's CRDs, no controllers: the test plays source-controller by writing
 * the status it writes) and a third context, "dead", whose API server is a closed port.
 *
 * The kubeconfig naming all three is written here, with comments, and handed to the language
 * server (over stdio, as an editor does) and to the CLI (as a process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { freePort } from '../peers/loopback.ts';
import { LspClient } from '../helpers/lspClient.ts';
import { runCli } from '../oci/runCli.ts';

const ns = 'flux-system';
const ociPath = (name = '') => `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories${name ? `/${name}` : ''}`;
const ksPath = (name = '') => `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations${name ? `/${name}` : ''}`;
const digestA = `sha256:${'a1'.repeat(32)}`;
const digestB = `sha256:${'b2'.repeat(32)}`;

/** Creates an OCIRepository and writes the status source-controller would (Ready, artifact at `revision`). */
async function source(cp: ControlPlane, name: string, tag: string, digest: string, url = 'oci://127.0.0.1:5999/team/app'): Promise<void> {
  const created = await cp.api('POST', ociPath(), { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository', metadata: { name, namespace: ns }, spec: { interval: '10m', url, ref: { tag } } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await setRevision(cp, name, `${tag}@${digest}`, digest);
}

async function setRevision(cp: ControlPlane, name: string, revision: string, digest: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const r = await cp.api(
    'PATCH',
    `${ociPath(name)}/status`,
    {
      status: {
        observedGeneration: 1,
        artifact: { path: `ocirepository/${ns}/${name}/x.tar.gz`, url: 'http://127.0.0.1:1/x.tar.gz', revision, digest, lastUpdateTime: now },
        conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: `stored artifact for digest '${revision}'`, observedGeneration: 1, lastTransitionTime: now }],
      },
    },
    'application/merge-patch+json',
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function kustomization(cp: ControlPlane, name: string, sourceName: string): Promise<void> {
  const r = await cp.api('POST', ksPath(), {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: ns },
    spec: { interval: '10m', path: './', prune: true, sourceRef: { kind: 'OCIRepository', name: sourceName } },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

/** The kubeconfig of one control plane, as the YAML blocks of a combined file. */
function entries(cp: ControlPlane, name: string): { cluster: string; user: string; context: string } {
  const text = readFileSync(cp.kubeconfig, 'utf8');
  const field = (key: string): string => text.match(new RegExp(`${key}: (.+)`))![1]!.trim();
  return {
    cluster: `- name: ${name}\n  cluster:\n    server: ${cp.server}\n    certificate-authority: ${field('certificate-authority')}`,
    user: `- name: ${name}-admin\n  user:\n    client-certificate: ${field('client-certificate')}\n    client-key: ${field('client-key')}`,
    context: `- name: ${name}\n  context: {cluster: ${name}, user: ${name}-admin, namespace: ${ns}}`,
  };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

type TreeNode = { ref: { kind: string; name: string; namespace: string }; revision?: string; suspended: boolean; children: TreeNode[] };
type Tree = { context: string; nodes: TreeNode[]; ok?: false; error?: string };

test('several clusters: contexts, context switch, fleet view, CLI', { timeout: 15 * 60_000 }, async (t) => {
  if (!requireControlPlane(t, [], ['source-controller', 'kustomize-controller'])) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-fleet-'));
  let east: ControlPlane | undefined;
  let west: ControlPlane | undefined;
  let lsp: LspClient | undefined;
  try {
    const started = Date.now();
    [east, west] = await Promise.all([
      startControlPlane({ controllers: [], crds: ['source-controller', 'kustomize-controller'] }),
      startControlPlane({ controllers: [], crds: ['source-controller', 'kustomize-controller'] }),
    ]);
    t.diagnostic(`two control planes up in ${(Date.now() - started) / 1000}s`);
    const [e, w] = [east, west];
    // The same source on both clusters at different revisions, one source only on west, and a consumer on east.
    await source(e, 'app', 'v1.0.0', digestA);
    await source(w, 'app', 'v1.1.0', digestB);
    await source(w, 'only-west', 'v2.0.0', digestB, 'oci://127.0.0.1:5999/team/other');
    await kustomization(e, 'app', 'app');

    const deadPort = await freePort(); // nothing listens there: connection refused
    const ee = entries(e, 'east');
    const we = entries(w, 'west');
    const kubeconfig = path.join(dir, 'kubeconfig');
    const original = [
      '# Written by the fleet test: these comments must survive a context switch.',
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ee.cluster,
      we.cluster,
      '- name: dead',
      '  cluster:',
      `    server: https://127.0.0.1:${deadPort}`,
      `    certificate-authority: ${path.join(e.dir, 'ca.crt')}`,
      'users:',
      ee.user,
      we.user,
      'contexts:',
      ee.context,
      we.context,
      '- name: dead  # a cluster that is down',
      '  context: {cluster: dead, user: east-admin, namespace: flux-system}',
      '',
      'current-context: east # what kubectl uses',
      'preferences: {}',
      '',
    ].join('\n');
    writeFileSync(kubeconfig, original);

    lsp = await LspClient.start({ workspaceFolders: [dir], env: { KUBECONFIG: kubeconfig } });
    const server = lsp;
    const changes: Array<{ context: string; at: number }> = [];
    server.connection.onNotification('flux-oci/clusterChanged', (p: { context: string }) => void changes.push({ context: p.context, at: Date.now() }));
    const run = async <T>(command: string, arg?: unknown): Promise<T> => (await server.connection.sendRequest('workspace/executeCommand', { command, arguments: arg === undefined ? [] : [arg] })) as T;
    const tree = () => run<Tree>('flux-oci.clusterTree');
    const pid = server.process.pid;

    await t.test('the server lists the kubeconfig contexts', async () => {
      const list = await run<{ ok: boolean; file: string; current: string; contexts: Array<{ name: string; cluster?: string; namespace?: string; server?: string }> }>('flux-oci.kubeContexts');
      assert.equal(list.ok, true, JSON.stringify(list));
      assert.equal(list.file, kubeconfig);
      assert.equal(list.current, 'east');
      assert.deepEqual(
        list.contexts.map((c) => [c.name, c.cluster, c.namespace]),
        [
          ['east', 'east', ns],
          ['west', 'west', ns],
          ['dead', 'dead', ns],
        ],
      );
      assert.equal(list.contexts[0]!.server, e.server);
    });

    await t.test('switching context rewrites current-context only, and the tree follows without a restart', async () => {
      const before = await tree();
      assert.equal(before.context, 'east', JSON.stringify(before));
      assert.deepEqual(before.nodes.map((n) => n.ref.name), ['app']);
      assert.deepEqual(before.nodes[0]!.children.map((c) => `${c.ref.kind}/${c.ref.name}`), ['Kustomization/app']);

      const t0 = Date.now();
      const switched = await run<{ ok: boolean; file: string; previous: string; current: string; error?: string }>('flux-oci.useContext', { context: 'west' });
      assert.deepEqual(switched, { ok: true, file: kubeconfig, previous: 'east', current: 'west' });
      const text = readFileSync(kubeconfig, 'utf8');
      assert.equal(text, original.replace('current-context: east # what kubectl uses', 'current-context: west # what kubectl uses'), 'only current-context changed; comments and layout kept');

      assert.ok(changes.some((c) => c.context === 'west' && c.at >= t0), 'the client is told to refresh (flux-oci/clusterChanged)');
      const after = await tree();
      assert.equal(after.context, 'west');
      assert.deepEqual(after.nodes.map((n) => `${n.ref.name} ${n.revision}`), [`app v1.1.0@${digestB}`, `only-west v2.0.0@${digestB}`]);
      assert.equal(server.process.pid, pid);
      assert.ok(server.alive, 'same server process');

      const unknown = await run<{ ok: boolean; error: string }>('flux-oci.useContext', { context: 'nowhere' });
      assert.equal(unknown.ok, false);
      assert.match(unknown.error, /context "nowhere" is not in the kubeconfig \(known: east, west, dead\)/);
      assert.equal(readFileSync(kubeconfig, 'utf8'), text, 'a refused switch writes nothing');

      // Back to east for the stories below.
      assert.equal((await run<{ ok: boolean }>('flux-oci.useContext', { context: 'east' })).ok, true);
      assert.equal((await tree()).context, 'east');
    });
  } finally {
    await lsp?.stop();
    await Promise.all([east?.stop(), west?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
