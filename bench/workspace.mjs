// npm run bench:workspace — a 5,000-file fleet repository: our language server indexing it, and
// `flux-oci check` over it beside kubeconform (with Flux JSON schemas) in the same run.
//
// Input: a generated, seeded repository under os.tmpdir() laid out like a real fleet repo:
// clusters/<cluster>/ (OCIRepository + Kustomization flux-system, infrastructure and apps Kustomizations
// with dependsOn), infrastructure/{controllers,configs}/<component>/ and apps/base/<app>/ (Namespace,
// OCIRepository of a Helm chart, HelmRelease with chartRef, kustomization.yaml listing them),
// apps/<env>/<app>/ (kustomization.yaml with a values patch, an OCIRepository + Kustomization with dependsOn
// on other apps). Some references name nothing (so "not found in the workspace" notes appear) and some
// objects carry real errors (bad duration, enum, unknown field, missing required field, YAML syntax).
//
// Language server (driven over stdio JSON-RPC, FLUX_OCI_BENCH=1): initialize, open a dozen files at once
// (an editor restoring its tabs), then measure
//   - the end of the "Indexing the workspace" work-done progress,
//   - when every open file's "not found in the workspace" notes are complete (equal to what the generator
//     knows is missing, and unchanged afterwards); a references request then checks cross-file references,
//   - completion latency (p50/p95) of requests sent while indexing runs,
//   - the longest event-loop block inside the server, and its peak RSS (VmHWM).
// Check: `bin/flux-oci check <repo> --format json` (as npm installs it: V8's compile cache on, warmed by a
// first run) beside `kubeconform -strict -ignore-missing-schemas` with JSON schemas generated from
// ../shared/crds by kubeconform's openapi2jsonschema rules (into tmp): wall time, CPU, peak RSS (GNU time),
// files and problems each found; the median of --check-runs interleaved rounds. Beside them, the Node floor
// (bench/nodeFloorCheck.mjs: walk, read and only tokenize every file with the yaml library): how much of a
// gap to kubeconform is Node's own.
// Usage: npm run bench:workspace [-- --files 5000 --seed 18 --check-runs 3 --keep]   (BENCH_CPU_PROF=dir, BENCH_NODE_FLAGS='...' for the server; BENCH_DIST=<a dist/ folder> measures that build)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { seededRandom } from '../test/helpers/seededRandom.ts';
import { peerBinary, peerVersions } from '../test/peers/goPeers.ts';
import { runMeasured } from './measureProcess.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const argv = process.argv.slice(2);
const arg = (name, d) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : d;
};
const fileTarget = Number(arg('files', 5000));
const seed = Number(arg('seed', 18));
const crdDir = path.resolve(root, '..', 'shared', 'crds');
// Another build to measure (e.g. an older commit's dist/, for before/after figures); default ours.
const dist = path.resolve(process.env.BENCH_DIST ?? path.join(root, 'dist'));

// ---------- the repository ----------

/** Files (path → text) plus what the generator knows: declared objects and references, per file. */
class Repo {
  files = new Map();
  objects = []; // { file, kind, name, namespace }
  refs = []; // { file, kind, name, namespace }
  errorFiles = new Set();
  add(file, docs, { objects = [], refs = [] } = {}) {
    this.files.set(file, docs.map((d) => (Array.isArray(d) ? d.join('\n') : d)).join('\n---\n') + '\n');
    for (const o of objects) this.objects.push({ file, ...o });
    for (const r of refs) this.refs.push({ file, ...r });
  }
  /** The references of a file that name nothing in the repository (namespace unknown on either side matches). */
  missing(file) {
    return this.refs.filter(
      (r) =>
        r.file === file &&
        !this.objects.some(
          (o) => o.kind === r.kind && o.name === r.name && (o.namespace === undefined || r.namespace === undefined || o.namespace === r.namespace),
        ),
    );
  }
}

const regions = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-south-1', 'ap-northeast-1'];
const envs = ['staging', 'production', 'sandbox'];
const components = ['cert-manager', 'ingress-nginx', 'external-dns', 'kyverno', 'metrics-server', 'prometheus', 'loki', 'tempo', 'velero', 'sealed-secrets'];
const words = ['billing', 'checkout', 'catalog', 'search', 'orders', 'payments', 'profile', 'reviews', 'shipping', 'inventory', 'auth', 'gateway'];

