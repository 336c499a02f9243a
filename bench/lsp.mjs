// npm run bench:lsp — our language server beside yaml-language-server on the same input.
//
// Input: a generated 2,000-document (~60k-line) file of Flux objects (OCIRepository, Kustomization,
// HelmRelease, GitRepository, Bucket, HelmRepository, ImagePolicy...), in a temp workspace.
// yaml-language-server gets the SAME schemas (our schemas/*.json, generated from the Flux 2.9 CRDs)
// as ONE combined JSON schema: `allOf` of `if {apiVersion, kind} then <that kind's schema>`,
// mapped to the file by `yaml.schemas`; schema store and CRD store are off (no network).
// Figures: first diagnostics after didOpen (ours publishes the top of a huge file after ~60 ms of
// work, then the complete set at the end of its work-done progress; both are shown), completion p50/p95, hover p95, edit→diagnostics p95
// (didChange → publishDiagnostics of that version; yaml-language-server has a fixed 200 ms
// validation debounce, so its figure is also shown without it), the slowest answer to a request
// sent while the first validation runs (event-loop blocking), and peak RSS (VmHWM).
// Ours also reports, from inside the server (perf_hooks.monitorEventLoopDelay, on with FLUX_OCI_BENCH=1),
// the longest event-loop block during the open and during the completion/hover/edit phase.
// Usage: npm run bench:lsp [-- --docs 2000 --samples 200 --edits 40 --only ours|yls --cold]
// (BENCH_DIST=<a dist/ folder> measures that build, e.g. an older commit's, for before/after figures)
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { seededRandom as rng } from '../test/helpers/seededRandom.ts';
import serverNodeFlags from '../bin/serverNodeFlags.json' with { type: 'json' };

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const argv = process.argv.slice(2);
const arg = (name, d) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : d;
};
const docCount = Number(arg('docs', 2000));
const samples = Number(arg('samples', 200));
const editCount = Number(arg('edits', 40));
const only = arg('only', '');
// --cold: the file lies outside the workspace folder, so our server's workspace scan never parses
// it before the open (by default it is inside, and the scan started at `initialized` may have).
const cold = argv.includes('--cold');

// ---------- input ----------

const labels = (i) => [
  `  labels:`,
  `    app.kubernetes.io/name: app-${i}`,
  `    app.kubernetes.io/part-of: fleet`,
  `    team: team-${i % 17}`,
  `  annotations:`,
  `    fluxcd.io/owner: "platform"`,
];

