/**
 * Several clusters at once (issue 16) and the kubeconfig behind the server (issue 13, part 3),
 * on two real control planes started once for this file ("east" and "west"; etcd and
 * kube-apiserver each, Flux's CRDs, no controllers: the test plays source-controller by writing
 * the status it writes), a context "dead" whose API server is a closed port and one, "slow", whose
 * API server accepts connections and never answers; a real registry holds what the sources point at.
 *
 * The kubeconfig naming all three is written here, with comments, and handed to the language
 * server (over stdio, as an editor does) and to the CLI (as a process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markReconciled, requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { startDeadRegistries, type DeadRegistries } from '../peers/deadRegistries.ts';
import { startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { LspClient } from '../helpers/lspClient.ts';
import { makeWorkspace, runCli } from '../oci/runCli.ts';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';

const ns = 'flux-system';
const ociPath = (name = '') => `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories${name ? `/${name}` : ''}`;
const ksPath = (name = '') => `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations${name ? `/${name}` : ''}`;
const digestA = `sha256:${'a1'.repeat(32)}`;
const digestB = `sha256:${'b2'.repeat(32)}`;

/** Creates an OCIRepository and writes the status source-controller would (Ready, artifact at `revision`). */
async function source(cp: ControlPlane, name: string, tag: string, digest: string, url: string): Promise<void> {
  const created = await cp.api('POST', ociPath(), {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'OCIRepository',
    metadata: { name, namespace: ns },
    spec: { interval: '10m', url, ref: { tag } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await markReconciled(cp, { namespace: ns, name, revision: `${tag}@${digest}`, digest });
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
type Status = { context: string; state: string; message?: string; count: number; current: boolean };
type Row = {
  id: string;
  agree: boolean;
  drifted: number;
  absent: string[];
  summary: string;
  placements: Array<{ context: string; node: TreeNode; drift?: { state: string; text: string } }>;
};
type Fleet = { contexts: Status[]; rows: Row[]; ids?: string[]; offset: number; total: number; next?: number; version: number };

test('several clusters: contexts, context switch, fleet view, CLI', { timeout: 15 * 60_000 }, async (t) => {
  if (!requireControlPlane(t, [], ['source-controller', 'kustomize-controller'])) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-fleet-'));
  let east: ControlPlane | undefined;
  let west: ControlPlane | undefined;
  let lsp: LspClient | undefined;
  let registry: StartedRegistry | undefined;
  let dead: DeadRegistries | undefined;
  try {
    const started = Date.now();
    [east, west, registry, dead] = await Promise.all([
      startControlPlane({ controllers: [], crds: ['source-controller', 'kustomize-controller'] }),
      startControlPlane({ controllers: [], crds: ['source-controller', 'kustomize-controller'] }),
      startRegistry(),
      startDeadRegistries(),
    ]);
    t.diagnostic(`two control planes up in ${(Date.now() - started) / 1000}s`);
    const [e, w] = [east, west];
    // What the registry resolves now for team/app:v1.0.0.
    const ws = makeWorkspace();
    const pushed = await runCli(
      ['push', 'artifact', `oci://${registry.host}/team/app:v1.0.0`, '-f', 'deploy', '--source', 's', '--revision', 'r', '-o', 'json'],
      { cwd: ws },
    );
    assert.equal(pushed.code, 0, pushed.stderr);
    const digestNow = (JSON.parse(pushed.stdout) as { digest: string }).digest;
    rmSync(ws, { recursive: true, force: true });
    const appUrl = `oci://${registry.host}/team/app`;
    // The same source on both clusters: east has what the registry serves now, west an older
    // build of the same tag; one source only on west; a consumer on east.
    await source(e, 'app', 'v1.0.0', digestNow, appUrl);
    await source(w, 'app', 'v1.0.0', digestB, appUrl);
    await source(w, 'only-west', 'v2.0.0', digestA, `oci://${registry.host}/team/other`);
    await kustomization(e, 'app', 'app');

    const deadPort = Number(dead.refusing.split(':')[1]); // nothing listens there: connection refused
    const slowPort = Number(dead.stalling.split(':')[1]); // accepts and never answers
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
      '- name: slow',
      '  cluster:',
      `    server: https://127.0.0.1:${slowPort}`,
      `    certificate-authority: ${path.join(e.dir, 'ca.crt')}`,
      'users:',
      ee.user,
      we.user,
      'contexts:',
      ee.context,
      we.context,
      '- name: dead  # a cluster that is down',
      '  context: {cluster: dead, user: east-admin, namespace: flux-system}',
      '- name: slow',
      '  context: {cluster: slow, user: east-admin, namespace: flux-system}',
      '',
      'current-context: east # what kubectl uses',
      'preferences: {}',
      '',
    ].join('\n');
    writeFileSync(kubeconfig, original);

    lsp = await LspClient.start({
      workspaceFolders: [dir],
      env: { KUBECONFIG: kubeconfig },
      settings: { cluster: { contexts: ['east', 'west', 'dead', 'slow'] } },
    });
    const server = lsp;
    const changes: Array<{ context: string; at: number }> = [];
    server.connection.onNotification('flux-oci/clusterChanged', (p: { context: string }) => void changes.push({ context: p.context, at: Date.now() }));
    const run = async <T>(command: string, arg?: unknown): Promise<T> =>
      (await server.connection.sendRequest('workspace/executeCommand', { command, arguments: arg === undefined ? [] : [arg] })) as T;
    const tree = () => run<Tree>('flux-oci.clusterTree');
    const pid = server.process.pid;

    await t.test('the server lists the kubeconfig contexts', async () => {
      const list = await run<{
        ok: boolean;
        file: string;
        current: string;
        contexts: Array<{ name: string; cluster?: string; namespace?: string; server?: string }>;
      }>('flux-oci.kubeContexts');
      assert.equal(list.ok, true, JSON.stringify(list));
      assert.equal(list.file, kubeconfig);
      assert.equal(list.current, 'east');
      assert.deepEqual(
        list.contexts.map((c) => [c.name, c.cluster, c.namespace]),
        [
          ['east', 'east', ns],
          ['west', 'west', ns],
          ['dead', 'dead', ns],
          ['slow', 'slow', ns],
        ],
      );
      assert.equal(list.contexts[0]!.server, e.server);
    });

    await t.test('switching context rewrites current-context only, and the tree follows without a restart', async () => {
      const before = await tree();
      assert.equal(before.context, 'east', JSON.stringify(before));
      assert.deepEqual(
        before.nodes.map((n) => n.ref.name),
        ['app'],
      );
      assert.deepEqual(
        before.nodes[0]!.children.map((c) => `${c.ref.kind}/${c.ref.name}`),
        ['Kustomization/app'],
      );

      const t0 = Date.now();
      const switched = await run<{ ok: boolean; file: string; previous: string; current: string; error?: string }>('flux-oci.useContext', { context: 'west' });
      assert.deepEqual(switched, { ok: true, file: kubeconfig, previous: 'east', current: 'west' });
      const text = readFileSync(kubeconfig, 'utf8');
      assert.equal(
        text,
        original.replace('current-context: east # what kubectl uses', 'current-context: west # what kubectl uses'),
        'only current-context changed; comments and layout kept',
      );

      assert.ok(
        changes.some((c) => c.context === 'west' && c.at >= t0),
        'the client is told to refresh (flux-oci/clusterChanged)',
      );
      const after = await tree();
      assert.equal(after.context, 'west');
      assert.deepEqual(
        after.nodes.map((n) => `${n.ref.name} ${n.revision}`),
        [`app v1.0.0@${digestB}`, `only-west v2.0.0@${digestA}`],
      );
      assert.equal(server.process.pid, pid);
      assert.ok(server.alive, 'same server process');

      const unknown = await run<{ ok: boolean; error: string }>('flux-oci.useContext', { context: 'nowhere' });
      assert.equal(unknown.ok, false);
      assert.match(unknown.error, /context "nowhere" is not in the kubeconfig \(known: east, west, dead, slow\)/);
      assert.equal(readFileSync(kubeconfig, 'utf8'), text, 'a refused switch writes nothing');

      // Back to east for the stories below.
      assert.equal((await run<{ ok: boolean }>('flux-oci.useContext', { context: 'east' })).ok, true);
      assert.equal((await tree()).context, 'east');
    });

    const fleet = () => run<Fleet>('flux-oci.fleetTree');
    const state = (f: Fleet) => Object.fromEntries(f.contexts.map((c) => [c.context, c.state]));
    const rowOf = (f: Fleet, id: string) => f.rows.find((r) => r.id === id);

    await t.test('the fleet view: each source once, each cluster its revision and drift; a dead and a silent cluster block nothing', async () => {
      const t0 = Date.now();
      const first = await fleet();
      const took = Date.now() - t0;
      t.diagnostic(`first fleet answer in ${took} ms: ${JSON.stringify(first.contexts.map((c) => `${c.context}=${c.state}`))}`);
      assert.ok(took < 8_000, `the view answered without waiting on the silent cluster (${took} ms)`);
      assert.equal(state(first)['east'], 'ready');
      assert.equal(state(first)['west'], 'ready');
      assert.equal(state(first)['dead'], 'unreachable');
      assert.match(first.contexts.find((c) => c.context === 'dead')!.message!, /connection refused/);
      assert.equal(state(first)['slow'], 'connecting', 'a cluster that does not answer shows as connecting');

      // Drift needs the registry's answer: it comes with the first answer or shortly after.
      const f = await until('drift is known for both clusters', 20_000, async () => {
        const v = await fleet();
        const app = rowOf(v, 'OCIRepository/flux-system/app');
        return app && app.placements.every((p) => p.drift) ? v : undefined;
      });
      const app = rowOf(f, 'OCIRepository/flux-system/app')!;
      assert.deepEqual(
        app.placements.map((p) => p.context),
        ['east', 'west'],
        'one row, both clusters',
      );
      assert.equal(app.agree, false);
      assert.equal(app.drifted, 1);
      const [pe, pw] = app.placements;
      assert.equal(pe!.node.revision, `v1.0.0@${digestNow}`);
      assert.equal(pe!.drift!.state, 'in-sync');
      assert.equal(pw!.drift!.state, 'drifted');
      assert.match(pw!.drift!.text, /cluster at v1\.0\.0 \(sha256:b2b2b2b\), registry resolves v1\.0\.0 \(sha256:[a-f0-9]{7}\)/);
      assert.match(app.summary, /^east v1\.0\.0@sha256:[a-f0-9]{7} · west v1\.0\.0@sha256:b2b2b2b · 1 behind the registry$/);
      assert.deepEqual(
        pe!.node.children.map((c) => `${c.ref.kind}/${c.ref.name}`),
        ['Kustomization/app'],
        'the consumers per cluster',
      );
      const other = rowOf(f, 'OCIRepository/flux-system/only-west')!;
      assert.deepEqual(
        other.placements.map((p) => p.context),
        ['west'],
      );
      assert.deepEqual(other.absent, ['east']);

      // The view comes in pages (ten clusters of 500 sources would be one answer too large to
      // serialise without holding up the server): a page of one row at a time reads the same.
      await until('the view paged one row at a time equals the whole', 20_000, async () => {
        const whole = await fleet();
        assert.equal(whole.next, undefined, 'a small view is one page');
        const ids: string[] = [];
        for (let offset: number | undefined = 0; offset !== undefined;) {
          const page: Fleet = await run<Fleet>('flux-oci.fleetTree', { offset, limit: 1 });
          if (page.version !== whole.version) return undefined; // the view changed meanwhile: ask again
          assert.equal(page.total, whole.rows.length);
          assert.ok(page.rows.length <= 1);
          ids.push(...page.rows.map((r) => r.id));
          offset = page.next;
        }
        assert.deepEqual(
          ids,
          whole.rows.map((r) => r.id),
        );
        return true;
      });
      assert.ok(server.alive);
    });

    await t.test('where is this deployed: by repository, by digest, and in the hover of an OCIRepository', async () => {
      type Where = {
        ok: boolean;
        deployments: Array<{ context: string; ref: { kind: string; name: string }; revision?: string; consumers: Array<{ ref: { name: string } }> }>;
        contexts: Status[];
      };
      const byUrl = await run<Where>('flux-oci.whereDeployed', { url: appUrl + '/' });
      assert.equal(byUrl.ok, true, JSON.stringify(byUrl));
      assert.deepEqual(
        byUrl.deployments.map((d) => `${d.context} ${d.ref.name} ${d.revision}`),
        [`east app v1.0.0@${digestNow}`, `west app v1.0.0@${digestB}`],
      );
      assert.deepEqual(
        byUrl.deployments[0]!.consumers.map((c) => c.ref.name),
        ['app'],
      );
      const byDigest = await run<Where>('flux-oci.whereDeployed', { digest: digestB });
      assert.deepEqual(
        byDigest.deployments.map((d) => `${d.context} ${d.ref.kind} ${d.ref.name}`),
        ['west OCIRepository app'],
      );
      // East's source moved on, but its Kustomization still runs what it applied from an older build.
      const applied = await e.api('PATCH', `${ksPath('app')}/status`, { status: { lastAppliedRevision: `v0.9.0@${digestA}` } }, 'application/merge-patch+json');
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      const older = await until('the older build is found on east through its consumer', 15_000, async () => {
        const r = await run<Where>('flux-oci.whereDeployed', { digest: digestA });
        return r.deployments.length === 2 ? r : undefined;
      });
      assert.deepEqual(
        older.deployments.map((d) => `${d.context} ${d.ref.kind} ${d.ref.name} ${d.revision}`),
        [`east Kustomization app v0.9.0@${digestA}`, `west OCIRepository only-west v2.0.0@${digestA}`],
      );

      const uri = `file://${dir}/app.yaml`;
      const text = [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: OCIRepository',
        'metadata:',
        '  name: app',
        '  namespace: flux-system',
        'spec:',
        '  interval: 10m',
        `  url: ${appUrl}`,
        '  ref:',
        '    tag: v1.0.0',
        `# pinned once: ${digestB}`,
        '',
      ].join('\n');
      server.open(uri, text);
      const hover = await server.hover(uri, { line: 7, character: 12 });
      const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
      assert.match(value, /\*\*Deployed:\*\* this repository on 2 of 4 cluster\(s\)/, value);
      assert.match(value, /- `east`: OCIRepository `flux-system\/app` at `v1\.0\.0 \(sha256:[a-f0-9]{7}\)` · Ready · Kustomization app applied v0\.9\.0/);
      assert.match(value, /- `west`: OCIRepository `flux-system\/app` at `v1\.0\.0 \(sha256:b2b2b2b\)` · Ready/);
      assert.match(value, /- `dead`: unreachable/);
      const onDigest = await server.hover(uri, { line: 10, character: 30 });
      const digestText = onDigest && typeof onDigest.contents === 'object' && 'value' in onDigest.contents ? onDigest.contents.value : '';
      assert.match(digestText, /\*\*Deployed:\*\* `sha256:b2b2b2b` on 1 of 4 cluster\(s\)\n- `west`: OCIRepository `flux-system\/app`/, digestText);
    });

    await t.test('many objects at once: suspend and resume across clusters, a dead cluster fails alone, a cancelled reconcile stops', async () => {
      type Batch = {
        ok: boolean;
        results: Array<{ object: { context: string; name: string }; ok: boolean; error?: string; cancelled?: boolean }>;
        succeeded: number;
        failed: number;
        cancelled: boolean;
        error?: string;
      };
      const objects = [
        { context: 'east', kind: 'OCIRepository', name: 'app', namespace: ns },
        { context: 'west', kind: 'OCIRepository', name: 'app', namespace: ns },
        { context: 'west', kind: 'OCIRepository', name: 'only-west', namespace: ns },
        { context: 'dead', kind: 'OCIRepository', name: 'app', namespace: ns },
      ];
      const before = await fleet();
      const t0 = Date.now();
      const suspended = await run<Batch>('flux-oci.clusterBatch', { action: 'suspend', objects });
      t.diagnostic(`suspend of 4 objects on 3 clusters: ${Date.now() - t0} ms`);
      assert.equal(suspended.ok, true, JSON.stringify(suspended));
      assert.equal(suspended.succeeded, 3);
      assert.equal(suspended.failed, 1);
      assert.deepEqual(
        suspended.results.filter((r) => !r.ok).map((r) => r.object.context),
        ['dead'],
      );
      assert.match(suspended.results[3]!.error!, /dead: .*connection refused/);
      assert.ok(Date.now() - t0 < 10_000, 'the dead cluster failed at once');
      for (const [cp, name] of [
        [e, 'app'],
        [w, 'app'],
        [w, 'only-west'],
      ] as const)
        assert.equal((await cp.api('GET', ociPath(name))).body.spec.suspend, true, name);
      const seen = new Set<string>();
      const view = await until('the view shows them suspended', 15_000, async () => {
        const v = await fleet();
        for (const c of v.contexts) if (c.context === 'east' || c.context === 'west') seen.add(c.state);
        return rowOf(v, 'OCIRepository/flux-system/app')!.placements.every((p) => p.node.suspended) ? v : undefined;
      });
      assert.ok(view);
      assert.deepEqual([...seen], ['ready'], 'while a change is taken in, a cluster that answered shows its last tree, never as connecting');

      // A client holding a view is sent only the rows that changed since (the view tells which by
      // id): with what it held they read as the whole view; nothing changed, nothing sent.
      const held = new Map(before.rows.map((r) => [r.id, r]));
      const { delta, whole, same } = await until('a view asked with the version held, and the whole view, of one version', 15_000, async () => {
        const delta = await run<Fleet>('flux-oci.fleetTree', { known: before.version });
        const whole = await fleet();
        const same = await run<Fleet>('flux-oci.fleetTree', { known: whole.version });
        return delta.version === whole.version && same.version === whole.version ? { delta, whole, same } : undefined; // else changed meanwhile
      });
      assert.deepEqual(
        delta.ids,
        whole.rows.map((r) => r.id),
      );
      assert.deepEqual(
        delta.ids!.map((id) => delta.rows.find((r) => r.id === id) ?? held.get(id)),
        whole.rows,
        'the rows sent and the rows held read as the whole view',
      );
      assert.ok(
        delta.rows.some((r) => r.id === 'OCIRepository/flux-system/app'),
        'the suspended row is sent',
      );
      assert.deepEqual(same.rows, [], 'nothing changed since: no rows sent');
      assert.deepEqual(same.ids, delta.ids);

      // Resume waits for the controller (played here) to handle the request: cancel half-way.
      const cancel = new CancellationTokenSource();
      const resuming = server.connection.sendRequest(
        'workspace/executeCommand',
        { command: 'flux-oci.clusterBatch', arguments: [{ action: 'resume', objects: objects.slice(0, 2) }] },
        cancel.token,
      ) as Promise<Batch>;
      await new Promise((r) => setTimeout(r, 1500));
      const c0 = Date.now();
      cancel.cancel();
      const outcome = await resuming.then(
        (v) => v,
        (err: Error) => err,
      );
      t.diagnostic(`cancelled resume settled ${Date.now() - c0} ms after the cancel: ${outcome instanceof Error ? outcome.message : JSON.stringify(outcome)}`);
      assert.ok(Date.now() - c0 < 10_000, 'cancellation ends the batch');
      if (!(outcome instanceof Error)) {
        assert.equal(outcome.cancelled, true);
        assert.ok(
          outcome.results.every((r) => r.cancelled),
          JSON.stringify(outcome.results),
        );
      }
      assert.notEqual((await e.api('GET', ociPath('app'))).body.spec.suspend, true, 'the resume itself was sent before the wait');
      assert.ok(server.alive);
    });

    await t.test('CLI: get sources --all-contexts lists every cluster at once and reports the ones it cannot reach', async () => {
      const home = mkdtempSync(path.join(tmpdir(), 'flux-oci-fleet-cli-'));
      try {
        const t0 = Date.now();
        const all = await runCli(['get', 'sources', '--all-contexts', '--timeout', '4s'], { cwd: home, env: { KUBECONFIG: kubeconfig } });
        const took = (Date.now() - t0) / 1000;
        t.diagnostic(`get sources --all-contexts (${took}s, exit ${all.code}):\n${all.stdout}${all.stderr}`);
        assert.equal(all.code, 1, 'a context could not be listed');
        // Printed at the 4 s deadline; a TLS handshake still pending to the silent server may hold the process until undici's 10 s connect timeout.
        assert.ok(took < 25, `bounded by the per-context timeout (${took}s)`);
        const lines = all.stdout.trim().split('\n');
        assert.match(lines[0]!, /^CONTEXT\s+NAME\s+READY\s+SUSPENDED\s+REVISION/);
        const names = lines.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '));
        assert.deepEqual(names, [
          'east OCIRepository/flux-system/app',
          '└ Kustomization/flux-system/app',
          'west OCIRepository/flux-system/app',
          'west OCIRepository/flux-system/only-west',
        ]);
        assert.match(all.stdout, new RegExp(`west\\s+OCIRepository/flux-system/app\\s+True\\s+\\w+\\s+v1\\.0\\.0@${digestB}`));
        assert.match(all.stderr, /✗ context dead \(https:\/\/127\.0\.0\.1:\d+\): .*connection refused/);
        assert.match(all.stderr, /✗ context slow \(https:\/\/127\.0\.0\.1:\d+\): no answer from .* within 4s/);

        const two = await runCli(['get', 'sources', '--context', 'east,west', '-o', 'json'], { cwd: home, env: { KUBECONFIG: kubeconfig } });
        assert.equal(two.code, 0, two.stderr);
        const json = JSON.parse(two.stdout) as Fleet;
        assert.deepEqual(
          json.contexts.map((c) => `${c.context}=${c.state}:${c.count}`),
          ['east=ready:2', 'west=ready:2'],
        );
        assert.equal(json.rows.find((r) => r.id === 'OCIRepository/flux-system/app')!.placements.length, 2);

        const one = await runCli(['get', 'sources', '--context', 'west'], { cwd: home, env: { KUBECONFIG: kubeconfig } });
        assert.equal(one.code, 0, one.stderr);
        assert.match(one.stdout, /^NAME\s+READY/);
        assert.match(one.stdout, /OCIRepository\/flux-system\/only-west/);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });

    await t.test('a cluster stopped mid-test: the view keeps what it saw and says so, the other cluster goes on', async () => {
      const t0 = Date.now();
      await w.stopApiServer('SIGKILL');
      const seen = await until('west shows as stale', 30_000, async () => {
        const v = await fleet();
        return state(v)['west'] === 'stale' ? v : undefined;
      });
      t.diagnostic(`west stale after ${(Date.now() - t0) / 1000}s: ${seen.contexts.find((c) => c.context === 'west')!.message}`);
      assert.equal(state(seen)['east'], 'ready');
      assert.deepEqual(
        rowOf(seen, 'OCIRepository/flux-system/app')!.placements.map((p) => p.context),
        ['east', 'west'],
        'what west showed is kept',
      );
      const a0 = Date.now();
      await fleet();
      assert.ok(Date.now() - a0 < 4_000, 'the view still answers at once');
      // The east cluster is followed as before: a change there reaches the view.
      await markReconciled(e, { namespace: ns, name: 'app', revision: `v1.0.1@${digestA}`, digest: digestA });
      await until('east change seen', 15_000, async () => {
        const v = await fleet();
        return rowOf(v, 'OCIRepository/flux-system/app')!.placements.find((p) => p.context === 'east')!.node.revision === `v1.0.1@${digestA}`
          ? true
          : undefined;
      });
      const cli = await runCli(['get', 'sources', '--context', 'east,west', '--timeout', '4s'], { cwd: dir, env: { KUBECONFIG: kubeconfig } });
      assert.equal(cli.code, 1);
      assert.match(cli.stdout, /east\s+OCIRepository\/flux-system\/app/);
      assert.match(cli.stderr, /✗ context west .*connection refused/);
      assert.ok(server.alive);
    });
  } finally {
    await lsp?.stop();
    await Promise.all([east?.stop(), west?.stop(), registry?.stop(), dead?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