const meta = (name, namespace) => ['metadata:', `  name: ${name}`, `  namespace: ${namespace}`];

function generate() {
  const rnd = seededRandom(seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const repo = new Repo();
  let errorSerial = 0;
  // About one Flux object in 80 carries a real error; the kinds rotate.
  const broken = () => rnd() < 1 / 80;
  const errorLine = (kind) => {
    const e = errorSerial++ % 4;
    if (kind === 'OCIRepository') return e % 2 ? '  provider: gcp2' : '  interval: 5 minutes';
    if (kind === 'Kustomization') return e % 2 ? '  prun: true' : '  timeout: forever';
    return e % 2 ? '  maxHistory: many' : '  timeout: 1 hour';
  };

  // clusters/<cluster>/
  const clusters = [];
  for (const env of envs) for (const region of regions) clusters.push({ name: `${env}-${region}`, env });
  for (const c of clusters) {
    const d = `clusters/${c.name}`;
    repo.add(
      `${d}/flux-system/gotk-sync.yaml`,
      [
        [
          'apiVersion: source.toolkit.fluxcd.io/v1',
          'kind: OCIRepository',
          ...meta('flux-system', 'flux-system'),
          'spec:',
          '  interval: 1m',
          '  url: oci://ghcr.io/acme/fleet',
          '  ref:',
          `    tag: ${c.name}`,
        ],
        [
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          ...meta('flux-system', 'flux-system'),
          'spec:',
          '  interval: 10m',
          `  path: ./clusters/${c.name}`,
          '  prune: true',
          '  sourceRef:',
          '    kind: OCIRepository',
          '    name: flux-system',
        ],
      ],
      {
        objects: [
          { kind: 'OCIRepository', name: 'flux-system', namespace: 'flux-system' },
          { kind: 'Kustomization', name: 'flux-system', namespace: 'flux-system' },
        ],
        refs: [{ kind: 'OCIRepository', name: 'flux-system', namespace: 'flux-system' }],
      },
    );
    repo.add(`${d}/flux-system/kustomization.yaml`, [
      ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', '  - gotk-sync.yaml'],
    ]);
    const ks = (name, p, dependsOn) => [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      ...meta(name, 'flux-system'),
      'spec:',
      '  interval: 1h',
      '  retryInterval: 1m',
      '  timeout: 5m',
      `  path: ${p}`,
      '  prune: true',
      '  wait: true',
      '  sourceRef:',
      '    kind: OCIRepository',
      '    name: flux-system',
      ...(dependsOn ? ['  dependsOn:', ...dependsOn.map((n) => `    - name: ${n}`)] : []),
    ];
    repo.add(
      `${d}/infrastructure.yaml`,
      [ks('infra-controllers', './infrastructure/controllers', undefined), ks('infra-configs', './infrastructure/configs', ['infra-controllers'])],
      {
        objects: [
          { kind: 'Kustomization', name: 'infra-controllers', namespace: 'flux-system' },
          { kind: 'Kustomization', name: 'infra-configs', namespace: 'flux-system' },
        ],
        refs: [
          { kind: 'OCIRepository', name: 'flux-system', namespace: 'flux-system' },
          { kind: 'OCIRepository', name: 'flux-system', namespace: 'flux-system' },
          { kind: 'Kustomization', name: 'infra-controllers', namespace: 'flux-system' },
        ],
      },
    );
    repo.add(`${d}/apps.yaml`, [ks(`apps-${c.env}`, `./apps/${c.env}`, ['infra-configs'])], {
      objects: [{ kind: 'Kustomization', name: `apps-${c.env}`, namespace: 'flux-system' }],
      refs: [
        { kind: 'OCIRepository', name: 'flux-system', namespace: 'flux-system' },
        { kind: 'Kustomization', name: 'infra-configs', namespace: 'flux-system' },
      ],
    });
  }

  // A Namespace, the chart's OCIRepository, the HelmRelease and the kustomization.yaml listing them.
  const chartApp = (dir, name, { missingChart }) => {
    repo.add(`${dir}/namespace.yaml`, [['apiVersion: v1', 'kind: Namespace', 'metadata:', `  name: ${name}`]], {
      objects: [{ kind: 'Namespace', name }],
    });
    const repoBroken = broken();
    if (repoBroken) repo.errorFiles.add(`${dir}/repository.yaml`);
    repo.add(
      `${dir}/repository.yaml`,
      [
        [
          'apiVersion: source.toolkit.fluxcd.io/v1',
          'kind: OCIRepository',
          ...meta(`${name}-chart`, name),
          'spec:',
          ...(repoBroken ? [errorLine('OCIRepository')] : ['  interval: 12h']),
          `  url: oci://ghcr.io/acme/charts/${name}`,
          '  layerSelector:',
          '    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip',
          '    operation: copy',
          '  ref:',
          `    semver: ">=${1 + Math.floor(rnd() * 3)}.0.0"`,
        ],
      ],
      { objects: [{ kind: 'OCIRepository', name: `${name}-chart`, namespace: name }] },
    );
    const chart = missingChart ? `${name}-chart-old` : `${name}-chart`;
    const releaseBroken = broken();
    if (releaseBroken) repo.errorFiles.add(`${dir}/release.yaml`);
    repo.add(
      `${dir}/release.yaml`,
      [
        [
          'apiVersion: helm.toolkit.fluxcd.io/v2',
          'kind: HelmRelease',
          ...meta(name, name),
          'spec:',
          '  interval: 30m',
          ...(releaseBroken ? [errorLine('HelmRelease')] : ['  timeout: 10m']),
          '  chartRef:',
          '    kind: OCIRepository',
          `    name: ${chart}`,
          '  install:',
          '    crds: CreateReplace',
          '    remediation:',
          '      retries: 3',
          '  upgrade:',
          '    crds: CreateReplace',
          '  driftDetection:',
          '    mode: enabled',
          '  values:',
          `    replicaCount: ${1 + Math.floor(rnd() * 4)}`,
          '    resources:',
          '      requests:',
          `        cpu: ${50 * (1 + Math.floor(rnd() * 8))}m`,
          '        memory: 128Mi',
        ],
      ],
      { objects: [{ kind: 'HelmRelease', name, namespace: name }], refs: [{ kind: 'OCIRepository', name: chart, namespace: name }] },
    );
    repo.add(`${dir}/kustomization.yaml`, [
      ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', '  - namespace.yaml', '  - repository.yaml', '  - release.yaml'],
    ]);
  };

  const fixedFiles = () => repo.files.size;
  const componentNames = [];
  for (let i = 0; componentNames.length < 40; i++) componentNames.push(i < components.length ? components[i] : `${pick(components)}-${i}`);
  for (const comp of componentNames) chartApp(`infrastructure/controllers/${comp}`, comp, { missingChart: false });
  for (const comp of componentNames) {
    const dir = `infrastructure/configs/${comp}`;
    repo.add(`${dir}/config.yaml`, [['apiVersion: v1', 'kind: ConfigMap', ...meta(`${comp}-settings`, comp), 'data:', `  level: ${pick(['info', 'debug'])}`]], {
      objects: [{ kind: 'ConfigMap', name: `${comp}-settings`, namespace: comp }],
    });
    repo.add(`${dir}/kustomization.yaml`, [['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', '  - config.yaml']]);
  }

  // apps: 4 base files and 3 per environment (13 per app); the remainder is padded with ConfigMaps.
  const perApp = 4 + 3 * envs.length;
  const appCount = Math.max(1, Math.floor((fileTarget - fixedFiles()) / perApp));
  const apps = [];
  for (let i = 0; i < appCount; i++) apps.push(`${words[i % words.length]}-${Math.floor(i / words.length)}`);
  for (const app of apps) chartApp(`apps/base/${app}`, app, { missingChart: rnd() < 0.02 });
  for (const env of envs) {
    for (let i = 0; i < apps.length; i++) {
      const app = apps[i];
      const dir = `apps/${env}/${app}`;
      repo.add(`${dir}/kustomization.yaml`, [
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          `namespace: ${app}`,
          'resources:',
          `  - ../../base/${app}`,
          '  - sync.yaml',
          'patches:',
          '  - path: values.yaml',
          '    target:',
          '      kind: HelmRelease',
        ],
      ]);
      repo.add(
        `${dir}/values.yaml`,
        [
          [
            'apiVersion: helm.toolkit.fluxcd.io/v2',
            'kind: HelmRelease',
            ...meta(app, app),
            'spec:',
            '  values:',
            `    replicaCount: ${env === 'production' ? 3 : 1}`,
            '    ingress:',
            `      host: ${app}.${env}.acme.example`,
          ],
        ],
        { objects: [{ kind: 'HelmRelease', name: app, namespace: app }] },
      );
      // Each app's Kustomization waits for the environment and for one or two earlier apps; a few
      // name an app that was retired long ago ("not found in the workspace").
      const dependsOn = [`apps-${env}`];
      if (i > 0) dependsOn.push(`${apps[Math.floor(rnd() * i)]}-${env}`);
      if (i > 5 && rnd() < 0.3) dependsOn.push(`${apps[Math.floor(rnd() * i)]}-${env}`);
      if (rnd() < 0.03) dependsOn.push(`legacy-${app}-${env}`);
      const syncBroken = broken();
      if (syncBroken) repo.errorFiles.add(`${dir}/sync.yaml`);
      repo.add(
        `${dir}/sync.yaml`,
        [
          [
            'apiVersion: source.toolkit.fluxcd.io/v1',
            'kind: OCIRepository',
            ...meta(`${app}-${env}-config`, 'flux-system'),
            'spec:',
            '  interval: 5m',
            `  url: oci://ghcr.io/acme/config/${app}`,
            '  ref:',
            `    tag: ${env}`,
          ],
          [
            'apiVersion: kustomize.toolkit.fluxcd.io/v1',
            'kind: Kustomization',
            ...meta(`${app}-${env}`, 'flux-system'),
            'spec:',
            '  interval: 10m',
            ...(syncBroken ? [errorLine('Kustomization')] : ['  timeout: 3m']),
            `  path: ./${env}`,
            '  prune: true',
            `  targetNamespace: ${app}`,
            '  sourceRef:',
            '    kind: OCIRepository',
            `    name: ${app}-${env}-config`,
            '  dependsOn:',
            ...[...new Set(dependsOn)].map((n) => `    - name: ${n}`),
          ],
        ],
        {
          objects: [
            { kind: 'OCIRepository', name: `${app}-${env}-config`, namespace: 'flux-system' },
            { kind: 'Kustomization', name: `${app}-${env}`, namespace: 'flux-system' },
          ],
          refs: [
            { kind: 'OCIRepository', name: `${app}-${env}-config`, namespace: 'flux-system' },
            ...[...new Set(dependsOn)].map((name) => ({ kind: 'Kustomization', name, namespace: 'flux-system' })),
          ],
        },
      );
    }
  }
  // Two files a hand edit broke (YAML syntax).
  for (const env of envs.slice(0, 2)) {
    const f = `apps/${env}/${apps[apps.length - 1]}/extra.yaml`;
    repo.errorFiles.add(f);
    repo.add(f, [['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: extra', 'data:', '  a: [unclosed', '  b: 1']]);
  }
  for (let i = 0; repo.files.size < fileTarget; i++) {
    const f = `infrastructure/configs/padding/config-${i}.yaml`;
    repo.add(f, [['apiVersion: v1', 'kind: ConfigMap', ...meta(`padding-${i}`, 'flux-system'), 'data:', `  n: "${i}"`]], {
      objects: [{ kind: 'ConfigMap', name: `padding-${i}`, namespace: 'flux-system' }],
    });
  }
  return { repo, clusters, apps };
}

