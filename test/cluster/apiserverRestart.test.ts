/**
 * Cluster faults (issue 22, part 3): the real kube-apiserver is stopped and started again
 * (same port, same certificates; etcd keeps running, so the cluster's state survives) while
 * flux-oci is in the middle of something:
 *
 *  1. a `flux-oci reconcile` waiting on its controller resumes its watch and finishes; when the
 *     API server stays down past `--timeout`, the command ends at its timeout with a message
 *     that says why, and so does an apply;
 *  2. the language server's "Flux Cluster" view keeps what it knew while the API server is down
 *     (and says why it may be stale), then follows changes again on its own:
 *     `flux-oci/clusterChanged` fires and the tree shows a change made through the API;
 *     An editor opened while the API server is down answers at once and fills in when it is up;
 *  3. an apply of many objects is cut by the restart: it finishes (or says clearly what to do),
 *     and running it again changes nothing that was applied: nothing is applied twice or duplicated.
 *
 * No Flux controller runs here: the CRDs are installed and the test plays source-controller
 * where one is needed (it writes the status a controller writes), so the restart lands exactly
 * where the story says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markReconciled, requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { repoRoot, runCli } from '../oci/runCli.ts';
import { LspClient } from '../helpers/lspClient.ts';

const ns = 'flux-system';
const ociPath = (name = '') => `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories${name ? `/${name}` : ''}`;
const digest = `sha256:${'ab'.repeat(32)}`;

function ociRepository(name: string, tag = 'v1.0.0'): Record<string, unknown> {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'OCIRepository',
    metadata: { name, namespace: ns },
    spec: { interval: '10m', url: 'oci://127.0.0.1:5999/team/app', ref: { tag } },
  };
}

/** The CLI as a process whose output the test reads while it runs; `exited` never waits past `limitMs`. */
function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv, limitMs: number) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'flux-oci'), ...args], {
    cwd,
    env: { PATH: process.env['PATH'], HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  const listeners: Array<() => void> = [];
  const notify = (): void => listeners.forEach((l) => l());
  child.stdout.on('data', (d: Buffer) => ((out.stdout += d.toString()), notify()));
  child.stderr.on('data', (d: Buffer) => ((out.stderr += d.toString()), notify()));
  const t0 = Date.now();
  let hung = false;
  const watchdog = setTimeout(() => ((hung = true), child.kill('SIGKILL')), limitMs);
  const exited = new Promise<{ code: number; seconds: number; hung: boolean }>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(watchdog);
      resolve({ code: code ?? -1, seconds: (Date.now() - t0) / 1000, hung });
    }),
  );
  /** Resolves as soon as `re` matches the output (or rejects when the process ended first). */
  const waitFor = (stream: 'stdout' | 'stderr', re: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (re.test(out[stream])) resolve();
      };
      listeners.push(check);
      check();
      void exited.then(() => (re.test(out[stream]) ? resolve() : reject(new Error(`the CLI ended before printing ${re}: ${out.stdout}${out.stderr}`))));
    });
  return { out, exited, waitFor };
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

