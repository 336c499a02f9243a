/**
 * The user's story on a real control plane the suite starts on loopback (etcd, kube-apiserver,
 * Flux's CRDs, Flux's source-controller and kustomize-controller; see test/peers/controlPlane.ts)
 * with a real registry (Debian's docker-registry):
 *
 *  1. push an artifact with flux-oci; apply an OCIRepository and a Kustomization with flux-oci
 *     (dry-run diff first); reconcile with flux-oci; the artifact's ConfigMap is in the API server
 *     and the reported revision carries our digest;
 *  2. push a broken artifact: our reconcile reports the failure as soon as the controller does;
 *  3. sign an artifact with cosign and require it with spec.verify: the signed one is Ready, an
 *     unsigned one fails fast with the verification error;
 *  4. suspend/resume, get sources, delete;
 *  5. one LSP step: the drift code lens says "cluster at ..., registry resolves ..." with a reconcile command.
 *
 * Timings (request → Ready, request → failure detected) are printed next to what the real
 * `flux reconcile` takes on the same objects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { peerBinary } from '../peers/goPeers.ts';
import { runCli } from '../oci/runCli.ts';
import { LspClient } from '../helpers/lspClient.ts';

const ns = 'flux-system';

function fluxYaml(registry: string, opts: { name?: string; tag: string; verify?: boolean; path?: string }): string {
  const name = opts.name ?? 'app';
  return `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  interval: 10m
  url: oci://${registry}/team/app
  insecure: true
  ref:
    tag: ${opts.tag}
${opts.verify ? '  verify:\n    provider: cosign\n    secretRef:\n      name: cosign-pub\n' : ''}---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  interval: 10m
  prune: true
  path: ${opts.path ?? './'}
  sourceRef:
    kind: OCIRepository
    name: ${name}
`;
}

function writeTree(root: string, files: Record<string, string>): string {
  rmSync(root, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

interface Timed<T> {
  value: T;
  ms: number;
}

async function timed<T>(run: () => Promise<T>): Promise<Timed<T>> {
  const t0 = performance.now();
  const value = await run();
  return { value, ms: performance.now() - t0 };
}

test(
  'cluster: push, apply, reconcile, fail fast, verify signatures, drift — on a real control plane with Flux controllers',
  { timeout: 15 * 60_000 },
  async (t) => {
    if (!requireControlPlane(t, ['source-controller', 'kustomize-controller'])) return;
    if (!dockerRegistryAvailable()) {
      if (process.env['CI']) throw new Error('docker-registry is not installed (apt-get install docker-registry)');
      t.skip('docker-registry is not installed');
      return;
    }
    let cp: ControlPlane | undefined;
    let registry: StartedRegistry | undefined;
    const ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-cluster-ws-'));
    const timings: Array<[string, string]> = [];
    try {
      [cp, registry] = await Promise.all([startControlPlane(), startRegistry()]);
      t.diagnostic(`control plane up: ${JSON.stringify(cp.startup)}`);
      const env = { KUBECONFIG: cp.kubeconfig };
      const cli = (args: string[]) => runCli(args, { cwd: ws, env });
      const reg = registry.host;
      const flux = peerBinary('flux');

      // ---- 1. push, apply with a dry-run diff, reconcile, find the ConfigMap ----
      writeTree(path.join(ws, 'v1'), {
        'configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-settings\n  namespace: default\ndata:\n  greeting: hello from v1\n',
      });
      const push = await cli([
        'push',
        'artifact',
        `oci://${reg}/team/app:v1.0.0`,
        '-f',
        'v1',
        '--source',
        'https://example.invalid/app',
        '--revision',
        'main@sha1:1111111',
        '-o',
        'json',
      ]);
      assert.equal(push.code, 0, push.stderr);
      const digest = (JSON.parse(push.stdout) as { digest: string }).digest;

      writeFileSync(path.join(ws, 'flux.yaml'), fluxYaml(reg, { tag: 'v1.0.0' }));
      const dry = await cli(['apply', '-f', 'flux.yaml', '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /\+ OCIRepository flux-system\/app created \(dry run\)/);
      assert.match(dry.stdout, /\+ {4}tag: v1\.0\.0/, 'the diff shows the new object, defaults from the API server included');
      assert.equal((await cp.api('GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories/app`)).status, 404, 'a dry run writes nothing');

      const applied = await cli(['apply', '-f', 'flux.yaml']);
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /applied 2 of 2 object\(s\) \(field manager flux-oci\)/);
      const live = await cp.api('GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories/app`);
      assert.ok(
        (live.body.metadata.managedFields as Array<{ manager: string; operation: string }>).some((m) => m.manager === 'flux-oci' && m.operation === 'Apply'),
      );

      const rec = await timed(() => cli(['reconcile', 'kustomization', 'app', '--with-source', '-o', 'json']));
      assert.equal(rec.value.code, 0, rec.value.stderr);
      const result = JSON.parse(rec.value.stdout) as { revision: string; elapsedMs: number; source: { revision: string; elapsedMs: number } };
      assert.equal(result.source.revision, `v1.0.0@${digest}`, 'source-controller reports the digest we pushed');
      assert.equal(result.revision, `v1.0.0@${digest}`, 'kustomize-controller applied that revision');
      const cm = await cp.api('GET', '/api/v1/namespaces/default/configmaps/app-settings');
      assert.equal(cm.status, 200, 'the artifact ConfigMap is in the API server');
      assert.equal(cm.body.data.greeting, 'hello from v1');
      timings.push(['reconcile source oci → Ready (flux-oci)', `${result.source.elapsedMs} ms`]);
      timings.push(['reconcile kustomization → Ready (flux-oci)', `${result.elapsedMs} ms`]);

      const again = await timed(() => cli(['reconcile', 'source', 'oci', 'app', '-o', 'json']));
      assert.equal(again.value.code, 0, again.value.stderr);
      timings.push(['reconcile source oci → Ready again (flux-oci, in-process)', `${(JSON.parse(again.value.stdout) as { elapsedMs: number }).elapsedMs} ms`]);
      timings.push(['  same, whole CLI process', `${Math.round(again.ms)} ms`]);
      if (flux) {
        const f = await timed(async () =>
          spawnSync(flux, ['reconcile', 'source', 'oci', 'app', '-n', ns, '--kubeconfig', cp!.kubeconfig, '--timeout', '2m'], { encoding: 'utf8' }),
        );
        assert.equal(f.value.status, 0, f.value.stderr);
        timings.push(['  flux reconcile source oci (process)', `${Math.round(f.ms)} ms`]);
      }

      // ---- 2. a broken artifact: the failure is reported as soon as the controller reports it ----
      writeTree(path.join(ws, 'v2'), {
        'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- missing.yaml\n',
      });
      assert.equal((await cli(['push', 'artifact', `oci://${reg}/team/app:v2.0.0`, '-f', 'v2', '--source', 's', '--revision', 'r2'])).code, 0);
      writeFileSync(path.join(ws, 'flux.yaml'), fluxYaml(reg, { tag: 'v2.0.0' }));
      const upd = await cli(['apply', '-f', 'flux.yaml']);
      assert.equal(upd.code, 0, upd.stderr);
      assert.match(upd.stdout, /~ OCIRepository flux-system\/app configured/);
      assert.match(upd.stdout, /-\s+tag: v1\.0\.0\n\+\s+tag: v2\.0\.0/, 'the diff shows the tag change');
      const broken = await timed(() => cli(['reconcile', 'kustomization', 'app', '--with-source', '-o', 'json']));
      assert.equal(broken.value.code, 1, broken.value.stdout + broken.value.stderr);
      const failure = JSON.parse(broken.value.stdout.trim().split('\n').pop()!) as { failed: boolean; reason: string; message: string; elapsedMs: number };
      assert.equal(failure.failed, true);
      assert.match(failure.message, /missing\.yaml/, 'the controller message names the problem');
      assert.match(broken.value.stderr, /reconciliation failed after/);
      timings.push(['reconcile kustomization → failure detected (flux-oci)', `${failure.elapsedMs} ms (${failure.reason})`]);
      if (flux) {
        const f = await timed(async () =>
          spawnSync(flux, ['reconcile', 'kustomization', 'app', '-n', ns, '--kubeconfig', cp!.kubeconfig, '--timeout', '30s'], { encoding: 'utf8' }),
        );
        timings.push([
          '  flux reconcile kustomization (same failure)',
          `${Math.round(f.ms)} ms, exit ${f.value.status}: ${(f.value.stderr || f.value.stdout).trim().split('\n').pop()}`,
        ]);
      }
      // The ConfigMap from v1 is still there: a failed build prunes nothing.
      assert.equal((await cp.api('GET', '/api/v1/namespaces/default/configmaps/app-settings')).status, 200);

      // A source that cannot be fetched fails fast too.
      writeFileSync(path.join(ws, 'missing.yaml'), fluxYaml(reg, { name: 'gone', tag: 'v9.9.9' }).split('---')[0]!);
      assert.equal((await cli(['apply', '-f', 'missing.yaml'])).code, 0);
      const gone = await cli(['reconcile', 'source', 'oci', 'gone', '-o', 'json']);
      assert.equal(gone.code, 1, gone.stdout + gone.stderr);
      const goneFailure = JSON.parse(gone.stdout.trim()) as { reason: string; message: string; elapsedMs: number };
      assert.match(goneFailure.message, /v9\.9\.9|not found|MANIFEST_UNKNOWN/i);
      timings.push(['reconcile source oci (missing tag) → failure detected (flux-oci)', `${goneFailure.elapsedMs} ms (${goneFailure.reason})`]);
      if (flux) {
        const f = await timed(async () =>
          spawnSync(flux, ['reconcile', 'source', 'oci', 'gone', '-n', ns, '--kubeconfig', cp!.kubeconfig, '--timeout', '30s'], { encoding: 'utf8' }),
        );
        timings.push([
          '  flux reconcile source oci (same failure)',
          `${Math.round(f.ms)} ms, exit ${f.value.status}: ${(f.value.stderr || f.value.stdout).trim().split('\n').pop()}`,
        ]);
      }

      // ---- 3. signatures: cosign-signed artifact with spec.verify ----
      const cosign = peerBinary('cosign');
      if (!cosign) {
        if (process.env['CI']) throw new Error('cosign is not built: bash scripts/peers/build.sh cosign');
        t.diagnostic('cosign not built: signature scenario skipped');
      } else {
        const keys = path.join(ws, 'keys');
        mkdirSync(keys);
        const cosignEnv = { ...process.env, COSIGN_PASSWORD: '', HOME: ws };
        const gen = spawnSync(cosign, ['generate-key-pair'], { cwd: keys, env: cosignEnv, encoding: 'utf8' });
        assert.equal(gen.status, 0, gen.stderr);
        writeTree(path.join(ws, 'v3'), {
          'configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-settings\n  namespace: default\ndata:\n  greeting: hello from signed v3\n',
        });
        const p3 = await cli(['push', 'artifact', `oci://${reg}/team/app:v3.0.0`, '-f', 'v3', '--source', 's', '--revision', 'r3', '-o', 'json']);
        assert.equal(p3.code, 0, p3.stderr);
        const digest3 = (JSON.parse(p3.stdout) as { digest: string }).digest;
        const sign = spawnSync(
          cosign,
          [
            'sign',
            '--key',
            path.join(keys, 'cosign.key'),
            '--tlog-upload=false',
            '--new-bundle-format=false',
            '--use-signing-config=false',
            '--yes',
            '--allow-insecure-registry',
            `${reg}/team/app@${digest3}`,
          ],
          { env: cosignEnv, encoding: 'utf8' },
        );
        assert.equal(sign.status, 0, sign.stderr);
        const pub = (await import('node:fs')).readFileSync(path.join(keys, 'cosign.pub'), 'utf8');
        const secret = await cp.api('POST', `/api/v1/namespaces/${ns}/secrets`, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'cosign-pub', namespace: ns },
          stringData: { 'cosign.pub': pub },
        });
        assert.equal(secret.status, 201, JSON.stringify(secret.body));
        writeFileSync(path.join(ws, 'flux.yaml'), fluxYaml(reg, { tag: 'v3.0.0', verify: true }));
        assert.equal((await cli(['apply', '-f', 'flux.yaml'])).code, 0);
        const signed = await cli(['reconcile', 'kustomization', 'app', '--with-source', '-o', 'json']);
        assert.equal(signed.code, 0, signed.stdout + signed.stderr);
        const sres = JSON.parse(signed.stdout) as { revision: string; elapsedMs: number; source: { elapsedMs: number } };
        assert.equal(sres.revision, `v3.0.0@${digest3}`);
        const oci = await cp.api('GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories/app`);
        assert.ok(
          (oci.body.status.conditions as Array<{ type: string; status: string }>).some((c) => c.type === 'SourceVerified' && c.status === 'True'),
          'source-controller verified the cosign signature',
        );
        assert.equal((await cp.api('GET', '/api/v1/namespaces/default/configmaps/app-settings')).body.data.greeting, 'hello from signed v3');
        timings.push(['reconcile signed source (verify) → Ready (flux-oci)', `${sres.source.elapsedMs} ms`]);

        // v1.0.0 has no signature: with verify on, the failure is reported at once.
        writeFileSync(path.join(ws, 'flux.yaml'), fluxYaml(reg, { tag: 'v1.0.0', verify: true }));
        assert.equal((await cli(['apply', '-f', 'flux.yaml'])).code, 0);
        const unsigned = await cli(['reconcile', 'source', 'oci', 'app', '-o', 'json']);
        assert.equal(unsigned.code, 1, unsigned.stdout + unsigned.stderr);
        const uf = JSON.parse(unsigned.stdout.trim()) as { reason: string; message: string; elapsedMs: number };
        assert.match(uf.message, /verify|signature/i);
        timings.push(['reconcile unsigned source (verify) → failure detected (flux-oci)', `${uf.elapsedMs} ms (${uf.reason})`]);
      }

      // ---- 4. suspend/resume, get sources, events through the CLI ----
      assert.equal((await cli(['suspend', 'source', 'oci', 'gone'])).code, 0);
      const suspended = await cli(['reconcile', 'source', 'oci', 'gone']);
      assert.equal(suspended.code, 1);
      assert.match(suspended.stderr, /is suspended: resume it first/);
      const list = await cli(['get', 'sources', '-o', 'json']);
      assert.equal(list.code, 0, list.stderr);
      const tree = JSON.parse(list.stdout) as Array<{
        ref: { kind: string; name: string };
        suspended: boolean;
        children: Array<{ ref: { kind: string; name: string } }>;
      }>;
      const appNode = tree.find((n) => n.ref.kind === 'OCIRepository' && n.ref.name === 'app');
      assert.ok(appNode, 'the source is listed');
      assert.deepEqual(
        appNode.children.map((c) => `${c.ref.kind}/${c.ref.name}`),
        ['Kustomization/app'],
        'with its consumer under it',
      );
      assert.equal(tree.find((n) => n.ref.name === 'gone')?.suspended, true);
      const resumed = await cli(['resume', 'source', 'oci', 'gone']);
      assert.equal(resumed.code, 1, 'resume waits and reports that the tag is still missing');

      // ---- 5. drift over LSP: the code lens compares cluster and registry ----
      writeTree(path.join(ws, 'v4'), { 'configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: default\n' });
      assert.equal(
        (await cli(['push', 'artifact', `oci://${reg}/team/app:v1.0.0`, '-f', 'v4', '--source', 's', '--revision', 'moved'])).code,
        0,
        'the tag moves in the registry',
      );
      const lensDoc = path.join(ws, 'lens', 'source.yaml');
      writeTree(path.join(ws, 'lens'), { 'source.yaml': fluxYaml(reg, { tag: 'v1.0.0', name: 'app' }).split('---')[0]! });
      // The cluster's app is still at v1.0.0@<old digest> (the verify failure kept it... or v3 when signed).
      process.env['KUBECONFIG'] = cp.kubeconfig; // the language server inherits it, as from the editor's environment
      const lsp = await LspClient.start({ workspaceFolders: [path.join(ws, 'lens')] });
      try {
        const uri = pathToFileURL(lensDoc).href;
        lsp.open(uri, (await import('node:fs')).readFileSync(lensDoc, 'utf8'));
        let lenses: Array<{ command?: { title: string; command: string; arguments?: unknown[] } }> = [];
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          lenses = (await lsp.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as typeof lenses;
          if (lenses.some((l) => l.command && /registry resolves/.test(l.command.title))) break;
          await new Promise((r) => setTimeout(r, 300));
        }
        const lens = lenses.find((l) => l.command && /registry resolves/.test(l.command.title));
        assert.ok(lens, `a drift lens appears (got ${JSON.stringify(lenses)})`);
        assert.match(lens.command!.title, /^cluster at v\d\.0\.0.*, registry resolves v1\.0\.0/);
        assert.equal(lens.command!.command, 'flux-oci.reconcile');
        const tr = await timed(() => lsp.connection.sendRequest('workspace/executeCommand', { command: 'flux-oci.clusterTree', arguments: [] }));
        const lspTree = tr.value as { nodes: Array<{ ref: { name: string } }> };
        assert.ok(lspTree.nodes.some((n) => n.ref.name === 'app'));
        timings.push(['LSP cluster tree request', `${Math.round(tr.ms)} ms`]);
      } finally {
        await lsp.stop();
      }

      // ---- 6. delete ----
      assert.equal((await cli(['delete', 'source', 'oci', 'gone'])).code, 0);
      const after = await cli(['delete', 'source', 'oci', 'gone']);
      assert.equal(after.code, 1);
      assert.match(after.stderr, /does not exist in the cluster/);
    } finally {
      const width = Math.max(...timings.map(([k]) => k.length), 10);
      if (timings.length) t.diagnostic(`timings:\n${timings.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}`);
      if (timings.length) process.stdout.write(`# cluster timings\n${timings.map(([k, v]) => `#   ${k.padEnd(width)}  ${v}`).join('\n')}\n`);
      await Promise.allSettled([cp?.stop(), registry?.stop()]);
      rmSync(ws, { recursive: true, force: true });
    }
  },
);