function writeRepo(repo, dir) {
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, text] of repo.files) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}

// ---------- kubeconform's schemas (openapi2jsonschema's rules, from the CRDs) ----------

/** kubectl's rule as kubeconform's openapi2jsonschema.py applies it: objects with properties get additionalProperties: false, the root excepted. */
function denyAdditional(node, isRoot) {
  if (Array.isArray(node)) return node.map((x) => denyAdditional(x, false));
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = denyAdditional(v, false);
  if (!isRoot && 'properties' in node && !('additionalProperties' in node)) out.additionalProperties = false;
  return out;
}

/** `format: int-or-string` becomes oneOf string/integer (same script). */
function intOrString(node) {
  if (Array.isArray(node)) return node.map(intOrString);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node))
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && v.format === 'int-or-string' ? { oneOf: [{ type: 'string' }, { type: 'integer' }] } : intOrString(v);
  return out;
}

/** Writes <out>/<group>/<kind>_<version>.json for every served CRD version; returns how many. */
function generateKubeconformSchemas(out) {
  rmSync(out, { recursive: true, force: true });
  let count = 0;
  for (const f of readdirSync(crdDir).filter((x) => x.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(path.join(crdDir, f), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions ?? []) {
        const schema = v.schema?.openAPIV3Schema;
        if (!schema) continue;
        const file = path.join(out, crd.spec.group, `${crd.spec.names.kind.toLowerCase()}_${v.name}.json`);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(intOrString(denyAdditional(schema, true)), null, 2));
        count++;
      }
    }
  }
  return count;
}