const templates = [
  (i) => [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: OCIRepository',
    'metadata:',
    `  name: app-${i}`,
    '  namespace: flux-system',
    ...labels(i),
    'spec:',
    '  interval: 5m',
    `  url: oci://ghcr.io/org/manifests/app-${i}`,
    '  provider: generic',
    '  ref:',
    '    semver: ">=1.0.0 <2.0.0"',
    '  timeout: 60s',
    '  layerSelector:',
    '    mediaType: application/vnd.cncf.flux.content.v1.tar+gzip',
    '    operation: extract',
    '  verify:',
    '    provider: cosign',
    '    matchOIDCIdentity:',
    '      - issuer: ^https://token.actions.githubusercontent.com$',
    `        subject: ^https://github.com/org/app-${i}/.*$`,
    '  suspend: false',
  ],
  (i) => [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    `  name: app-${i}`,
    '  namespace: flux-system',
    ...labels(i),
    'spec:',
    '  interval: 10m',
    '  retryInterval: 2m',
    '  timeout: 5m',
    '  prune: true',
    '  wait: true',
    `  path: ./apps/app-${i}`,
    '  sourceRef:',
    '    kind: OCIRepository',
    `    name: app-${i - 1}`,
    `  targetNamespace: app-${i}`,
    '  dependsOn:',
    `    - name: app-${i > 7 ? i - 7 : 1}`,
    '  postBuild:',
    '    substitute:',
    `      cluster: prod-${i % 3}`,
    '  force: false',
  ],
  (i) => [
    'apiVersion: helm.toolkit.fluxcd.io/v2',
    'kind: HelmRelease',
    'metadata:',
    `  name: app-${i}`,
    '  namespace: flux-system',
    ...labels(i),
    'spec:',
    '  interval: 10m',
    '  timeout: 5m',
    '  chartRef:',
    '    kind: OCIRepository',
    `    name: app-${i - 2}`,
    '  install:',
    '    remediation:',
    '      retries: 3',
    '  upgrade:',
    '    cleanupOnFail: true',
    '  values:',
    '    replicaCount: 2',
    '    image:',
    `      tag: "1.${i}.0"`,
    '  driftDetection:',
    '    mode: enabled',
  ],
  (i) => [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: GitRepository',
    'metadata:',
    `  name: app-${i}`,
    '  namespace: flux-system',
    ...labels(i),
    'spec:',
    '  interval: 1m',
    `  url: https://github.com/org/app-${i}`,
    '  ref:',
    '    branch: main',
    '  timeout: 60s',
    '  secretRef:',
    '    name: git-auth',
    '  ignore: |',
    '    /*',
    '    !/deploy',
    '  recurseSubmodules: false',
    '  provider: generic',
    '  suspend: false',
    '  include: []',
    '  sparseCheckout:',
    '    - deploy',
  ],
  (i) => [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: Bucket',
    'metadata:',
    `  name: app-${i}`,
    '  namespace: flux-system',
    ...labels(i),
    'spec:',
    '  interval: 5m',
    '  provider: aws',
    `  bucketName: app-${i}`,
    '  endpoint: s3.amazonaws.com',
    '  region: us-east-1',
    '  timeout: 60s',
    '  ignore: |',
    '    .git/',
    '    *.md',
    '  insecure: false',
    '  suspend: false',
    '  prefix: deploy/',
    '  certSecretRef:',
    '    name: ca',
    '  serviceAccountName: bucket-reader',
  ],
  (i) => [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: HelmRepository',
    'metadata:',
    `  name: app-${i}`,
    '  namespace: flux-system',
    ...labels(i),
    'spec:',
    '  interval: 1h',
    `  url: https://charts.example.com/app-${i}`,
    '  timeout: 60s',
    '  passCredentials: false',
    '  suspend: false',
    '  insecure: false',
    '  secretRef:',
    '    name: charts-auth',
    '  certSecretRef:',
    '    name: charts-ca',
    '  accessFrom:',
    '    namespaceSelectors:',
    '      - matchLabels:',
    '          team: a',
    '  provider: generic',
  ],
  (i) => [
    'apiVersion: image.toolkit.fluxcd.io/v1',
    'kind: ImagePolicy',
    'metadata:',
    `  name: app-${i}`,
    '  namespace: flux-system',
    ...labels(i),
    'spec:',
    '  imageRepositoryRef:',
    `    name: app-${i}`,
    '  policy:',
    '    semver:',
    '      range: ">=1.0.0"',
    '  filterTags:',
    "    pattern: '^v(?P<version>.*)$'",
    '    extract: $version',
    '  digestReflectionPolicy: Always',
    '  interval: 5m',
    '  suspend: false',
    '  # keep tags of the main line only',
    '  # see the runbook',
    '  # (padding comment)',
    '  # (padding comment)',
  ],
];

// A few Kustomizations (the first, then one in 350, so the last sits near the end of the file) carry
// a schema error both servers must report: `prune` is a boolean. yaml-language-server has none of
// our Flux lints, so without these its empty publish could not show that it checked the whole file
// against the schema; with them the complete publishes of both are comparable work.
const plantedEvery = 350;
const planted = (i) => i % plantedEvery === 1;