test('kube-apiserver restarts in the middle of a reconcile, a tree-view watch and an apply', { timeout: 15 * 60_000 }, async (t) => {
  if (!requireControlPlane(t, [], ['source-controller', 'kustomize-controller'])) return;
  const ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-restart-'));
  let cp: ControlPlane | undefined;
  const restarts: string[] = [];
  try {
    cp = await startControlPlane({ controllers: [], crds: ['source-controller', 'kustomize-controller'] });
    const plane = cp;
    t.diagnostic(`control plane up: ${JSON.stringify(plane.startup)}`);
    const env = { KUBECONFIG: plane.kubeconfig };
    // A story that fails half-way must not leave the next one without an API server.
    t.afterEach(async () => {
      if (!plane.apiServerRunning) await plane.startApiServer();
    });
    const created = await plane.api('POST', ociPath(), ociRepository('app'));
    assert.equal(created.status, 201, JSON.stringify(created.body));

    await t.test('a reconcile waiting on its controller rides out an API server restart and finishes', async () => {
      const cli = startCli(['reconcile', 'source', 'oci', 'app', '--timeout', '3m'], ws, env, 4 * 60_000);
      await cli.waitFor('stderr', /waiting for OCIRepository flux-system\/app to reconcile/);
      const token = (await plane.api('GET', ociPath('app'))).body.metadata.annotations['reconcile.fluxcd.io/requestedAt'] as string;
      assert.ok(token, 'the reconcile request is on the object');

      const down = await plane.restartApiServer({ signal: 'SIGTERM' });
      restarts.push(`SIGTERM restart during a reconcile: ${down}s unreachable`);

      // source-controller (played by the test) handles the request once the API server is back.
      await markReconciled(plane, { namespace: ns, name: 'app', revision: `v1.0.0@${digest}`, digest, handledReconcileAt: token });

      const result = await cli.exited;
      assert.equal(result.hung, false, `the reconcile hung: ${cli.out.stderr}`);
      assert.equal(result.code, 0, cli.out.stdout + cli.out.stderr);
      assert.match(cli.out.stdout, new RegExp(`✔ OCIRepository app: fetched revision v1\\.0\\.0@${digest}`));
      assert.match(cli.out.stderr, /lost the watch on OCIRepository flux-system\/app .*retrying/, 'the user sees that the connection dropped');
      assert.match(cli.out.stderr, /watching OCIRepository flux-system\/app again/, 'and that it came back');
      t.diagnostic(`what the user saw:\n${cli.out.stderr}${cli.out.stdout}`);
    });

    await t.test('an API server that stays down ends a reconcile at its timeout, saying why; a command started while it is down says so at once', async () => {
      const reconcile = startCli(['reconcile', 'source', 'oci', 'app', '--timeout', '10s'], ws, env, 60_000);
      await reconcile.waitFor('stderr', /waiting for OCIRepository flux-system\/app to reconcile/);
      await plane.stopApiServer('SIGKILL');
      // A command that never reached the API server fails at once, like kubectl: most likely the
      // kubeconfig is wrong or the cluster is not running, and waiting would not help.
      writeFileSync(path.join(ws, 'one.yaml'), JSON.stringify(ociRepository('late')));
      const apply = startCli(['apply', '-f', 'one.yaml', '--timeout', '1m'], ws, env, 60_000);
      const [r, a] = await Promise.all([reconcile.exited, apply.exited]);
      await plane.startApiServer();

      assert.equal(r.hung, false, 'the reconcile did not hang');
      assert.equal(r.code, 1, reconcile.out.stdout + reconcile.out.stderr);
      assert.ok(r.seconds < 10 + 8, `the reconcile ended at its timeout (took ${r.seconds}s)`);
      assert.match(
        reconcile.out.stderr,
        /✗ timed out after 10s waiting for OCIRepository flux-system\/app \(last attempt: cannot (watch|reach).*connection refused/,
      );

      assert.equal(a.hung, false, 'the apply did not hang');
      assert.equal(a.code, 1, apply.out.stdout + apply.out.stderr);
      assert.ok(a.seconds < 5, `the apply said so at once (took ${a.seconds}s)`);
      assert.match(
        apply.out.stderr,
        /✗ cannot reach the API server https:\/\/127\.0\.0\.1:\d+ \(context "flux-oci-test"\): connection refused \(is the cluster running and the kubeconfig current\?\)/,
      );
      assert.equal((await plane.api('GET', ociPath('late'))).status, 404, 'nothing was applied');
      t.diagnostic(`reconcile gave up after ${r.seconds}s (--timeout 10s), apply after ${a.seconds}s:\n${reconcile.out.stderr}${apply.out.stderr}`);
    });

    await t.test('the Flux Cluster view keeps what it knew while the API server is down and follows changes again after it restarts', async () => {
      const saved = process.env['KUBECONFIG'];
      process.env['KUBECONFIG'] = plane.kubeconfig; // the language server inherits it, as from the editor's environment
      const lsp = await LspClient.start({ workspaceFolders: [ws] });
      if (saved === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = saved;
      const changes: number[] = [];
      lsp.connection.onNotification('flux-oci/clusterChanged', () => void changes.push(Date.now()));
      type Tree = { nodes: Array<{ ref: { kind: string; name: string }; suspended: boolean }>; stale?: string; ok?: boolean; error?: string };
      const tree = async (): Promise<Tree> =>
        (await lsp.connection.sendRequest('workspace/executeCommand', { command: 'flux-oci.clusterTree', arguments: [] })) as Tree;
      const app = (tr: Tree) => tr.nodes.find((n) => n.ref.kind === 'OCIRepository' && n.ref.name === 'app');
      try {
        // Right after a restart the API server answers watches 429 "storage is (re)initializing"
        // for a moment: start from a view that follows every kind.
        const before = await until('the view follows every kind', 30_000, async () => {
          const tr = await tree();
          return tr.stale ? undefined : tr;
        });
        assert.equal(app(before)?.suspended, false, `the view shows the source (got ${JSON.stringify(before)})`);

        const t0 = Date.now();
        await plane.stopApiServer('SIGKILL');
        // The client is told (clusterChanged) and the tree then says why it may be out of date.
        const stale = await until('the view says it is stale', 20_000, async () => {
          if (!changes.some((c) => c >= t0)) return undefined;
          const tr = await tree();
          return tr.stale ? tr : undefined;
        });
        assert.ok(Date.now() - t0 < 20_000);
        assert.ok(app(stale), 'while the API server is down the view keeps what it knew');
        assert.match(stale.stale!, /cannot be followed \(cannot watch .*\); retrying in the background/);

        await plane.startApiServer();
        restarts.push(`SIGKILL restart under the tree view: ${(Date.now() - t0) / 1000}s unreachable`);
        const suspendedAt = Date.now();
        const patched = await plane.api('PATCH', ociPath('app'), { spec: { suspend: true } }, 'application/merge-patch+json');
        assert.equal(patched.status, 200, JSON.stringify(patched.body));

        const seen = await until('the view shows the suspended source', 30_000, async () => {
          const tr = await tree();
          return app(tr)?.suspended === true && changes.some((c) => c >= suspendedAt) ? tr : undefined;
        });
        t.diagnostic(`view recovered ${(Date.now() - suspendedAt) / 1000}s after the change (clusterChanged fired ${changes.length} times)`);
        assert.ok(app(seen), 'the source is still there');
        // Other kinds may still be waiting out "storage is (re)initializing" (429) for a moment;
        // once all are followed again the client is told and the warning is gone.
        await until('the view no longer says it is stale', 30_000, async () => ((await tree()).stale === undefined ? true : undefined));
        const last = changes[changes.length - 1]!;
        assert.equal((await tree()).stale, undefined);
        assert.ok(last >= suspendedAt, 'the recovery was announced with clusterChanged');
        assert.ok(lsp.alive, 'the language server is still running');
        assert.ok(
          lsp.logs.some((l) => /cluster: (?:[\w.-]+: )?(watching|listing) OCIRepository: .*retrying in the background/.test(l)),
          `the outage is logged once per kind (logs: ${lsp.logs.join(' | ')})`,
        );
        assert.ok(
          lsp.logs.some((l) => /cluster: (?:[\w.-]+: )?following OCIRepository again/.test(l)),
          'and so is the recovery',
        );
        const outageLines = lsp.logs.filter((l) => /cluster: (?:[\w.-]+: )?(watching|listing) OCIRepository:/.test(l)).length;
        assert.ok(outageLines <= 2, `retries do not flood the log (${outageLines} lines for OCIRepository)`);
        t.diagnostic(`server log:\n${lsp.logs.filter((l) => l.startsWith('cluster:')).join('\n')}`);
      } finally {
        await lsp.stop();
      }
      await plane.api('PATCH', ociPath('app'), { spec: { suspend: null } }, 'application/merge-patch+json');
    });

    await t.test('an editor opened while the API server is down answers at once, and fills the view when it comes up', async () => {
      await plane.stopApiServer('SIGKILL');
      const saved = process.env['KUBECONFIG'];
      process.env['KUBECONFIG'] = plane.kubeconfig;
      const lsp = await LspClient.start({ workspaceFolders: [ws] });
      if (saved === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = saved;
      const changes: number[] = [];
      lsp.connection.onNotification('flux-oci/clusterChanged', () => void changes.push(Date.now()));
      type Tree = { nodes: Array<{ ref: { kind: string; name: string } }>; stale?: string };
      const tree = async (): Promise<Tree> =>
        (await lsp.connection.sendRequest('workspace/executeCommand', { command: 'flux-oci.clusterTree', arguments: [] })) as Tree;
      try {
        const t0 = Date.now();
        const empty = await tree();
        assert.ok(Date.now() - t0 < 5000, `the tree answered without waiting out the retries (${Date.now() - t0} ms)`);
        assert.deepEqual(empty.nodes, []);
        assert.match(empty.stale ?? '', /connection refused/, 'and says why it is empty');

        const starting = Date.now();
        await plane.startApiServer();
        const up = Date.now();
        const full = await until('the view fills in', 30_000, async () => {
          const tr = await tree();
          return tr.nodes.some((n) => n.ref.kind === 'OCIRepository' && n.ref.name === 'app') && !tr.stale ? tr : undefined;
        });
        // (the view may fill in before /readyz says ready, so count from the start)
        assert.ok(
          changes.some((c) => c >= starting),
          'the client was told to refresh',
        );
        t.diagnostic(`view filled ${(Date.now() - up) / 1000}s after the API server was ready (${full.nodes.length} nodes)`);
      } finally {
        await lsp.stop();
      }
    });

    await t.test('an apply cut by a restart finishes or says what to do, and applying again changes nothing twice', async () => {
      const count = 120;
      const names = Array.from({ length: count }, (_, i) => `many-${String(i).padStart(3, '0')}`);
      writeFileSync(path.join(ws, 'many.yaml'), names.map((n) => JSON.stringify(ociRepository(n))).join('\n---\n'));
      const apply = startCli(['apply', '-f', 'many.yaml', '--timeout', '3m'], ws, env, 4 * 60_000);
      // The plan (every dry run) is printed before the first object is written; the restart
      // comes once some objects are in the cluster and most are not.
      await apply.waitFor('stdout', new RegExp(`OCIRepository flux-system/${names[count - 1]} created`));
      const before = await until('the apply is under way', 60_000, async () => {
        const n = ((await plane.api('GET', `${ociPath()}?limit=500`)).body.items as Array<{ metadata: { name: string } }>).filter((o) =>
          o.metadata.name.startsWith('many-'),
        ).length;
        return n >= 5 ? n : undefined;
      });
      const down = await plane.restartApiServer({ signal: 'SIGKILL' });
      restarts.push(`SIGKILL restart during an apply (${before} of ${count} objects in before it): ${down}s unreachable`);
      const first = await apply.exited;
      assert.equal(first.hung, false, 'the apply did not hang');
      assert.ok(before < count, `the restart came in the middle of the apply (${before} of ${count} applied before it)`);
      if (first.code === 0) {
        assert.match(apply.out.stdout, new RegExp(`✔ applied ${count} of ${count} object\\(s\\)`));
        assert.match(
          apply.out.stderr,
          /◎ cannot reach the API server .*; retrying\n[^]*◎ the API server https:\/\/127\.0\.0\.1:\d+ answers again/,
          'the user saw the apply wait for the API server',
        );
      } else assert.match(apply.out.stderr, /Run the same apply again once the API server answers: server-side apply is idempotent/, apply.out.stderr);
      t.diagnostic(`first apply: exit ${first.code} after ${first.seconds}s`);

      const list = async () =>
        (
          (await plane.api('GET', ociPath())).body.items as Array<{
            metadata: { name: string; resourceVersion: string; generation: number; managedFields: Array<{ manager: string; operation: string }> };
          }>
        ).filter((o) => o.metadata.name.startsWith('many-'));
      const afterFirst = new Map((await list()).map((o) => [o.metadata.name, o.metadata.resourceVersion]));

      const again = await runCli(['apply', '-f', 'many.yaml'], { cwd: ws, env });
      assert.equal(again.code, 0, again.stderr);
      const unchanged = (again.stdout.match(/^= OCIRepository .* unchanged$/gm) ?? []).length;
      const createdNow = (again.stdout.match(/^\+ OCIRepository .* created$/gm) ?? []).length;
      assert.equal(unchanged, afterFirst.size, 'every object the first apply wrote is unchanged now');
      assert.equal(unchanged + createdNow, count);

      const final = await list();
      assert.deepEqual(final.map((o) => o.metadata.name).sort(), names, 'each object exactly once');
      for (const o of final) {
        assert.equal(o.metadata.generation, 1, `${o.metadata.name}: its spec was written once`);
        assert.equal(
          o.metadata.managedFields.filter((m) => m.manager === 'flux-oci' && m.operation === 'Apply').length,
          1,
          `${o.metadata.name}: one flux-oci field manager entry`,
        );
        if (afterFirst.has(o.metadata.name))
          assert.equal(o.metadata.resourceVersion, afterFirst.get(o.metadata.name), `${o.metadata.name}: the second apply did not write it again`);
      }
    });

    await t.test(
      'an apply whose API server does not come back within --timeout stops there, says how far it got, and running it again finishes it',
      async () => {
        const count = 120;
        const names = Array.from({ length: count }, (_, i) => `late-${String(i).padStart(3, '0')}`);
        writeFileSync(path.join(ws, 'late.yaml'), names.map((n) => JSON.stringify(ociRepository(n))).join('\n---\n'));
        const apply = startCli(['apply', '-f', 'late.yaml', '--timeout', '20s'], ws, env, 60_000);
        await apply.waitFor('stdout', new RegExp(`OCIRepository flux-system/${names[count - 1]} created`));
        await until('the apply is under way', 20_000, async () => {
          const n = ((await plane.api('GET', `${ociPath()}?limit=500`)).body.items as Array<{ metadata: { name: string } }>).filter((o) =>
            o.metadata.name.startsWith('late-'),
          ).length;
          return n >= 5 ? n : undefined;
        });
        await plane.stopApiServer('SIGKILL');
        const first = await apply.exited;
        await plane.startApiServer();
        assert.equal(first.hung, false, 'the apply did not hang');
        assert.equal(first.code, 1, apply.out.stdout + apply.out.stderr);
        assert.ok(first.seconds < 20 + 8, `it ended at its timeout (took ${first.seconds}s)`);
        assert.match(
          apply.out.stderr,
          /✗ timed out after 20s applying late\.yaml \(last attempt: applying OCIRepository flux-system\/late-\d+ failed: cannot reach the API server .*\. \d+ of 120 change\(s\) were applied before it; .*Run the same apply again once the API server answers/,
        );
        t.diagnostic(
          `what the user saw:\n${apply.out.stderr
            .split('\n')
            .filter((l) => l.startsWith('✗') || l.startsWith('◎'))
            .join('\n')}`,
        );

        const again = await runCli(['apply', '-f', 'late.yaml'], { cwd: ws, env });
        assert.equal(again.code, 0, again.stderr);
        const all = ((await plane.api('GET', ociPath())).body.items as Array<{ metadata: { name: string; generation: number } }>).filter((o) =>
          o.metadata.name.startsWith('late-'),
        );
        assert.deepEqual(all.map((o) => o.metadata.name).sort(), names, 'each object exactly once');
        assert.ok(
          all.every((o) => o.metadata.generation === 1),
          'each written once',
        );
      },
    );
  } finally {
    if (restarts.length) t.diagnostic(`restarts:\n  ${restarts.join('\n  ')}`);
    await cp?.stop();
    rmSync(ws, { recursive: true, force: true });
  }
});