// ---------- processes ----------

/** Runs a command to the end; wall seconds, CPU, peak RSS (MiB), stdout and stderr. */
const run = (cmd, args, cwd) => runMeasured(cmd, args, { cwd });

// ---------- the language server ----------

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const unresolvedCode = 'flux/unresolved-reference';
const notesOf = (diags) =>
  diags
    .filter((d) => d.code === unresolvedCode)
    .map((d) => d.range.start.line + ':' + /'([^']+)'/.exec(d.message)?.[1])
    .sort()
    .join(',');

async function measureServer(repoDir, repo, openFiles) {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      path.join(dist, 'server.js'),
      '--stdio',
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: root,
      env: { ...process.env, FLUX_OCI_BENCH: '1' },
    },
  );
  child.stderr.on('data', (b) => process.env.BENCH_DEBUG && process.stderr.write(b));
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const settings = { 'flux-oci': { validation: { enable: true }, registry: { offline: true } } };
  conn.onRequest('workspace/configuration', (p) => p.items.map((it) => settings[it.section] ?? null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  let t0 = 0;
  const since = () => performance.now() - t0;
  const indexing = new Set();
  let indexEndMs;
  let indexLog = '';
  conn.onNotification('$/progress', (p) => {
    if (p.value?.kind === 'begin' && /index/i.test(`${p.value.title} ${p.value.message ?? ''}`)) indexing.add(p.token);
    if (p.value?.kind === 'end' && indexing.has(p.token)) indexEndMs = since();
  });
  conn.onNotification('window/logMessage', (m) => {
    if (/^indexed /.test(m.message)) indexLog = m.message;
    // A server without the progress (before issue 18) says so only in its log.
    if (/^indexed /.test(m.message) && process.env.BENCH_INDEX_FROM_LOG) indexEndMs ??= since();
    if (process.env.BENCH_DEBUG) console.log(`log: ${m.message.slice(0, 300)}`);
  });
  // Per open file: the notes of the latest publish, and when they last changed.
  const uris = openFiles.map((f) => pathToFileURL(path.join(repoDir, f)).href);
  const expected = new Map(
    openFiles.map((f, i) => [
      uris[i],
      repo
        .missing(f)
        .map((r) => `${lineOfName(repo.files.get(f), r.name)}:${r.name}`)
        .sort()
        .join(','),
    ]),
  );
  const latest = new Map();
  const falseNotes = { publishes: 0, max: 0 };
  const changedAt = new Map();
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    if (!expected.has(p.uri)) return;
    const notes = notesOf(p.diagnostics);
    // Notes the finished index does not confirm: shown while indexing, wrong until it ends.
    const want = new Set(expected.get(p.uri).split(',').filter(Boolean));
    const wrong = notes.split(',').filter((n) => n && !want.has(n)).length;
    if (wrong) (falseNotes.publishes++, (falseNotes.max = Math.max(falseNotes.max, wrong)));
    if (latest.get(p.uri) !== notes) changedAt.set(p.uri, since());
    latest.set(p.uri, notes);
  });
  conn.onNotification(() => undefined);
  conn.listen();

  const folderUri = pathToFileURL(repoDir).href;
  t0 = performance.now();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: folderUri,
    workspaceFolders: [{ uri: folderUri, name: 'fleet' }],
    initializationOptions: { settings: settings['flux-oci'] },
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
      textDocument: { completion: { completionItem: { snippetSupport: true } }, publishDiagnostics: { versionSupport: true } },
      window: { workDoneProgress: true },
    },
  });
  conn.sendNotification('initialized', {});
  await conn.sendRequest('flux-oci/bench/eventLoopDelay'); // count from here
  openFiles.forEach((f, i) =>
    conn.sendNotification('textDocument/didOpen', { textDocument: { uri: uris[i], languageId: 'yaml', version: 1, text: repo.files.get(f) } }),
  );

  // Completion while indexing: names for a dependsOn entry (read from the index) and keys of a spec.
  const syncIndex = openFiles.findIndex((f) => f.endsWith('/sync.yaml'));
  const syncLines = repo.files.get(openFiles[syncIndex]).split('\n');
  const dependsLine = syncLines.findIndex((l) => l.startsWith('    - name: '));
  const specLine = syncLines.findIndex((l) => l === '  prune: true');
  const completionMs = [];
  let names = 0;
  for (let s = 0; indexEndMs === undefined && since() < 120_000; s++) {
    const byName = s % 2 === 0;
    const t = performance.now();
    const items = await conn.sendRequest('textDocument/completion', {
      textDocument: { uri: uris[syncIndex] },
      position: byName ? { line: dependsLine, character: '    - name: '.length } : { line: specLine, character: 2 },
    });
    completionMs.push(performance.now() - t);
    if (byName) names = (Array.isArray(items) ? items : (items?.items ?? [])).length;
    await new Promise((r) => setTimeout(r, 20));
  }
  // Complete: every open file's notes equal what is missing, and stay so for a second and a half.
  let completeMs;
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const done = indexEndMs !== undefined && uris.every((u) => latest.get(u) === expected.get(u));
    if (done && since() - Math.max(...uris.map((u) => changedAt.get(u) ?? 0), indexEndMs) > 1500) {
      completeMs = Math.max(...uris.map((u) => changedAt.get(u) ?? 0));
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const mismatched = uris
    .filter((u) => latest.get(u) !== expected.get(u))
    .map((u) => `${path.relative(repoDir, fileURLToPath(u))}: got [${latest.get(u)}] want [${expected.get(u)}]`);
  const { maxMs: blockMs, maxCpuMs: blockCpuMs } = await conn.sendRequest('flux-oci/bench/eventLoopDelay');
  // Cross-file references: every Kustomization that depends on apps-<env> (one per app) and the clusters' apps.yaml.
  const appsFile = openFiles.find((f) => /^clusters\/.*\/apps\.yaml$/.test(f));
  const appsLines = repo.files.get(appsFile).split('\n');
  const nameLine = appsLines.findIndex((l) => l.startsWith('  name: apps-'));
  const envName = appsLines[nameLine].slice('  name: '.length);
  const refsStarted = performance.now();
  const refs = await conn.sendRequest('textDocument/references', {
    textDocument: { uri: pathToFileURL(path.join(repoDir, appsFile)).href },
    position: { line: nameLine, character: 10 },
    context: { includeDeclaration: false },
  });
  const referencesMs = performance.now() - refsStarted;
  const expectedRefs = repo.refs.filter((r) => r.kind === 'Kustomization' && r.name === envName).length;
  const rss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  // user + system CPU seconds of the server so far (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms)
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / 100;
  try {
    await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
    conn.sendNotification('exit');
  } catch {}
  await new Promise((r) => {
    const t = setTimeout(() => (child.kill('SIGKILL'), r()), 3000);
    child.once('exit', () => (clearTimeout(t), r()));
  });
  return {
    indexEndMs,
    indexLog,
    completeMs,
    mismatched,
    falseNotes,
    notes: [...expected.values()].reduce((n, v) => n + (v ? v.split(',').length : 0), 0),
    completionMs,
    names,
    blockMs,
    blockCpuMs,
    references: refs?.length ?? 0,
    expectedRefs,
    referencesMs,
    rss,
    cpuSeconds,
  };
}

