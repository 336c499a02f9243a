// The story of someone writing a HelmRelease's spec.values for a chart that lives in an OCI
// registry: the real `helm` packages the charts of test/fixtures/helm-values and pushes them
// to Debian's docker-registry on 127.0.0.1 (real Helm config and chart media types, one of them
// with a provenance layer), and the real language server, over stdio JSON-RPC, completes the
// chart's values with their defaults, explains them on hover, flags a schema violation at its
// exact range, and says why there is no help when there is none (offline, provenance layer
// first without layerSelector, unreachable registry).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CompletionItem, Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { peerBinary, peerVersions } from '../peers/goPeers.ts';
import { freePort } from '../peers/loopback.ts';
import { LspClient, repoRoot } from '../helpers/lspClient.ts';
import { runProcess } from '../helpers/runProcess.ts';
import { at, eventually } from '../resolution/stories.ts';

const helm = peerBinary('helm') ?? '';
const missing = !dockerRegistryAvailable()
  ? 'docker-registry is not installed (apt-get install docker-registry)'
  : !helm
    ? `helm ${peerVersions.helm} is not built; run: bash scripts/peers/build.sh helm`
    : undefined;
if (missing && process.env['CI']) throw new Error(`${missing} (CI must have every peer)`);
const skip = missing ?? false;

const fixtures = path.join(repoRoot, 'test/fixtures/helm-values');
let registry: StartedRegistry;
let lsp: LspClient;
let work: string;
let docCount = 0;
const chartMedia = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

async function runHelm(args: string[]): Promise<string> {
  const env = {
    HELM_CONFIG_HOME: path.join(work, 'helm/config'),
    HELM_CACHE_HOME: path.join(work, 'helm/cache'),
    HELM_DATA_HOME: path.join(work, 'helm/data'),
  };
  const r = await runProcess(helm, args, { cwd: work, env });
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout + r.stderr;
}

