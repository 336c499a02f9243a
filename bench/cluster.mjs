// npm run bench:cluster — on a real control plane (etcd, kube-apiserver, Flux's source- and
// kustomize-controller; test/peers/controlPlane.ts) and Debian's docker-registry, prints side by side:
//   * request → Ready: `flux-oci reconcile source oci` vs `flux reconcile source oci` (same object, 5 runs);
//   * request → failure detected on a missing tag: flux-oci vs flux (flux waits for its --timeout);
//   * 500 OCIRepositories: `flux-oci get sources -A` wall time, and how long after a change the
//     live inventory (list+watch) behind the tree view has it.
// Needs: bash scripts/peers/build.sh (flux) and scripts/peers/build-cluster.sh, apt docker-registry etcd-server.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../test/peers/controlPlane.ts';
import { startRegistry } from '../test/peers/registry.ts';
import { peerBinary } from '../test/peers/goPeers.ts';

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
  const push = spawnSync(process.execPath, [cli, 'push', 'artifact', `oci://${registry.host}/bench/app:v1`, '-f', path.join(ws, 'deploy'), '--source', 's', '--revision', 'r'], { encoding: 'utf8' });
  if (push.status !== 0) throw new Error(push.stderr);
  const source = (name, tag) => ({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository', metadata: { name, namespace: ns }, spec: { interval: '10m', url: `oci://${registry.host}/bench/app`, insecure: true, ref: { tag } } });
  await cp.api('POST', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories`, source('app', 'v1'));
  await cp.api('POST', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories`, source('missing', 'v404'));

  const ours = [];
  const theirs = [];
  for (let i = 0; i < runs; i++) {
    const o = time(process.execPath, [cli, 'reconcile', 'source', 'oci', 'app', '-o', 'json'], env);
    if (o.r.status !== 0) throw new Error(o.r.stderr);
    ours.push(JSON.parse(o.r.stdout).elapsedMs);
    if (flux) theirs.push(time(flux, ['reconcile', 'source', 'oci', 'app', '-n', ns, '--kubeconfig', cp.kubeconfig]).ms);
  }
  rows.push(['request → Ready (median of ' + runs + ')', `${median(ours)} ms`, flux ? `${Math.round(median(theirs))} ms (whole process)` : 'flux not built']);
  const of = time(process.execPath, [cli, 'reconcile', 'source', 'oci', 'missing', '-o', 'json'], env);
  const ff = flux ? time(flux, ['reconcile', 'source', 'oci', 'missing', '-n', ns, '--kubeconfig', cp.kubeconfig, '--timeout', '60s']) : undefined;
  rows.push(['request → failure detected', `${JSON.parse(of.r.stdout).elapsedMs} ms`, ff ? `${Math.round(ff.ms)} ms, exit ${ff.r.status}` : 'flux not built']);

  // 500 objects for the tree.
  const many = 500;
  const t0 = performance.now();
  for (let i = 0; i < many; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, many - i) }, (_, k) => cp.api('POST', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories`, { ...source(`bulk-${i + k}`, 'v1'), spec: { ...source('x', 'v1').spec, suspend: true } })));
  }
  rows.push([`create ${many} OCIRepositories (API)`, `${Math.round(performance.now() - t0)} ms`, '']);
  const list = time(process.execPath, [cli, 'get', 'sources', '-A', '-o', 'json'], env);
  rows.push([`flux-oci get sources -A (${many + 2} objects, process)`, `${Math.round(list.ms)} ms`, flux ? `${Math.round(time(flux, ['get', 'sources', 'oci', '-A', '--kubeconfig', cp.kubeconfig]).ms)} ms (flux get sources oci -A)` : '']);
} finally {
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${'measure'.padEnd(w)}  ${'flux-oci'.padEnd(14)}  flux`);
  for (const [k, a, b] of rows) console.log(`${k.padEnd(w)}  ${a.padEnd(14)}  ${b}`);
  await Promise.allSettled([cp.stop(), registry.stop()]);
}