/** The 0-based line of the first `name: <name>` line of a file (where the note of a reference sits). */
function lineOfName(text, name) {
  return text.split('\n').findIndex((l) => new RegExp(`^\\s*(- )?name: ${name}$`).test(l) && !/^  name:/.test(l));
}

// ---------- run ----------

const out = path.join(tmpdir(), 'flux-oci-bench-workspace'); // outside the repo: its .gitignore would hide the workspace
const repoDir = path.join(out, 'fleet');
const schemaDir = path.join(out, 'kubeconform-schemas');
const { repo, clusters, apps } = generate();
writeRepo(repo, repoDir);
const missingTotal = [...repo.files.keys()].reduce((n, f) => n + repo.missing(f).length, 0);
console.log(
  `bench:workspace — ${repo.files.size} files (${clusters.length} clusters, ${apps.length} apps × ${envs.length} environments), ` +
    `${repo.objects.length} objects, ${repo.refs.length} references (${missingTotal} name nothing), ${repo.errorFiles.size} files with errors; seed ${seed}; node ${process.version}`,
);
console.log(`repository: ${repoDir}; measuring ${dist}`);

// Files an editor reopens: cluster entry points, an app's sync with a retired dependency, a release whose chart is gone, a broken file.
const openFiles = [
  `clusters/${clusters[0].name}/flux-system/gotk-sync.yaml`,
  `clusters/${clusters[0].name}/infrastructure.yaml`,
  `clusters/${clusters[1].name}/apps.yaml`,
  ...[...repo.files.keys()].filter((f) => f.endsWith('/sync.yaml') && repo.missing(f).length).slice(0, 4),
  ...[...repo.files.keys()].filter((f) => f.endsWith('/sync.yaml') && !repo.missing(f).length).slice(-3),
  ...[...repo.files.keys()].filter((f) => f.endsWith('/release.yaml') && repo.missing(f).length).slice(0, 2),
  ...[...repo.errorFiles].filter((f) => f.endsWith('.yaml') && !f.endsWith('extra.yaml')).slice(0, 2),
];

