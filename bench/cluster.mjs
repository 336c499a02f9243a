// npm run bench:cluster — on a real control plane (etcd, kube-apiserver, Flux's source- and
// kustomize-controller; test/peers/controlPlane.ts) and Debian's docker-registry, prints side by side:
//   * request → Ready: `flux-oci reconcile source oci` vs `flux reconcile source oci` (same object, 5 runs);
//   * request → failure detected on a missing tag: flux-oci vs flux (flux waits for its --timeout);
//   * request → Ready and → failure for `reconcile kustomization --with-source` (a broken artifact:
//     kustomize build fails) vs `flux reconcile kustomization --with-source`;
//   * 500 OCIRepositories: `flux-oci get sources -A` vs `flux get sources all -A` wall time; over LSP the `flux-oci.clusterTree`
//     request (first = list of every kind, then from the watch cache) and how long after a change in
//     the API server the client gets `flux-oci/clusterChanged` (watch + 150 ms debounce).
// Needs: bash scripts/peers/build.sh (flux) and scripts/peers/build-cluster.sh, apt docker-registry etcd-server.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../test/peers/controlPlane.ts';
import { startRegistry } from '../test/peers/registry.ts';
import { peerBinary } from '../test/peers/goPeers.ts';
import { LspClient } from '../test/helpers/lspClient.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'bin', 'flux-oci');
const ns = 'flux-system';
const runs = Number(process.env.BENCH_RUNS || 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(bin, args, env) {
  const t0 = performance.now();
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { ms: performance.now() - t0, r };
}

const [cp, registry] = await Promise.all([startControlPlane(), startRegistry()]);
const flux = peerBinary('flux');
const ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-bench-cluster-'));
const env = { KUBECONFIG: cp.kubeconfig };
const rows = [];
try {
  mkdirSync(path.join(ws, 'deploy'));
  writeFileSync(path.join(ws, 'deploy', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bench, namespace: default}\n');
  const push = spawnSync(
    process.execPath,
    [cli, 'push', 'artifact', `oci://${registry.host}/bench/app:v1`, '-f', path.join(ws, 'deploy'), '--source', 's', '--revision', 'r'],
    { encoding: 'utf8' },
  );
  if (push.status !== 0) throw new Error(push.stderr);
  const source = (name, tag) => ({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'OCIRepository',
    metadata: { name, namespace: ns },
    spec: { interval: '10m', url: `oci://${registry.host}/bench/app`, insecure: true, ref: { tag } },
  });
  await cp.api('POST', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories`, source('app', 'v1'));
  await cp.api('POST', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories`, source('missing', 'v404'));

  const ours = [];
  const oursInProcess = [];
  const theirs = [];
  for (let i = 0; i < runs; i++) {
    const o = time(process.execPath, [cli, 'reconcile', 'source', 'oci', 'app', '-o', 'json'], env);
    if (o.r.status !== 0) throw new Error(o.r.stderr);
    ours.push(o.ms);
    oursInProcess.push(JSON.parse(o.r.stdout).elapsedMs);
    if (flux) theirs.push(time(flux, ['reconcile', 'source', 'oci', 'app', '-n', ns, '--kubeconfig', cp.kubeconfig]).ms);
  }
  rows.push([
    'source oci → Ready (median of ' + runs + ', whole process)',
    `${Math.round(median(ours))} ms (watch ${median(oursInProcess)} ms)`,
    flux ? `${Math.round(median(theirs))} ms (whole process)` : 'flux not built',
  ]);
  const of = time(process.execPath, [cli, 'reconcile', 'source', 'oci', 'missing', '-o', 'json'], env);
  const ff = flux ? time(flux, ['reconcile', 'source', 'oci', 'missing', '-n', ns, '--kubeconfig', cp.kubeconfig, '--timeout', '30s']) : undefined;
  rows.push([
    'source oci, missing tag → failure (process)',
    `${Math.round(of.ms)} ms (${JSON.parse(of.r.stdout).reason})`,
    ff ? `${Math.round(ff.ms)} ms, exit ${ff.r.status}` : 'flux not built',
  ]);

  // Kustomization --with-source: Ready, then a broken artifact (kustomize build fails).
  mkdirSync(path.join(ws, 'broken'));
  writeFileSync(
    path.join(ws, 'broken', 'kustomization.yaml'),
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- missing.yaml\n',
  );
  const pushBroken = spawnSync(
    process.execPath,
    [cli, 'push', 'artifact', `oci://${registry.host}/bench/app:broken`, '-f', path.join(ws, 'broken'), '--source', 's', '--revision', 'r'],
    { encoding: 'utf8' },
  );
  if (pushBroken.status !== 0) throw new Error(pushBroken.stderr);
  const ks = (name, source) => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: ns },
    spec: { interval: '10m', prune: true, path: './', sourceRef: { kind: 'OCIRepository', name: source } },
  });
  await cp.api('POST', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories`, source('broken', 'broken'));
  await cp.api('POST', `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations`, ks('app', 'app'));
  await cp.api('POST', `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations`, ks('broken', 'broken'));
  const oursKs = [];
  const theirsKs = [];
  for (let i = 0; i < runs; i++) {
    const o = time(process.execPath, [cli, 'reconcile', 'kustomization', 'app', '--with-source', '-o', 'json'], env);
    if (o.r.status !== 0) throw new Error(o.r.stderr);
    oursKs.push(o.ms);
    if (flux) theirsKs.push(time(flux, ['reconcile', 'kustomization', 'app', '--with-source', '-n', ns, '--kubeconfig', cp.kubeconfig]).ms);
  }
  rows.push([
    'kustomization --with-source → Ready (median, whole process)',
    `${Math.round(median(oursKs))} ms`,
    flux ? `${Math.round(median(theirsKs))} ms (whole process)` : 'flux not built',
  ]);
  const ok = time(process.execPath, [cli, 'reconcile', 'kustomization', 'broken', '--with-source', '-o', 'json'], env);
  const okLast = JSON.parse(ok.r.stdout.trim().split('\n').pop());
  const fk = flux
    ? time(flux, ['reconcile', 'kustomization', 'broken', '--with-source', '-n', ns, '--kubeconfig', cp.kubeconfig, '--timeout', '30s'])
    : undefined;
  rows.push([
    'kustomization --with-source, build fails → failure (process)',
    `${Math.round(ok.ms)} ms (${okLast.reason})`,
    fk ? `${Math.round(fk.ms)} ms, exit ${fk.r.status}` : 'flux not built',
  ]);

  // 500 objects for the tree.
  const many = 500;
  const t0 = performance.now();
  for (let i = 0; i < many; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, many - i) }, (_, k) =>
        cp.api('POST', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories`, {
          ...source(`bulk-${i + k}`, 'v1'),
          spec: { ...source('x', 'v1').spec, suspend: true },
        }),
      ),
    );
  }
  rows.push([`create ${many} OCIRepositories (API)`, `${Math.round(performance.now() - t0)} ms`, '']);
  const list = time(process.execPath, [cli, 'get', 'sources', '-A', '-o', 'json'], env);
  const countNodes = (nodes) => nodes.reduce((n, x) => n + 1 + countNodes(x.children), 0);
  if (list.r.status !== 0) throw new Error(list.r.stderr);
  // Alternating runs, every source kind on both sides (flux's `all`), the median of each.
  const oursList = [];
  const theirsList = [];
  for (let i = 0; i < runs; i++) {
    oursList.push(time(process.execPath, [cli, 'get', 'sources', '-A'], env).ms);
    if (flux) theirsList.push(time(flux, ['get', 'sources', 'all', '-A', '--kubeconfig', cp.kubeconfig]).ms);
  }
  rows.push([
    `get sources -A (${countNodes(JSON.parse(list.r.stdout))} objects, every kind, median of ${runs}, process)`,
    `${Math.round(median(oursList))} ms`,
    flux ? `${Math.round(median(theirsList))} ms (flux get sources all -A)` : '',
  ]);

  // The editor's tree over LSP: the request, then a change in the API server reaching the client.
  process.env.KUBECONFIG = cp.kubeconfig; // the server inherits it, as from the editor's environment
  const lsp = await LspClient.start();
  try {
    const treeReq = () => lsp.connection.sendRequest('workspace/executeCommand', { command: 'flux-oci.clusterTree', arguments: [] });
    let t = performance.now();
    const first = await treeReq();
    if (!first || first.ok === false) throw new Error(`clusterTree failed: ${JSON.stringify(first)}`);
    rows.push([`LSP flux-oci.clusterTree, first (${first.count} objects, lists every kind)`, `${Math.round(performance.now() - t)} ms`, '']);
    const again = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      await treeReq();
      again.push(performance.now() - t);
    }
    rows.push(['LSP flux-oci.clusterTree, from the watch cache (median of 5)', `${Math.round(median(again))} ms`, '']);
    const updates = [];
    for (let i = 0; i < 5; i++) {
      const seen = new Promise((resolve) => {
        const d = lsp.connection.onNotification('flux-oci/clusterChanged', () => {
          d.dispose();
          resolve(performance.now());
        });
      });
      t = performance.now();
      const r = await cp.api(
        'PATCH',
        `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories/bulk-${i}`,
        { metadata: { labels: { bench: String(i) } } },
        'application/merge-patch+json',
      );
      if (r.status !== 200) throw new Error(`patch failed: ${r.status}`);
      updates.push((await seen) - t);
    }
    rows.push(['API change → client flux-oci/clusterChanged (median of 5, incl. 150 ms debounce)', `${Math.round(median(updates))} ms`, '']);
    t = performance.now();
    const after = await treeReq();
    rows.push(['LSP flux-oci.clusterTree after the change', `${Math.round(performance.now() - t)} ms (${after.count} objects)`, '']);
  } finally {
    await lsp.stop();
  }
} finally {
  const w = Math.max(...rows.map((r) => r[0].length));
  const w2 = Math.max(8, ...rows.map((r) => r[1].length));
  console.log(`\n${'measure'.padEnd(w)}  ${'flux-oci'.padEnd(w2)}  flux`);
  for (const [k, a, b] of rows) console.log(`${k.padEnd(w)}  ${a.padEnd(w2)}  ${b}`);
  await Promise.allSettled([cp.stop(), registry.stop()]);
}