function generate() {
  const docs = [];
  for (let i = 1; i <= docCount; i++) {
    const lines = templates[i % templates.length](i);
    docs.push((planted(i) ? lines.map((l) => (l === '  prune: true' ? '  prune: "yes"' : l)) : lines).join('\n'));
  }
  return `${docs.join('\n---\n')}\n`;
}
const plantedCount = Array.from({ length: docCount }, (_, k) => k + 1).filter(planted).length;

function combinedSchema() {
  const dir = path.join(root, 'schemas');
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'));
  const allOf = [];
  for (const k of index.kinds) {
    for (const s of k.served) {
      const schema = JSON.parse(readFileSync(path.join(dir, s.schema), 'utf8'));
      allOf.push({
        if: { properties: { apiVersion: { const: `${k.group}/${s.version}` }, kind: { const: k.kind } }, required: ['apiVersion', 'kind'] },
        then: schema,
      });
    }
  }
  return { $schema: 'http://json-schema.org/draft-07/schema#', title: 'Flux 2.9 objects (flux-oci schemas/)', type: 'object', allOf };
}

// ---------- client ----------

class Session {
  constructor(name, command, args, settings, env = {}) {
    this.name = name;
    this.settings = settings;
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: root, env: { ...process.env, ...env } });
    this.child.stderr.on('data', (b) => {
      if (process.env.BENCH_DEBUG) process.stderr.write(b);
    });
    this.conn = createProtocolConnection(new StreamMessageReader(this.child.stdout), new StreamMessageWriter(this.child.stdin));
    this.waiters = [];
    this.publishes = [];
    this.conn.onNotification('textDocument/publishDiagnostics', (p) => {
      const now = performance.now();
      this.lastPublish = { at: now, p, cpu: this.cpuMs() };
      this.publishes.push(this.lastPublish);
      if (process.env.BENCH_DEBUG) console.log(`[${this.name}] publish v${p.version} ${p.diagnostics.length} diagnostics at ${now.toFixed(0)}`);
      for (const w of [...this.waiters]) {
        if (w.test(p)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve({ at: now, p });
        }
      }
    });
    this.conn.onRequest('workspace/configuration', (p) => p.items.map((it) => settings[it.section] ?? null));
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    // Work-done progress under way, by token. A progress may end before its begin was ever sent
    // (ours creates the token first and skips the begin of work that finished meanwhile).
    this.progressOpen = new Set();
    this.lastPublish = undefined;
    this.conn.onNotification('$/progress', (p) => {
      if (p.value?.kind === 'begin') this.progressOpen.add(p.token);
      if (p.value?.kind === 'end') this.progressOpen.delete(p.token);
    });
    this.conn.onNotification('window/logMessage', (m) => {
      if (process.env.BENCH_DEBUG) console.log(`[${this.name}] log: ${m.message.slice(0, 500)}`);
    });
    this.conn.onNotification(() => undefined);
    this.conn.listen();
  }

  async init(folder) {
    const uri = pathToFileURL(folder).href;
    await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: 'bench' }],
      initializationOptions: this.settings['flux-oci'] ? { settings: this.settings['flux-oci'] } : {},
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: {
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown'] } },
          hover: { contentFormat: ['markdown'] },
          publishDiagnostics: { versionSupport: true },
          synchronization: { dynamicRegistration: false },
        },
        window: { workDoneProgress: true },
      },
    });
    await this.conn.sendNotification('initialized', {});
    await this.conn.sendNotification('workspace/didChangeConfiguration', { settings: this.settings });
  }

  nextDiagnostics(uri, version) {
    return new Promise((resolve) =>
      this.waiters.push({ test: (p) => p.uri === uri && (version === undefined || p.version === undefined || p.version >= version), resolve }),
    );
  }

  /** Longest event-loop block inside the server since the last call (only servers started with FLUX_OCI_BENCH=1 answer). */
  async eventLoopBlockMs() {
    if (!this.reportsEventLoop) return undefined;
    const r = await this.conn.sendRequest('flux-oci/bench/eventLoopDelay');
    return r.maxMs;
  }

  /** CPU time the server has used (user + system, all its threads): on a busy machine it moves far less than wall time. */
  cpuMs() {
    try {
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100) ticks
    } catch {
      return NaN;
    }
  }

  peakRssMiB() {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  }

  async stop() {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      this.conn.sendNotification('exit');
    } catch {}
    await new Promise((r) => {
      const t = setTimeout(() => {
        this.child.kill('SIGKILL');
        r();
      }, 3000);
      this.child.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
  }
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function measure(session, folder, fileUri, text) {
  const lines = text.split('\n');
  const random = rng(7);
  await session.init(folder);
  await new Promise((r) => setTimeout(r, 300)); // let settings settle before the clock starts
  await session.eventLoopBlockMs(); // start counting at didOpen
  // First diagnostics, with a probe request every 10 ms to see how long the event loop is blocked.
  const first = session.nextDiagnostics(fileUri);
  const cpuAtOpen = session.cpuMs();
  const opened = performance.now();
  session.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: fileUri, languageId: 'yaml', version: 1, text } });
  let probing = true;
  let worstProbe = 0;
  const probes = (async () => {
    while (probing) {
      const t = performance.now();
      await session.conn.sendRequest('textDocument/hover', { textDocument: { uri: fileUri }, position: { line: 8, character: 3 } });
      const took = performance.now() - t;
      if (process.env.BENCH_DEBUG && took > 30)
        console.log(`[${session.name}] probe took ${took.toFixed(0)} ms at ${(t - opened).toFixed(0)} ms after didOpen`);
      worstProbe = Math.max(worstProbe, took);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const { at, p } = await first;
  const firstDiagnosticsMs = at - opened;
  const firstCount = p.diagnostics.length;
  // A server may publish a first look at a huge file, then the rest. Ours reports the long
  // validation as work-done progress: the open is complete when that progress ends (the
  // complete publish precedes the end). A server reporting no progress published everything.
  await new Promise((r) => setTimeout(r, 500));
  while (session.progressOpen.size > 0) await new Promise((r) => setTimeout(r, 20));
  // Complete: the first publish of the final set (a server may send the same set again later,
  // e.g. ours re-checks open files when the workspace scan ends).
  const final = JSON.stringify(session.lastPublish.p.diagnostics);
  const last = session.publishes.find((x) => x.at >= opened && x.p.uri === fileUri && JSON.stringify(x.p.diagnostics) === final);
  session.publishes.length = 0;
  session.waiters.length = 0;
  probing = false;
  await probes;
  const completeDiagnosticsMs = last.at - opened;
  const completeCpuMs = last.cpu - cpuAtOpen;
  const openBlockMs = await session.eventLoopBlockMs();
  const completeCount = last.p.diagnostics.length;
  // The planted errors: `prune: "yes"`, reported on that value by both servers.
  const plantedFound = last.p.diagnostics.filter((d) => lines[d.range.start.line]?.startsWith('  prune: "yes"')).length;

  // Key positions inside spec blocks, and value positions after `provider: ` / `kind: `.
  const keyLines = [];
  const valueLines = [];
  lines.forEach((l, i) => {
    if (/^ {2}[a-zA-Z]+:/.test(l) && !l.startsWith('  name:') && !l.startsWith('  namespace:') && !l.startsWith('  labels') && !l.startsWith('  annotations'))
      keyLines.push(i);
    if (/^ {2}provider: /.test(l)) valueLines.push(i);
  });
  const completionMs = [];
  for (let s = 0; s < samples; s++) {
    const valued = s % 4 === 3;
    const line = valued ? valueLines[Math.floor(random() * valueLines.length)] : keyLines[Math.floor(random() * keyLines.length)];
    const character = valued ? '  provider: '.length : 2;
    const t = performance.now();
    await session.conn.sendRequest('textDocument/completion', { textDocument: { uri: fileUri }, position: { line, character } });
    completionMs.push(performance.now() - t);
  }
  const hoverMs = [];
  for (let s = 0; s < samples; s++) {
    const line = keyLines[Math.floor(random() * keyLines.length)];
    const t = performance.now();
    await session.conn.sendRequest('textDocument/hover', { textDocument: { uri: fileUri }, position: { line, character: 4 } });
    hoverMs.push(performance.now() - t);
  }
  // One-character edits: `interval: 5m` ↔ `6m` in random OCIRepositories.
  const intervalLines = [];
  lines.forEach((l, i) => {
    if (l === '  interval: 5m') intervalLines.push(i);
  });
  const editMs = [];
  let version = 1;
  const current = new Map();
  for (let e = 0; e < editCount; e++) {
    const line = intervalLines[Math.floor(random() * intervalLines.length)];
    const next = current.get(line) === '6' ? '5' : '6';
    current.set(line, next);
    version++;
    const done = session.nextDiagnostics(fileUri, version);
    const t = performance.now();
    session.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: fileUri, version },
      contentChanges: [{ range: { start: { line, character: 12 }, end: { line, character: 13 } }, text: next }],
    });
    const r = await done;
    editMs.push(r.at - t);
    await new Promise((res) => setTimeout(res, 20));
  }
  const interactiveBlockMs = await session.eventLoopBlockMs();
  return {
    openBlockMs,
    interactiveBlockMs,
    firstDiagnosticsMs,
    firstCount,
    completeDiagnosticsMs,
    completeCount,
    completeCpuMs,
    plantedFound,
    worstProbe,
    completionP50: pct(completionMs, 50),
    completionP95: pct(completionMs, 95),
    hoverP95: pct(hoverMs, 95),
    editP95: pct(editMs, 95),
    editP50: pct(editMs, 50),
    rss: session.peakRssMiB(),
  };
}