const server = await measureServer(repoDir, repo, openFiles);

// check beside kubeconform: each run once to warm the page cache (and our compile cache), then
// --check-runs interleaved rounds; the median of each figure is shown. Ours runs as npm installs it
// (bin/flux-oci, V8's compile cache on), the way a CI job or a shell calls it.
const checkRuns = Math.max(1, Number(arg('check-runs', 3)));
const compileCache = mkdtempSync(path.join(tmpdir(), 'flux-oci-bench-cc-'));
const ourCheck = () =>
  runMeasured(process.execPath, [path.join(dist, '..', 'bin', 'flux-oci'), 'check', repoDir, '--format', 'json'], {
    cwd: out,
    env: { NODE_COMPILE_CACHE: compileCache },
  });
const kubeconform = peerBinary('kubeconform');
let kcArgs;
if (!existsSync(crdDir)) console.log(`kubeconform: skipped (no CRDs at ${crdDir} to generate its Flux schemas from)`);
else if (!kubeconform) console.log(`kubeconform ${peerVersions.kubeconform} is not built: bash scripts/peers/build.sh kubeconform`);
else {
  const schemas = generateKubeconformSchemas(schemaDir);
  kcArgs = [
    '-schema-location',
    `${schemaDir}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`,
    '-strict',
    '-ignore-missing-schemas',
    '-summary',
    '-output',
    'json',
    repoDir,
  ];
  console.log(`kubeconform ${peerVersions.kubeconform}: ${schemas} JSON schemas generated from ${crdDir} (openapi2jsonschema rules) into ${schemaDir}`);
}
const floorCheck = () => runMeasured(process.execPath, [path.join(root, 'bench', 'nodeFloorCheck.mjs'), repoDir], { cwd: out, env: {} });
const checkRounds = { ours: [], kc: [], floor: [] };
for (let round = 0; round <= checkRuns; round++) {
  const o = await ourCheck();
  const k = kcArgs ? await run(kubeconform, kcArgs, out) : undefined;
  const f = await floorCheck();
  if (round === 0) continue; // the warm-up
  checkRounds.ours.push(o);
  if (k) checkRounds.kc.push(k);
  checkRounds.floor.push(f);
}
rmSync(compileCache, { recursive: true, force: true });
/** The last run's output with the median of each figure across the rounds. */
const medianRun = (runs) => {
  if (!runs.length) return undefined;
  const median = (key) =>
    pct(
      runs.map((r) => r[key]),
      50,
    );
  return {
    ...runs[runs.length - 1],
    seconds: median('seconds'),
    fastest: Math.min(...runs.map((r) => r.seconds)),
    cpuSeconds: median('cpuSeconds'),
    rssMiB: median('rssMiB'),
  };
};
const check = medianRun(checkRounds.ours);
let ours = { files: NaN, problems: NaN, errors: NaN, notes: NaN };
try {
  const found = JSON.parse(check.stdout);
  const errors = found.filter((d) => d.severity === 'error');
  ours = { files: new Set(errors.map((d) => d.file)).size, problems: errors.length, warnings: found.filter((d) => d.severity === 'warning').length };
} catch {
  console.error(`flux-oci check printed no JSON (exit ${check.code}): ${check.stderr.slice(-800)}`);
}
const kc = medianRun(checkRounds.kc);
const floor = medianRun(checkRounds.floor);
if (kc) {
  try {
    const r = JSON.parse(kc.stdout);
    const bad = (r.resources ?? []).filter((x) => x.status === 'statusInvalid' || x.status === 'statusError');
    kc.found = {
      files: new Set(bad.map((x) => x.filename)).size,
      problems: bad.reduce((n, x) => n + Math.max(1, x.validationErrors?.length ?? 0), 0),
      summary: r.summary,
      patches: new Set(bad.filter((x) => x.filename.endsWith('/values.yaml')).map((x) => x.filename)).size,
    };
  } catch {
    console.error(`kubeconform printed no JSON (exit ${kc.code}): ${(kc.stderr || kc.stdout).slice(-800)}`);
  }
}