/** `helm package` the fixture into its own folder and `helm push` it (with `<chart>.tgz.prov` beside it when `prov`). */
async function pushChart(chart: string, repo: string, options: { prov?: boolean; host?: string; args?: string[] } = {}): Promise<void> {
  const out = mkdtempSync(path.join(work, `${chart}-`));
  const [archive] = (await runHelm(['package', path.join(fixtures, chart), '-d', out])).match(/\/\S+\.tgz/) ?? [];
  assert.ok(archive, 'helm package names its archive');
  if (options.prov) {
    // helm push sorts layers by digest: pick provenance text whose digest sorts before the chart's,
    // so the provenance layer comes first, as it often does for signed charts (facts P3).
    const chartDigest = createHash('sha256').update(readFileSync(archive)).digest('hex');
    let text = '';
    for (let i = 0; ; i++) {
      text = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nname: ${chart}\n# ${i}\n-----END PGP SIGNED MESSAGE-----\n`;
      if (createHash('sha256').update(text).digest('hex') < chartDigest) break;
    }
    writeFileSync(`${archive}.prov`, text);
  }
  await runHelm(['push', archive, `oci://${options.host ?? registry.host}/${repo}`, ...(options.args ?? ['--plain-http'])]);
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(path.join(tmpdir(), 'flux-oci-helm-values-'));
  registry = await startRegistry();
  await pushChart('webapp', 'charts');
  await pushChart('webapp', 'signed', { prov: true });
  await pushChart('plain', 'charts');
  await pushChart('bare', 'charts');
  lsp = await LspClient.start();
});
after(async () => {
  await lsp?.stop();
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function open(client: LspClient, text: string): string {
  const uri = `file:///work/helm-values-${++docCount}.yaml`;
  client.open(uri, text);
  return uri;
}

function message(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function markdown(h: Hover | null): string {
  return h ? (h.contents as MarkupContent).value : '';
}

/** An OCIRepository `app` and a HelmRelease whose chartRef points at it, with `values` lines (indented 4) and extra spec lines. */
function release(url: string, values: string[], options: { layerSelector?: boolean; ref?: string; extra?: string[] } = {}): string {
  const oci = [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: OCIRepository',
    'metadata:',
    '  name: app',
    '  namespace: apps',
    'spec:',
    '  interval: 10m',
    `  url: ${url}`,
    '  ref:',
    `    ${options.ref ?? 'semver: ">=1.0.0"'}`,
  ];
  if (options.layerSelector !== false) oci.push('  layerSelector:', `    mediaType: ${chartMedia}`, '    operation: copy');
  const hr = [
    'apiVersion: helm.toolkit.fluxcd.io/v2',
    'kind: HelmRelease',
    'metadata:',
    '  name: app',
    '  namespace: apps',
    'spec:',
    '  interval: 10m',
    '  chartRef:',
    '    kind: OCIRepository',
    '    name: app',
    ...(options.extra ?? []),
    '  values:',
    ...values.map((l) => `    ${l}`),
  ];
  return `${oci.join('\n')}\n---\n${hr.join('\n')}\n`;
}

/** Completion items once the chart has arrived (the first ask may come before it). */
function completionAt(client: LspClient, uri: string, text: string, needle: string, offset: number, want: string): Promise<CompletionItem[]> {
  return eventually(
    async () => {
      const items = await client.completion(uri, at(text, needle, offset));
      return items.some((i) => i.label === want) ? items : undefined;
    },
    `completion of ${want}`,
    20_000,
  );
}

function hoverUntil(client: LspClient, uri: string, text: string, needle: string, ready: (md: string) => boolean, offset = 1): Promise<string> {
  return eventually(
    async () => {
      const md = markdown(await client.hover(uri, at(text, needle, offset)));
      return ready(md) ? md : undefined;
    },
    `hover on ${needle}`,
    20_000,
  );
}

function latestDiagnostics(client: LspClient, uri: string, ok: (ds: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
  return eventually(
    async () => {
      const last = [...client.published].reverse().find((p) => p.uri === uri);
      return last && ok(last.diagnostics) ? last.diagnostics : undefined;
    },
    `diagnostics of ${uri}`,
    20_000,
  );
}

test("completion inside spec.values offers the chart's keys with their defaults, subcharts and global included", { skip }, async () => {
  const text = release(`oci://${registry.host}/charts/webapp`, ['image:', '    ', 'replicaCount: 3']);
  const uri = open(lsp, text);
  // The cursor on the empty line under image: (4 + 4 spaces of indentation).
  const items = await completionAt(lsp, uri, text, '    image:\n        ', '    image:\n        '.length, 'pullPolicy');
  const pull = items.find((i) => i.label === 'pullPolicy')!;
  assert.match(pull.detail ?? '', /string · default "IfNotPresent"/);
  assert.match((pull.documentation as MarkupContent).value, /When the kubelet pulls the image/);
  assert.match((pull.documentation as MarkupContent).value, /Allowed: `"Always"`, `"IfNotPresent"`, `"Never"`/);
  assert.equal((pull.textEdit as { newText: string }).newText, 'pullPolicy: ${1:IfNotPresent}');
  assert.deepEqual(items.map((i) => i.label).sort(), ['pullPolicy', 'repository', 'tag']);

  // At the top of values: the chart's keys, the aliased subchart and the merged globals.
  const top = release(`oci://${registry.host}/charts/webapp`, ['replicaCount: 3', '']);
  const topUri = open(lsp, top);
  const topItems = await completionAt(lsp, topUri, top, 'replicaCount: 3\n    ', 'replicaCount: 3\n    '.length, 'logLevel');
  const labels = topItems.map((i) => i.label);
  for (const k of ['image', 'service', 'logLevel', 'ingress', 'global', 'sessionCache']) assert.ok(labels.includes(k), `${k} in ${labels.join(', ')}`);
  assert.ok(!labels.includes('replicaCount'), 'a key already written is not offered again');
  const byOrder = [...topItems].sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? '')).map((i) => i.label);
  assert.deepEqual(byOrder, ['image', 'service', 'logLevel', 'ingress', 'global', 'sessionCache'], "in the order of the chart's values.yaml");

  // A value: the enum, the chart's default preselected.
  const valueText = release(`oci://${registry.host}/charts/webapp`, ['logLevel: ']);
  const valueUri = open(lsp, valueText);
  const values = await completionAt(lsp, valueUri, valueText, 'logLevel: ', 'logLevel: '.length, 'debug');
  assert.deepEqual(
    values.map((i) => i.label),
    ['debug', 'info', 'warn', 'error'],
  );
  const info = values.find((i) => i.label === 'info')!;
  assert.equal(info.detail, 'chart default');
  assert.equal(info.preselect, true);

  // The subchart's keys under its alias, its defaults as the parent overrides them.
  const subText = release(`oci://${registry.host}/charts/webapp`, ['sessionCache:', '  ']);
  const subUri = open(lsp, subText);
  const subItems = await completionAt(lsp, subUri, subText, 'sessionCache:\n      ', 'sessionCache:\n      '.length, 'evictionPolicy');
  assert.match(subItems.find((i) => i.label === 'maxMemoryMb')!.detail ?? '', /integer · default 128/);
});

test('hover on a value shows its description, type and default; on values: where the help comes from', { skip }, async () => {
  const text = release(`oci://${registry.host}/charts/webapp`, ['image:', '  pullPolicy: Always', 'global:', '  clusterName: prod']);
  const uri = open(lsp, text);
  const md = await hoverUntil(lsp, uri, text, 'pullPolicy', (m) => m.includes('pullPolicy'));
  assert.match(md, /\*\*image\.pullPolicy\*\*: `string` · default `"IfNotPresent"`/);
  assert.match(md, /When the kubelet pulls the image/);
  assert.match(md, /From chart webapp 1\.2\.0 \(127\.0\.0\.1:\d+\/charts\/webapp:1\.2\.0@sha256:[0-9a-f]{12}\), values\.schema\.json and values\.yaml/);
  // A subchart's global, documented by its comment.
  const global = await hoverUntil(lsp, uri, text, 'clusterName', (m) => m.includes('clusterName'));
  assert.match(global, /\*\*global\.clusterName\*\*: `string` · default `"demo"`/);
  assert.match(global, /Name of the cluster, shared with the parent chart/);
  const status = await hoverUntil(lsp, uri, text, '  values:', (m) => m.includes('Values help'), 3);
  assert.match(status, /Values help\*\* from chart webapp 1\.2\.0 via OCIRepository apps\/app/);
  assert.match(status, /Subcharts: `sessionCache` \(cache\)/);
});

test('a value the schema refuses is an error at its exact range; values from substitution and defaults are not judged', { skip }, async () => {
  const text = release(`oci://${registry.host}/charts/webapp`, [
    'replicaCount: many',
    'image:',
    '  pullPolicy: Sometimes',
    '  registry: ghcr.io',
    'service:',
    '  port: ${PORT}',
    'sessionCache:',
    '  maxMemoryMb: 9000',
  ]);
  const uri = open(lsp, text);
  const ds = await latestDiagnostics(lsp, uri, (d) => d.filter((x) => x.code === 'helm-values/schema').length >= 4);
  const values = ds.filter((d) => d.code === 'helm-values/schema');
  const byStart = (needle: string, offset = 0) =>
    values.find((d) => d.range.start.line === at(text, needle, offset).line && d.range.start.character === at(text, needle, offset).character);
  const replicas = byStart('many');
  assert.ok(replicas, JSON.stringify(values, null, 1));
  assert.equal(replicas.range.end.character - replicas.range.start.character, 'many'.length);
  assert.match(message(replicas), /replicaCount: must be integer, not string/);
  assert.equal(replicas.severity, 1);
  const policy = byStart('Sometimes');
  assert.ok(policy);
  assert.match(message(policy), /image\.pullPolicy: must be one of "Always", "IfNotPresent", "Never"/);
  const unknown = byStart('registry: ghcr.io');
  assert.ok(unknown);
  assert.equal(unknown.range.end.character - unknown.range.start.character, 'registry'.length);
  assert.match(message(unknown), /registry is not a value of the chart/);
  // The subchart's own schema (2020-12) judges what is under its alias.
  const memory = byStart('9000');
  assert.ok(memory);
  assert.match(message(memory), /sessionCache\.maxMemoryMb: must be <= 4096 \(values\.schema\.json of chart cache/);
  assert.equal(values.length, 4, JSON.stringify(values.map(message)));
});

test('without layerSelector Flux takes the first layer: fine when it is the chart, no help when it is the provenance file', { skip }, async () => {
  const plainOrder = release(`oci://${registry.host}/charts/webapp`, ['logLevel: debug'], { layerSelector: false });
  const plainUri = open(lsp, plainOrder);
  const md = await hoverUntil(lsp, plainUri, plainOrder, 'logLevel', (m) => m.includes('logLevel'));
  assert.match(md, /Log verbosity of the application/);

  const signed = release(`oci://${registry.host}/signed/webapp`, ['logLevel: debug'], { layerSelector: false });
  const signedUri = open(lsp, signed);
  const why = await hoverUntil(lsp, signedUri, signed, 'logLevel', (m) => m.includes('No values help'));
  assert.match(why, /Flux takes the first layer, which is the chart's provenance file \(application\/vnd\.cncf\.helm\.chart\.provenance\.v1\.prov\)/);
  assert.match(why, /set spec\.layerSelector\.mediaType to application\/vnd\.cncf\.helm\.chart\.content\.v1\.tar\+gzip/);
  // With the selector, the same artifact helps.
  const selected = release(`oci://${registry.host}/signed/webapp`, ['logLevel: debug']);
  const selectedUri = open(lsp, selected);
  const ok = await hoverUntil(lsp, selectedUri, selected, 'logLevel', (m) => m.includes('Log verbosity'));
  assert.match(ok, /default `"info"`/);
});

test('a chart without values.schema.json: completion and hover from values.yaml and its comments, no validation', { skip }, async () => {
  const text = release(`oci://${registry.host}/charts/plain`, ['queue:', '  name: 12', '  '], { ref: 'tag: "0.1.0"' });
  const uri = open(lsp, text);
  const items = await completionAt(lsp, uri, text, '  name: 12\n      ', '  name: 12\n      '.length, 'visibilityTimeout');
  const timeout = items.find((i) => i.label === 'visibilityTimeout')!;
  assert.equal(timeout.detail, 'integer · default 30');
  assert.match((timeout.documentation as MarkupContent).value, /Seconds a job may run before it is retried/);
  const md = await hoverUntil(lsp, uri, text, 'name: 12', (m) => m.includes('queue.name'));
  assert.match(md, /\*\*queue\.name\*\*: `string` · default `"jobs"`/);
  assert.match(md, /Name of the queue to read from/);
  assert.match(md, /values\.yaml_/);
  const ds = await latestDiagnostics(lsp, uri, () => true);
  assert.deepEqual(
    ds.filter((d) => String(d.code).startsWith('helm-values')),
    [],
  );
});

test('a chart with neither values.schema.json nor values.yaml: no help, no error, and the hover says why', { skip }, async () => {
  const text = release(`oci://${registry.host}/charts/bare`, ['anything: goes'], { ref: 'tag: "0.0.1"' });
  const uri = open(lsp, text);
  const md = await hoverUntil(lsp, uri, text, 'anything', (m) => m.includes('No values help'));
  assert.match(md, /No values help\*\*: the chart bare has neither values\.schema\.json nor values\.yaml/);
  assert.deepEqual(await lsp.completion(uri, at(text, 'anything: ', 'anything: '.length)), []);
  const ds = await latestDiagnostics(lsp, uri, () => true);
  assert.deepEqual(
    ds.filter((d) => String(d.code).startsWith('helm-values')),
    [],
  );
});

test('chart.spec from an OCI HelmRepository: the version range picks the chart', { skip }, async () => {
  const text =
    [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: HelmRepository',
      'metadata:',
      '  name: charts',
      '  namespace: apps',
      'spec:',
      '  type: oci',
      '  interval: 10m',
      `  url: oci://${registry.host}/charts`,
      '---',
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: app',
      '  namespace: apps',
      'spec:',
      '  interval: 10m',
      '  chart:',
      '    spec:',
      '      chart: webapp',
      '      version: "1.x"',
      '      sourceRef:',
      '        kind: HelmRepository',
      '        name: charts',
      '  values:',
      '    service:',
      '      type: ',
    ].join('\n') + '\n';
  const uri = open(lsp, text);
  const items = await completionAt(lsp, uri, text, 'type: \n', 'type: '.length, 'NodePort');
  assert.deepEqual(
    items.map((i) => i.label),
    ['ClusterIP', 'NodePort', 'LoadBalancer'],
  );
  const status = await hoverUntil(lsp, uri, text, '  values:', (m) => m.includes('Values help'), 3);
  assert.match(status, /via HelmRepository apps\/charts, chart webapp/);

  // valuesFiles replace values.yaml as the chart's defaults (values.yaml only when listed), as source-controller packages the chart.
  const prod = text
    .replace('      version: "1.x"\n', '      version: "1.x"\n      valuesFiles:\n        - values-prod.yaml\n')
    .replace('    service:\n      type: \n', '    replicaCount: 3\n    service:\n      type: \n');
  const prodUri = open(lsp, prod);
  const replicas = await hoverUntil(lsp, prodUri, prod, 'replicaCount', (m) => m.includes('replicaCount'));
  assert.match(replicas, /\*\*replicaCount\*\*: `integer` · default `5`/);
  assert.match(replicas, /Number of web application pods/);
  const serviceType = (await lsp.completion(prodUri, at(prod, 'type: \n', 'type: '.length))).find((i) => i.label === 'ClusterIP');
  assert.equal(serviceType?.detail, undefined, 'values-prod.yaml has no service defaults: no value is marked as the default');
  const prodStatus = await hoverUntil(lsp, prodUri, prod, '  values:', (m) => m.includes('Values help'), 3);
  assert.match(prodStatus, /Defaults from valuesFiles: `values-prod\.yaml`/);
});

test('offline or unreachable: no help and no error, and the hover says why', { skip }, async () => {
  const offline = await LspClient.start({ settings: { registry: { offline: true } } });
  try {
    const text = release(`oci://${registry.host}/charts/webapp`, ['logLevel: loud']);
    const uri = open(offline, text);
    const md = await hoverUntil(offline, uri, text, 'logLevel', (m) => m.includes('turned off'));
    assert.match(md, /No values help\*\*: registry lookups are turned off \(flux-oci\.registry\.offline\)/);
    assert.deepEqual(await offline.completion(uri, at(text, 'logLevel: ', 'logLevel: '.length)), []);
    const ds = await latestDiagnostics(offline, uri, () => true);
    assert.deepEqual(
      ds.filter((d) => String(d.code).startsWith('helm-values')),
      [],
    );
  } finally {
    await offline.stop();
  }
  const port = await freePort();
  const text = release(`oci://127.0.0.1:${port}/charts/webapp`, ['logLevel: loud']);
  const uri = open(lsp, text);
  const md = await hoverUntil(lsp, uri, text, 'logLevel', (m) => m.includes('No values help') && m.includes(String(port)));
  assert.match(md, /No values help\*\*: .*127\.0\.0\.1:\d+/);
  const ds = await latestDiagnostics(lsp, uri, () => true);
  assert.deepEqual(
    ds.filter((d) => String(d.code).startsWith('helm-values') || d.severity === 1),
    [],
  );
});

test("valuesFrom: a ConfigMap's values.yaml block and a Secret's key are checked as layers of the release, the block with exact ranges", { skip }, async () => {
  const hrText = release(`oci://${registry.host}/charts/webapp`, ['logLevel: debug'], {
    extra: [
      '  valuesFrom:',
      '    - kind: ConfigMap',
      '      name: webapp-values',
      '    - kind: Secret',
      '      name: webapp-secret-values',
      '      valuesKey: extra.yaml',
    ],
  });
  const cmText =
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: webapp-values',
      '  namespace: apps',
      'data:',
      '  values.yaml: |',
      '    replicaCount: 0',
      '    logLevel: loud',
      '    service:',
      '      type: Internal',
      '---',
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: webapp-secret-values',
      '  namespace: apps',
      'data:',
      `  extra.yaml: ${Buffer.from('ingress:\n  enabled: "yes"\n').toString('base64')}`,
    ].join('\n') + '\n';
  const hrUri = open(lsp, hrText);
  const cmUri = open(lsp, cmText);
  const ds = await latestDiagnostics(lsp, cmUri, (d) => d.filter((x) => x.code === 'helm-values/schema').length >= 3);
  const values = ds.filter((d) => d.code === 'helm-values/schema');
  const starting = (needle: string, offset = 0) => values.find((d) => JSON.stringify(d.range.start) === JSON.stringify(at(cmText, needle, offset)));
  const replicas = starting('0\n    logLevel', 0);
  assert.ok(replicas, JSON.stringify(values, null, 1));
  assert.deepEqual(replicas.range.end, { line: replicas.range.start.line, character: replicas.range.start.character + 1 });
  assert.match(message(replicas), /replicaCount: must be >= 1 .*HelmRelease apps\/app reads this key through valuesFrom/);
  const type = starting('Internal');
  assert.ok(type);
  assert.match(message(type), /service\.type: must be one of "ClusterIP", "NodePort", "LoadBalancer"/);
  // logLevel: loud is overridden by spec.values (debug): Helm validates the merged values, so no error.
  assert.ok(!values.some((d) => message(d).includes('logLevel')), JSON.stringify(values.map(message)));
  // The Secret's key is base64: reported on the key.
  const secret = starting('extra.yaml');
  assert.ok(secret);
  assert.match(message(secret), /ingress\.enabled: must be boolean, not string/);
  assert.equal(values.length, 3, JSON.stringify(values.map(message)));
  // The release's own values are judged with these layers below: nothing wrong there.
  const hrDs = await latestDiagnostics(lsp, hrUri, () => true);
  assert.deepEqual(
    hrDs.filter((d) => d.code === 'helm-values/schema'),
    [],
  );
});

test('an authenticated registry: the hover says why there is no help; once the editor hands over credentials, help arrives', { skip }, async () => {
  const user = { name: 'chart-reader', password: 'values-help-secret-4711' };
  const secured = await startRegistry({ auth: 'basic', users: { [user.name]: { password: user.password, access: 'push' } } });
  const client = await LspClient.start({ env: { SSL_CERT_FILE: secured.caFile!, HOME: '/nonexistent-home-for-tests' } });
  try {
    await pushChart('webapp', 'private', { host: secured.host, args: ['--ca-file', secured.caFile!, '--username', user.name, '--password', user.password] });
    const text = release(`oci://${secured.host}/private/webapp`, ['logLevel: loud']);
    const uri = open(client, text);
    const why = await hoverUntil(client, uri, text, 'logLevel', (m) => m.includes('No values help'));
    assert.match(why, /No values help\*\*: .*authentication/);
    const before = await latestDiagnostics(client, uri, (ds) => ds.some((d) => d.code === 'registry/unauthorized') || ds.length === 0);
    assert.deepEqual(
      before.filter((d) => d.code === 'helm-values/schema' || d.severity === 1),
      [],
    );

    void client.connection.sendNotification('flux-oci/registryCredentials', {
      credentials: [{ registry: secured.host, username: user.name, password: user.password }],
    });
    const md = await hoverUntil(client, uri, text, 'logLevel', (m) => m.includes('Log verbosity'));
    assert.match(md, /private\/webapp:1\.2\.0@sha256:/);
    const after = await latestDiagnostics(client, uri, (ds) => ds.some((d) => d.code === 'helm-values/schema'));
    assert.match(message(after.find((d) => d.code === 'helm-values/schema')!), /logLevel: must be one of "debug", "info", "warn", "error"/);
    const everything = [...client.logs, ...client.stderr, JSON.stringify(client.published)].join('\n');
    assert.ok(!everything.includes(user.password), 'the password never appears in logs or diagnostics');
  } finally {
    await client.stop();
    await secured.stop();
  }
});

test('inside a valuesFrom ConfigMap block: completion and hover from the chart of the release that reads it', { skip }, async () => {
  const hrText = release(`oci://${registry.host}/charts/webapp`, ['logLevel: debug'], {
    extra: ['  valuesFrom:', '    - kind: ConfigMap', '      name: webapp-block-values'],
  });
  const cmText = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: webapp-block-values',
    '  namespace: apps',
    'data:',
    '  values.yaml: |',
    '    replicaCount: 2',
    '    service:',
    '      ',
  ].join('\n');
  open(lsp, hrText);
  const cmUri = open(lsp, cmText);
  const items = await completionAt(lsp, cmUri, cmText, '    service:\n      ', '    service:\n      '.length, 'port');
  assert.deepEqual(items.map((i) => i.label).sort(), ['port', 'type']);
  assert.match(items.find((i) => i.label === 'type')!.detail ?? '', /string · default "ClusterIP"/);
  const md = await hoverUntil(lsp, cmUri, cmText, 'replicaCount', (m) => m.includes('replicaCount'));
  assert.match(md, /\*\*replicaCount\*\*: `integer` · default `2`/);
  assert.match(md, /Number of web application pods/);
  assert.match(md, /for HelmRelease apps\/app \(valuesFrom\)/);
});

test('chartRef to a HelmChart of the workspace: its chart, version and HelmRepository (type oci) decide the chart', { skip }, async () => {
  const text =
    [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: HelmRepository',
      'metadata:',
      '  name: oci-charts',
      '  namespace: apps',
      'spec:',
      '  type: oci',
      '  interval: 10m',
      `  url: oci://${registry.host}/charts`,
      '---',
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: HelmChart',
      'metadata:',
      '  name: webapp-chart',
      '  namespace: apps',
      'spec:',
      '  interval: 10m',
      '  chart: webapp',
      '  version: ">=1.0.0"',
      '  sourceRef:',
      '    kind: HelmRepository',
      '    name: oci-charts',
      '---',
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: from-helmchart',
      '  namespace: apps',
      'spec:',
      '  interval: 10m',
      '  chartRef:',
      '    kind: HelmChart',
      '    name: webapp-chart',
      '  values:',
      '    logLevel: verbose',
    ].join('\n') + '\n';
  const uri = open(lsp, text);
  const ds = await latestDiagnostics(lsp, uri, (d) => d.some((x) => x.code === 'helm-values/schema'));
  const d = ds.find((x) => x.code === 'helm-values/schema')!;
  assert.deepEqual(d.range.start, at(text, 'verbose', 0));
  const status = await hoverUntil(lsp, uri, text, '  values:', (m) => m.includes('Values help'), 3);
  assert.match(status, /via HelmRepository apps\/oci-charts, chart webapp/);
});