// ---------- run ----------

const out = path.join(tmpdir(), 'flux-oci-bench-lsp'); // outside the repo: its .gitignore would hide the workspace
rmSync(out, { recursive: true, force: true });
const ws = path.join(out, 'workspace');
mkdirSync(ws, { recursive: true });
const text = generate();
const file = path.join(cold ? out : ws, 'fleet.yaml');
writeFileSync(file, text);
const schemaFile = path.join(out, 'flux-combined.schema.json');
writeFileSync(schemaFile, JSON.stringify(combinedSchema()));
const fileUri = pathToFileURL(file).href;
const lineCount = text.split('\n').length;
console.log(
  cold
    ? 'cold: the file is outside the workspace folder (no workspace scan parses it first)'
    : 'the file is inside the workspace folder (our workspace scan may parse it before the open)',
);
console.log(
  `bench:lsp — ${docCount} documents, ${lineCount} lines, ${(text.length / 1024).toFixed(0)} KiB; ${samples} completions/hovers, ${editCount} edits; node ${process.version}`,
);
console.log(`${plantedCount} Kustomizations (one in ${plantedEvery}, the last near the end) carry a planted schema error both servers must report`);
console.log(
  `yaml-language-server gets ${readdirSync(path.join(root, 'schemas')).filter((f) => f.endsWith('.json') && f !== 'index.json').length} kind schemas from schemas/ as one combined schema (allOf of if apiVersion+kind then schema) via yaml.schemas`,
);