const f1 = (v, unit = 'ms') => (v === undefined || Number.isNaN(v) ? '—' : `${v.toFixed(unit === 'ms' ? 0 : 1)} ${unit}`);
console.log('');
console.log('language server, whole repository open');
const rows = [
  ['initialize → indexing progress ends', f1(server.indexEndMs)],
  ['initialize → "not found" notes complete', f1(server.completeMs)],
  [
    `  notes in ${openFiles.length} open files (expected ${server.notes})`,
    server.mismatched.length ? `${server.mismatched.length} files differ` : 'all as expected',
  ],
  ['publishes with notes the index later refuted', `${server.falseNotes.publishes} (up to ${server.falseNotes.max} in one)`],
  [`references to one Kustomization (expected ${server.expectedRefs})`, `${server.references} in ${f1(server.referencesMs)}`],
  [`completion while indexing p50 (${server.completionMs.length} requests)`, f1(pct(server.completionMs, 50))],
  ['completion while indexing p95', f1(pct(server.completionMs, 95))],
  ['longest event-loop block (in the server)', f1(server.blockMs)],
  ['  most main-thread CPU between two 5 ms ticks', f1(server.blockCpuMs)],
  ['peak RSS (VmHWM)', f1(server.rss, 'MiB')],
  ['server CPU, start to here (user+sys)', f1(server.cpuSeconds, 's')],
];
for (const [label, v] of rows) console.log(`  ${label.padEnd(52)}${v.padStart(18)}`);
if (server.indexLog) console.log(`  server log: ${server.indexLog}`);
for (const m of server.mismatched) console.log(`  differs: ${m}`);

console.log('');
console.log(
  `check over the same ${repo.files.size} files (median of ${checkRuns} interleaved rounds after a warm-up; ours is bin/flux-oci with its compile cache)`,
);
console.log(`  ${''.padEnd(34)}${'flux-oci check'.padStart(18)}${'kubeconform'.padStart(18)}${'ratio'.padStart(10)}${'Node floor'.padStart(14)}`);
const cmp = (label, a, b, c, fmt) =>
  console.log(
    `  ${label.padEnd(34)}${fmt(a).padStart(18)}${(b === undefined ? '—' : fmt(b)).padStart(18)}${(b ? (a / b).toFixed(2) + '×' : '').padStart(10)}${fmt(c).padStart(14)}`,
  );
cmp('wall time', check.seconds, kc?.seconds, floor.seconds, (v) => `${v.toFixed(2)} s`);
cmp('  fastest run', check.fastest, kc?.fastest, floor.fastest, (v) => `${v.toFixed(2)} s`);
cmp('CPU (user+sys)', check.cpuSeconds, kc?.cpuSeconds, floor.cpuSeconds, (v) => `${v.toFixed(2)} s`);
cmp('peak RSS', check.rssMiB, kc?.rssMiB, floor.rssMiB, (v) => `${v.toFixed(0)} MiB`);
console.log(`  ${'files with errors'.padEnd(34)}${String(ours.files).padStart(18)}${String(kc?.found?.files ?? '—').padStart(18)}`);
console.log(`  ${'errors reported'.padEnd(34)}${String(ours.problems).padStart(18)}${String(kc?.found?.problems ?? '—').padStart(18)}`);
console.log(`  (generator: ${repo.errorFiles.size} files with a real error; ${ours.warnings ?? '—'} warnings from check besides errors)`);
if (kc?.found)
  console.log(
    `  kubeconform summary: ${JSON.stringify(kc.found.summary)}; ${kc.found.patches} of its invalid files are kustomize patches (values.yaml), which lack required fields by design`,
  );
console.log(
  `  (Node floor: walk, read and only tokenize the ${JSON.parse(floor.stdout).files} YAML files, bench/nodeFloorCheck.mjs: Node's own share of the gap)`,
);
if (!argv.includes('--keep')) rmSync(out, { recursive: true, force: true });