const results = {};
if (only !== 'yls') {
  const ours = new Session(
    'flux-oci',
    process.execPath,
    [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      // As the server is launched (bin/serverLaunch.js); BENCH_NODE_FLAGS come after, so they win.
      ...serverNodeFlags,
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      path.join(path.resolve(process.env.BENCH_DIST ?? path.join(root, 'dist')), 'server.js'),
      '--stdio',
    ],
    { 'flux-oci': { validation: { enable: true }, registry: { offline: true }, diagnosticsDelay: 10 } },
    { FLUX_OCI_BENCH: '1' },
  );
  ours.reportsEventLoop = true;
  try {
    results.ours = await measure(ours, ws, fileUri, text);
  } finally {
    await ours.stop();
  }
}
if (only !== 'ours') {
  const yamlSettings = {
    validate: true,
    hover: true,
    completion: true,
    schemas: { [pathToFileURL(schemaFile).href]: ['*.yaml'] },
    schemaStore: { enable: false },
    kubernetesCRDStore: { enable: false },
    maxItemsComputed: 5000,
  };
  const yls = new Session(
    'yaml-language-server',
    process.execPath,
    [path.join(root, 'node_modules/yaml-language-server/bin/yaml-language-server'), '--stdio'],
    { yaml: yamlSettings, '[yaml]': {}, http: {}, editor: {} },
  );
  try {
    results.yls = await measure(yls, ws, fileUri, text);
  } finally {
    await yls.stop();
  }
}

const fmt = (v, unit = 'ms') => (v === undefined ? '—' : `${v.toFixed(1)} ${unit}`);
const rows = [
  ['first diagnostics (didOpen → publish)', 'firstDiagnosticsMs'],
  ['diagnostics in first publish', 'firstCount', ''],
  ['complete diagnostics (last publish of the open)', 'completeDiagnosticsMs'],
  ['server CPU until complete (busy-machine proof)', 'completeCpuMs'],
  ['diagnostics in complete publish', 'completeCount', ''],
  [`of them on the ${plantedCount} planted schema errors`, 'plantedFound', ''],
  ['slowest request during first validation', 'worstProbe'],
  ['longest event-loop block, open (target ≤ 50)', 'openBlockMs'],
  ['longest event-loop block, completion…edits', 'interactiveBlockMs'],
  ['completion p50', 'completionP50'],
  ['completion p95 (target ≤ 9 ms)', 'completionP95'],
  ['hover p95', 'hoverP95'],
  ['edit → diagnostics p50', 'editP50'],
  ['edit → diagnostics p95 (target ≤ 50 ms)', 'editP95'],
  ['peak RSS (VmHWM)', 'rss', 'MiB'],
];
console.log('');
console.log(`${'figure'.padEnd(44)}${'flux-oci'.padStart(14)}${'yaml-language-server'.padStart(24)}`);
for (const [label, key, unit] of rows) {
  const f = (r) => (r ? (unit === '' ? String(r[key]) : fmt(r[key], unit ?? 'ms')) : '—');
  console.log(`${label.padEnd(44)}${f(results.ours).padStart(14)}${f(results.yls).padStart(24)}`);
}
if (results.yls)
  console.log(`${'edit → diagnostics p95 minus yls 200 ms debounce'.padEnd(44)}${''.padStart(14)}${fmt(results.yls.editP95 - 200).padStart(24)}`);
for (const [name, r] of Object.entries(results)) {
  // Like for like: each server must have checked the whole file against the schema.
  if (r.plantedFound < plantedCount) console.log(`WARNING: ${name} reported ${r.plantedFound} of the ${plantedCount} planted schema errors`);
}
if (results.ours && results.yls) {
  console.log('');
  const ratio = (a, b) => (b > 0 ? (a / b).toFixed(3) : 'n/a');
  console.log(`first diagnostics: ours / yls = ${ratio(results.ours.firstDiagnosticsMs, results.yls.firstDiagnosticsMs)} (target ≤ 0.1)`);
  console.log(`complete diagnostics: ours / yls = ${ratio(results.ours.completeDiagnosticsMs, results.yls.completeDiagnosticsMs)}`);
  console.log(`server CPU until complete: ours / yls = ${ratio(results.ours.completeCpuMs, results.yls.completeCpuMs)}`);
  console.log(`peak RSS:          ours / yls = ${ratio(results.ours.rss, results.yls.rss)} (target ≤ 0.5)`);
}
