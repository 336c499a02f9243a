// Operation-sequence fuzzing (issue 22): seeded random sequences of what an editor and its user
// do (open, edit, close, completion, hover, inlay hints, code actions, refresh, artifact and
// cluster commands, settings changes, log-in/log-out, cancellation) against a workspace full of
// OCIRepositories, while the registries misbehave: a real docker-registry behind the fault proxy
// (stall, stall mid-body, 429 with Retry-After, 5xx, corrupted bytes, reset mid-body), a Basic+TLS
// docker-registry behind a relay that makes the TLS handshake slow, and registries that refuse,
// drop or never answer. After each sequence:
//   - the server process never exited, and never logged an unhandled rejection (the guard is a net);
//   - every request answered within its bound (commands within a bound after they were cancelled);
//   - no registry traffic reached the proxy while the editor was offline;
//   - diagnostics converge to what a fresh server computes for the same final texts and settings;
//   - the heap (after a GC, all files closed, caches refreshed) is back near its baseline.
// Bounded for CI (FUZZ_OPS_SEQUENCES x FUZZ_OPS operations, FUZZ_OPS_BUDGET_MS); reproducible from
// the printed seed: FUZZ_OPS_SEED=<seed> npm test -- test/lsp/operationFuzz. Longer: FUZZ_OPS=3000.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import type { Diagnostic, PublishDiagnosticsParams, TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { startFaultProxy, type Fault, type FaultProxy } from '../peers/faultProxy.ts';
import { startDeadRegistries, type DeadRegistries } from '../peers/deadRegistries.ts';
import { startSlowRelay, type SlowRelay } from '../peers/slowRelay.ts';
import { LspClient, fileUri } from '../helpers/lspClient.ts';
import { seededRandom } from '../helpers/seededRandom.ts';
import { ociRepository, seed } from '../resolution/stories.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
const baseSeed = Number(process.env['FUZZ_OPS_SEED'] ?? 20261205);
const sequences = Number(process.env['FUZZ_OPS_SEQUENCES'] ?? 4);
const opsPerSequence = Number(process.env['FUZZ_OPS'] ?? 250);
const budgetMs = Number(process.env['FUZZ_OPS_BUDGET_MS'] ?? 150_000);
/** How long any request may take; a command once cancelled gets `cancelBoundMs` more. */
// Generous on purpose: they catch a request that hangs (a cancelled reconcile once waited 5 minutes),
// not a slow moment of a loaded 2-core machine; the slowest answers are printed for the record.
const requestBoundMs = 20_000;
const cancelBoundMs = 30_000;
const user = { name: 'fuzz', password: 'Fuzz-pa55word' };

let registry: StartedRegistry;
let secured: StartedRegistry;
let proxy: FaultProxy;
let relay: SlowRelay;
let dead: DeadRegistries;
let digest = '';
let home = '';
let pushFolder = '';
let pem = '';

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  digest = (await seed(registry.host, 'team/app', ['v1.0.0', 'v1.1.0', 'v2.0.0'])).digests['v1.0.0']!;
  secured = await startRegistry({ auth: 'basic', users: { [user.name]: { password: user.password, access: 'push' } } });
  await seed(secured.host, 'team/private', ['v3.0.0'], {}, { SSL_CERT_FILE: secured.caFile! }, ['--creds', `${user.name}:${user.password}`]);
  proxy = await startFaultProxy({ host: '127.0.0.1', port: registry.port });
  relay = await startSlowRelay({ host: '127.0.0.1', port: secured.port });
  dead = await startDeadRegistries();
  home = mkdtempSync(path.join(tmpdir(), 'flux-oci-fuzz-home-'));
  pushFolder = path.join(home, 'deploy');
  mkdirSync(pushFolder);
  writeFileSync(path.join(pushFolder, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fuzz\n');
  pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
});
/** A peer that does not stop within 15 s is left to the process exit rather than holding the file open. */
const within = (p: Promise<unknown> | undefined): Promise<unknown> => Promise.race([p ?? Promise.resolve(), new Promise((r) => setTimeout(r, 15_000).unref())]);
after(async () => {
  await within(dead?.stop());
  await within(relay?.stop());
  await within(proxy?.stop());
  await within(secured?.stop());
  await within(registry?.stop());
  if (home) rmSync(home, { recursive: true, force: true });
});

// ---------- the workspace ----------

function named(text: string, name: string): string {
  return text.replace('name: app', `name: ${name}`);
}

function workspaceFiles(): Record<string, string> {
  const p = proxy.host;
  const repos = [
    named(ociRepository(`oci://${p}/team/app`, { tag: 'v1.0.0' }), 'app-tag'),
    named(ociRepository(`oci://${p}/team/app`, { semver: '>=1.0.0' }), 'app-semver'),
    named(ociRepository(`oci://${p}/team/app`, { semver: '~1.1' }), 'app-tilde'),
    named(ociRepository(`oci://${p}/team/app`, { tag: 'v9.9.9' }), 'app-missing'),
    named(ociRepository(`oci://${p}/team/app`, { digest }), 'app-digest'),
    named(ociRepository(`oci://${p}/team/nothing`, { tag: 'latest' }), 'nothing'),
    named(ociRepository(`oci://${relay.host}/team/private`, { tag: 'v3.0.0' }), 'private'),
    named(ociRepository(`oci://${dead.refusing}/team/a`, { tag: 'v1.0.0' }), 'refusing'),
    named(ociRepository(`oci://${dead.dropping}/team/b`, { semver: '>=1.0.0' }), 'dropping'),
    named(ociRepository(`oci://${dead.stalling}/team/c`, { tag: 'v1.0.0' }), 'stalling'),
    named(ociRepository(`oci://${p}/team/app`, { tag: 'v1.1.0' }, 'verify:\n  provider: cosign\n  secretRef:\n    name: cosign-pub'), 'signed'),
  ];
  const consumers = [
    'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./\n  prune: true\n  sourceRef:\n    kind: OCIRepository\n    name: app-semver\n',
    'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: chart\n  namespace: flux-system\nspec:\n  interval: 10m\n  chartRef:\n    kind: OCIRepository\n    name: app-tag\n',
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: cosign-pub\n  namespace: flux-system\nstringData:\n  cosign.pub: |\n${pem
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`,
  ];
  return {
    'fleet.yaml': repos.slice(0, 6).join('---\n'),
    'elsewhere.yaml': repos.slice(6).join('---\n'),
    'consumers.yaml': consumers.join('---\n'),
  };
}

// ---------- one sequence ----------

interface Outstanding {
  what: string;
  /** The proxy fault in effect when it was sent, for the report. */
  fault: string;
  started: number;
  cancel?: () => void;
  cancelledAt?: number;
  done: boolean;
  promise: Promise<unknown>;
}

interface SequenceReport {
  seed: number;
  operations: Record<string, number>;
  faults: Record<string, number>;
  requests: number;
  slowest: { what: string; ms: number };
  /** Longest wait from the user's cancel to the answer. */
  slowestAfterCancel: number;
}

const tagValues = ['v1.0.0', 'v1.1.0', 'v2.0.0', 'v9.9.9', 'latest', 'not a tag!', ''];
const semverValues = ['>=1.0.0', '~1.1', '^2', '>=5.0.0', '1.x', 'not a range', '>= 1.0.0 < 2.0.0-0'];
const junk = [
  '    - ',
  '  spec: [',
  '\t',
  '---',
  'kind: OCIRepository',
  '  ref:',
  '    tag: "v1.0.0"',
  '  interval: 1s',
  '  url: oci://',
  'x: "unterminated',
  '# comment',
];

function faultChoices(): Array<{ name: string; fault?: Fault; path?: RegExp; times?: number }> {
  return [
    { name: 'none' },
    { name: 'stall', fault: { kind: 'stall' } },
    { name: 'status-429', fault: { kind: 'status', status: 429, retryAfter: '1' } },
    { name: 'status-503', fault: { kind: 'status', status: 503 } },
    { name: 'status-500', fault: { kind: 'status', status: 500 }, path: /\/manifests\// },
    { name: 'corrupt-response', fault: { kind: 'corrupt-response' }, path: /\/manifests\/|\/blobs\// },
    { name: 'stall-mid-body', fault: { kind: 'stall-after', direction: 'response', afterBytes: 40 } },
    { name: 'reset-mid-body', fault: { kind: 'reset-response', afterBytes: 40 } },
    { name: 'tags-fail-once', fault: { kind: 'status', status: 503 }, path: /\/tags\/list/, times: 1 },
  ];
}

async function runSequence(sequenceSeed: number, deadline: number): Promise<SequenceReport> {
  const random = seededRandom(sequenceSeed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const report: SequenceReport = { seed: sequenceSeed, operations: {}, faults: {}, requests: 0, slowest: { what: '', ms: 0 }, slowestAfterCancel: 0 };
  const count = (bag: Record<string, number>, k: string) => (bag[k] = (bag[k] ?? 0) + 1);

  const ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-fuzz-ws-'));
  const files = workspaceFiles();
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(ws, name), text);
  const env = {
    FLUX_OCI_TEST_HOOKS: '1',
    FLUX_OCI_REGISTRY_TIMEOUT_MS: '1500',
    SSL_CERT_FILE: secured.caFile!,
    HOME: home,
    KUBECONFIG: path.join(home, 'no-kubeconfig'),
  };
  let settings: Record<string, unknown> = {};
  const lsp = await LspClient.start({ workspaceFolders: [ws], configuration: true, settings, env, nodeArgs: ['--expose-gc'] });
  const texts = new Map<string, string>(); // uri -> text the editor holds, for open files
  const uriOf = (name: string) => fileUri(path.join(ws, name));
  const outstanding: Outstanding[] = [];
  const violations: string[] = [];
  let offlineSince: { proxy: number; relay: number } | undefined; // traffic seen once offline took hold
  let offlineTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let currentFault = 'none';
  /** What the editor's Log In last handed over (part of the final state a fresh server must share). */
  let credentials: Array<{ registry: string; username: string; password: string }> = [];

  const track = (what: string, promise: Promise<unknown>, source?: CancellationTokenSource): Outstanding => {
    report.requests++;
    const o: Outstanding = { what, fault: currentFault, started: Date.now(), done: false, promise: Promise.resolve() };
    o.promise = promise
      .then(
        () => undefined,
        (e: unknown) => {
          // An answer that is an error is still an answer; a dead connection is not.
          if (!lsp.alive && !stopping) violations.push(`${what}: no answer, the server exited (${String(e)})`);
        },
      )
      .finally(() => {
        o.done = true;
        const ms = Date.now() - o.started;
        if (ms > report.slowest.ms) report.slowest = { what, ms };
        if (o.cancelledAt) report.slowestAfterCancel = Math.max(report.slowestAfterCancel, Date.now() - o.cancelledAt);
      });
    outstanding.push(o);
    if (source) {
      o.cancel = () => {
        if (o.done || o.cancelledAt) return;
        o.cancelledAt = Date.now();
        source.cancel();
      };
      if (random() < 0.5) {
        // One cancel in ten goes out at once, as a user's quick Escape: on a busy server it is read
        // with its request, before dispatch (a cancelled artifact.list once ran on against a stalled registry).
        const delay = int(3000);
        setTimeout(() => o.cancel?.(), delay < 300 ? 0 : delay).unref();
      }
    }
    return o;
  };

  /** Judges only after this process has read what already arrived: on a loaded machine the harness itself runs late. */
  const checkBounds = async () => {
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setImmediate(r));
    const now = Date.now();
    for (const o of outstanding) {
      if (o.done) continue;
      // A command waits on a registry at most its idle timeout (60 s) per try; the user may cancel sooner.
      const bound = o.cancelledAt ? o.cancelledAt + cancelBoundMs : o.started + (o.what.startsWith('command ') ? 150_000 : requestBoundMs);
      if (now > bound) {
        violations.push(
          `${o.what} unanswered after ${now - o.started} ms${o.cancelledAt ? ` (cancelled ${now - o.cancelledAt} ms ago)` : ''}, sent under fault ${o.fault}`,
        );
        o.done = true;
      }
    }
  };

  const positionIn = (text: string): { line: number; character: number } => {
    const lines = text.split('\n');
    const line = int(lines.length);
    return { line, character: int((lines[line]?.length ?? 0) + 1) };
  };
  const positionOf = (text: string, needle: string): { line: number; character: number } | undefined => {
    const hits: number[] = [];
    for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) hits.push(i);
    if (!hits.length) return undefined;
    const before = text.slice(0, pick(hits) + needle.length + 1);
    const lines = before.split('\n');
    return { line: lines.length - 1, character: lines[lines.length - 1]!.length };
  };

  const edit = (uri: string): void => {
    const text = texts.get(uri)!;
    const lines = text.split('\n');
    const kind = int(5);
    let i = int(lines.length);
    let replacement: string | undefined;
    if (kind === 0) {
      const tagLines = lines.map((l, n) => (/^\s+tag:/.test(l) ? n : -1)).filter((n) => n >= 0);
      if (tagLines.length) {
        i = pick(tagLines);
        replacement = lines[i]!.replace(/tag:.*$/, `tag: ${JSON.stringify(pick(tagValues))}`);
      }
    } else if (kind === 1) {
      const semverLines = lines.map((l, n) => (/^\s+semver:/.test(l) ? n : -1)).filter((n) => n >= 0);
      if (semverLines.length) {
        i = pick(semverLines);
        replacement = lines[i]!.replace(/semver:.*$/, `semver: ${JSON.stringify(pick(semverValues))}`);
      }
    } else if (kind === 2) {
      replacement = `${pick(junk)}\n${lines[i] ?? ''}`;
    } else if (kind === 3 && lines.length > 1) {
      replacement = '';
    }
    if (kind === 4 || replacement === undefined) {
      // Back to what is on disk, sent as a whole-text change.
      const name = path.basename(new URL(uri).pathname);
      texts.set(uri, files[name]!);
      lsp.replaceAll(uri, files[name]!);
      return;
    }
    const change: TextDocumentContentChangeEvent = {
      range: { start: { line: i, character: 0 }, end: { line: i, character: lines[i]?.length ?? 0 } },
      text: replacement,
    };
    lines[i] = replacement;
    texts.set(uri, lines.join('\n'));
    lsp.change(uri, [change]);
  };

  const setSettings = (next: Record<string, unknown>) => {
    const wasOffline = (settings['registry'] as { offline?: boolean } | undefined)?.offline === true;
    const nowOffline = (next['registry'] as { offline?: boolean } | undefined)?.offline === true;
    settings = next;
    lsp.setSettings(next);
    if (nowOffline && !wasOffline) {
      // In-flight requests may still land for a moment; from then on the proxy must hear nothing.
      // An artifact command started before may still be talking to the registry (they work offline by design): no verdict then.
      // The moment counts from when the server took the switch (it logs it), not from when the editor sent it: on a
      // loaded machine the configuration round trip alone can outlast it (one run saw the TLS registry connected then).
      const logsBefore = lsp.logs.length;
      const settle = () => {
        offlineTimer = setTimeout(() => {
          const artifactBusy = outstanding.some((o) => !o.done && o.what.startsWith('command flux-oci.artifact.'));
          offlineSince = artifactBusy ? undefined : { proxy: proxy.log.length, relay: relay.connections };
        }, 500);
      };
      const untilSwitched = () => {
        if (lsp.logs.slice(logsBefore).some((m) => m.startsWith('registry: offline'))) settle();
        else offlineTimer = setTimeout(untilSwitched, 50);
      };
      untilSwitched();
    } else if (!nowOffline && wasOffline) {
      clearTimeout(offlineTimer);
      if (offlineSince !== undefined && proxy.log.length > offlineSince.proxy) {
        violations.push(
          `offline, yet the proxy saw ${proxy.log
            .slice(offlineSince.proxy)
            .map((e) => `${e.method} ${e.path}`)
            .join(', ')}`,
        );
      }
      if (offlineSince !== undefined && relay.connections > offlineSince.relay)
        violations.push(`offline, yet the TLS registry saw ${relay.connections - offlineSince.relay} connection(s)`);
      offlineSince = undefined;
    }
  };
  const isOffline = () => (settings['registry'] as { offline?: boolean } | undefined)?.offline === true;

  type Op = [weight: number, name: string, run: () => void | Promise<void>];
  const openUris = () => [...texts.keys()];
  const ops: Op[] = [
    [
      6,
      'open',
      () => {
        const name = pick(Object.keys(files));
        const uri = uriOf(name);
        if (texts.has(uri)) return;
        texts.set(uri, files[name]!);
        lsp.open(uri, files[name]!);
      },
    ],
    [
      10,
      'edit',
      () => {
        const uris = openUris();
        if (uris.length) edit(pick(uris));
      },
    ],
    [
      3,
      'close',
      () => {
        const uris = openUris();
        if (!uris.length) return;
        const uri = pick(uris);
        texts.delete(uri);
        lsp.close(uri);
      },
    ],
    [
      8,
      'hover',
      () => {
        const uri = pick(openUris().length ? openUris() : [uriOf('fleet.yaml')]);
        const text = texts.get(uri) ?? '';
        const position = (random() < 0.7 && positionOf(text, pick(['url: ', 'tag: ', 'semver: ', 'digest: ', 'provider: ']))) || positionIn(text);
        const source = new CancellationTokenSource();
        track('hover', lsp.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position }, source.token), source);
      },
    ],
    [
      8,
      'completion',
      () => {
        const uri = pick(openUris().length ? openUris() : [uriOf('fleet.yaml')]);
        const text = texts.get(uri) ?? '';
        const position = (random() < 0.6 && positionOf(text, pick(['tag: ', 'semver: ', 'digest: ']))) || positionIn(text);
        const source = new CancellationTokenSource();
        track('completion', lsp.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position }, source.token), source);
      },
    ],
    [
      4,
      'inlayHint',
      () => {
        const uri = pick(openUris().length ? openUris() : [uriOf('fleet.yaml')]);
        const lines = (texts.get(uri) ?? '').split('\n').length;
        track(
          'inlayHint',
          lsp.connection.sendRequest('textDocument/inlayHint', {
            textDocument: { uri },
            range: { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } },
          }),
        );
      },
    ],
    [
      4,
      'codeAction',
      () => {
        const uri = pick(openUris().length ? openUris() : [uriOf('fleet.yaml')]);
        const last = [...lsp.published].reverse().find((p) => p.uri === uri);
        const diags = last?.diagnostics ?? [];
        const d = diags.length ? pick(diags) : undefined;
        const range = d?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
        track('codeAction', lsp.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: d ? [d] : [] } }));
      },
    ],
    [
      2,
      'documentSymbol/references',
      () => {
        const uri = pick(openUris().length ? openUris() : [uriOf('consumers.yaml')]);
        const text = texts.get(uri) ?? '';
        track('documentSymbol', lsp.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } }));
        track(
          'references',
          lsp.connection.sendRequest('textDocument/references', {
            textDocument: { uri },
            position: positionOf(text, 'name: ') ?? positionIn(text),
            context: { includeDeclaration: true },
          }),
        );
      },
    ],
    [
      4,
      'refresh',
      () => {
        track('command refresh', lsp.executeCommand('flux-oci.refreshResolution'));
      },
    ],
    [
      4,
      'artifact command',
      () => {
        const source = new CancellationTokenSource();
        const url = `oci://${proxy.host}/team/app`;
        // Artifact commands reach the registry the user names even offline; keep the offline check about live lookups.
        if (isOffline()) return;
        const which = int(4);
        const [command, args] =
          which === 0
            ? ['flux-oci.artifact.list', { url }]
            : which === 1
              ? ['flux-oci.artifact.pull', { url: `${url}:v1.0.0`, output: path.join(home, `pull-${sequenceSeed}-${int(1e9)}`) }]
              : which === 2
                ? [
                    'flux-oci.artifact.push',
                    { url: `${url}:fuzz-${int(5)}`, path: pushFolder, source: 'https://example.invalid/fuzz', revision: 'main@sha1:0123abcd' },
                  ]
                : ['flux-oci.artifact.defaults', { uri: pick(openUris().length ? openUris() : [uriOf('fleet.yaml')]) }];
        track(`command ${command}`, lsp.connection.sendRequest('workspace/executeCommand', { command, arguments: [args] }, source.token), source);
      },
    ],
    [
      2,
      'cluster command',
      () => {
        const source = new CancellationTokenSource();
        const command = pick(['flux-oci.clusterTree', 'flux-oci.reconcile', 'flux-oci.events']);
        track(
          `command ${command}`,
          lsp.connection.sendRequest(
            'workspace/executeCommand',
            { command, arguments: [{ kind: 'OCIRepository', name: 'app-tag', namespace: 'flux-system' }] },
            source.token,
          ),
          source,
        );
      },
    ],
    [
      5,
      'settings',
      () => {
        const next = { ...settings };
        const which = int(4);
        if (which === 0) next['registry'] = { offline: !isOffline() };
        else if (which === 1) next['validation'] = { enable: random() < 0.7 };
        else if (which === 2) next['diagnosticsDelay'] = pick([0, 10, 50, 200]);
        else next['verify'] = { publicKeyFiles: random() < 0.5 ? [] : [path.join(home, 'missing.pub')] };
        setSettings(next);
      },
    ],
    [
      3,
      'log-in/log-out',
      () => {
        credentials = random() < 0.6 ? [{ registry: relay.host, username: user.name, password: random() < 0.8 ? user.password : 'wrong' }] : [];
        void lsp.connection.sendNotification('flux-oci/registryCredentials', { credentials });
      },
    ],
    [
      6,
      'fault',
      () => {
        const f = pick(faultChoices());
        count(report.faults, f.name);
        currentFault = f.name;
        proxy.setRules(f.fault ? [{ path: f.path ?? /./, fault: f.fault, ...(f.times ? { times: f.times } : {}) }] : []);
        relay.setDelay(random() < 0.3 ? 500 + int(2500) : 0);
      },
    ],
    [5, 'pause', () => new Promise((r) => setTimeout(r, int(400)))],
  ];
  const totalWeight = ops.reduce((n, [w]) => n + w, 0);
  const choose = (): Op => {
    let x = random() * totalWeight;
    for (const op of ops) if ((x -= op[0]) < 0) return op;
    return ops[ops.length - 1]!;
  };

  try {
    // Baseline: the workspace indexed, each file opened, checked and closed once, caches forgotten.
    for (const name of Object.keys(files)) lsp.open(uriOf(name), files[name]!);
    await Promise.all(Object.keys(files).map((name) => lsp.diagnostics(uriOf(name), undefined, 20_000)));
    for (const name of Object.keys(files)) lsp.close(uriOf(name));
    await lsp.executeCommand('flux-oci.refreshResolution');
    await new Promise((r) => setTimeout(r, 500));
    const baseline = await lsp.connection.sendRequest<{ heapUsed: number; collected: boolean }>('flux-oci/test/heap');

    for (let n = 0; n < opsPerSequence && Date.now() < deadline; n++) {
      const [, name, run] = choose();
      count(report.operations, name);
      await run();
      await checkBounds();
      if (!lsp.alive) {
        violations.push(`the server exited (code ${lsp.exitCode}) after operation ${n} (${name}): ${lsp.stderr.join('').slice(0, 1500)}`);
        break;
      }
      if (n % 5 === 0) await new Promise((r) => setImmediate(r));
    }

    // Quiet the world: no faults, online, checks on; everything outstanding must settle in bound.
    proxy.setRules([]);
    currentFault = 'none';
    relay.setDelay(0);
    setSettings({ ...settings, registry: { offline: false }, validation: { enable: true } });
    // The user cancels what is still running (the progress notification's Cancel).
    for (const o of outstanding) o.cancel?.();
    const settleDeadline = Date.now() + 60_000;
    while (outstanding.some((o) => !o.done) && Date.now() < settleDeadline) {
      await checkBounds();
      await new Promise((r) => setTimeout(r, 100));
    }
    await checkBounds();
    await lsp.executeCommand('flux-oci.refreshResolution').catch(() => undefined);

    // Convergence: a fresh server with the same final texts and settings publishes the same diagnostics.
    if (lsp.alive && texts.size) {
      const fresh = await LspClient.start({ workspaceFolders: [ws], configuration: true, settings, env });
      try {
        if (credentials.length) void fresh.connection.sendNotification('flux-oci/registryCredentials', { credentials });
        for (const [uri, text] of texts) fresh.open(uri, text);
        await converge(lsp, fresh, [...texts.keys()], violations);
      } finally {
        await fresh.stop();
      }
    }

    // Memory: close everything, forget every cache, collect, compare with the baseline.
    for (const uri of openUris()) lsp.close(uri);
    texts.clear();
    await lsp.executeCommand('flux-oci.refreshResolution').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
    if (lsp.alive) {
      const end = await lsp.connection.sendRequest<{ heapUsed: number }>('flux-oci/test/heap');
      const grownMiB = (end.heapUsed - baseline.heapUsed) / 2 ** 20;
      if (grownMiB > 24)
        violations.push(`heap grew by ${grownMiB.toFixed(1)} MiB over the sequence (baseline ${(baseline.heapUsed / 2 ** 20).toFixed(1)} MiB)`);
    }

    const unhandled = lsp.logs.filter((l) => l.includes('flux-oci: unhandled'));
    if (unhandled.length) violations.push(`the process guard caught ${unhandled.length} slip(s); first: ${unhandled[0]!.slice(0, 1500)}`);
    if (!lsp.alive) violations.push(`the server exited (code ${lsp.exitCode}): ${lsp.stderr.join('').slice(0, 1500)}`);
  } finally {
    clearTimeout(offlineTimer);
    stopping = true;
    await lsp.stop();
    rmSync(ws, { recursive: true, force: true });
  }
  assert.deepEqual(
    violations,
    [],
    `sequence seed ${sequenceSeed} (reproduce: FUZZ_OPS_SEED=${baseSeed} FUZZ_OPS=${opsPerSequence}); operations ${JSON.stringify(report.operations)}`,
  );
  return report;
}

/**
 * Diagnostics as a comparable text: range, severity, code and message, in order. Which socket
 * error a dropped connection surfaces as (ECONNRESET or undici's UND_ERR_SOCKET) is the kernel's
 * timing, not the server's state, so the error code in parentheses is left out.
 */
function normalised(diags: readonly Diagnostic[]): string {
  const message = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : '').replace(/\((E[A-Z]+|UND_ERR_[A-Z_]+)\)/g, '(…)');
  return diags
    .map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.severity} ${String(d.code)} ${message(d)}`)
    .sort()
    .join('\n');
}

function lastOf(lsp: LspClient, uri: string): PublishDiagnosticsParams | undefined {
  return [...lsp.published].reverse().find((p) => p.uri === uri);
}

/** Waits until both servers' latest diagnostics agree for every file (registry answers arrive late). */
async function converge(a: LspClient, b: LspClient, uris: string[], violations: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  let differing: string[] = [];
  while (Date.now() < deadline) {
    differing = uris.filter((u) => {
      const x = lastOf(a, u);
      const y = lastOf(b, u);
      return !x || !y || normalised(x.diagnostics) !== normalised(y.diagnostics);
    });
    if (!differing.length) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const u of differing) {
    violations.push(
      `diagnostics of ${u} did not converge:\n--- fuzzed server\n${normalised(lastOf(a, u)?.diagnostics ?? [])}\n--- fresh server\n${normalised(lastOf(b, u)?.diagnostics ?? [])}`,
    );
  }
}

test('random operation sequences against faulty registries never kill the server and converge', { skip, timeout: budgetMs + 240_000 }, async () => {
  const deadline = Date.now() + budgetMs;
  const reports: SequenceReport[] = [];
  for (let s = 0; s < sequences && Date.now() < deadline; s++) {
    const sequenceSeed = baseSeed + s;
    process.stdout.write(`# operation fuzz: sequence ${s + 1}/${sequences}, seed ${sequenceSeed}\n`);
    reports.push(await runSequence(sequenceSeed, deadline));
  }
  const ops = reports.reduce((n, r) => n + Object.values(r.operations).reduce((a, b) => a + b, 0), 0);
  const requests = reports.reduce((n, r) => n + r.requests, 0);
  const faults: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + v;
  process.stdout.write(
    `# operation fuzz: ${reports.length} sequences, ${ops} operations, ${requests} requests, faults ${JSON.stringify(faults)}, slowest answer ${Math.max(...reports.map((r) => r.slowest.ms))} ms, slowest after a cancel ${Math.max(...reports.map((r) => r.slowestAfterCancel))} ms\n`,
  );
  assert.ok(reports.length > 0);
});

// ---------- the cluster restarting under the editor ----------

/**
 * The same discipline against the real control plane (etcd + kube-apiserver with Flux's CRDs, no
 * controllers): random cluster commands from the tree view and the palette (tree, apply with and
 * without confirm, suspend, resume, events, the object's YAML, reconcile and resume — which wait for a
 * controller and so are always cancelled by the user) while kube-apiserver is killed or stopped and
 * started again under them. The server never dies or logs a slip, every command answers within
 * its bound, and once the API server is back the tree converges to what the API server holds.
 */
test('cluster commands while kube-apiserver restarts never kill the server, and the tree recovers', { timeout: 420_000 }, async (t) => {
  const { requireControlPlane, startControlPlane } = await import('../peers/controlPlane.ts');
  if (!requireControlPlane(t, [], ['source-controller', 'kustomize-controller'])) return;
  const plane = await startControlPlane({ controllers: [], crds: ['source-controller', 'kustomize-controller'] });
  const random = seededRandom(baseSeed + 1000);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-fuzz-cluster-'));
  const names = Array.from({ length: 6 }, (_, i) => `fuzz-${i}`);
  const text = names
    .map(
      (n) =>
        `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ${n}\n  namespace: flux-system\nspec:\n  interval: 10m\n  url: oci://127.0.0.1:5999/team/${n}\n  ref:\n    tag: v1.0.0\n`,
    )
    .join('---\n');
  const file = path.join(ws, 'sources.yaml');
  writeFileSync(file, text);
  const uri = fileUri(file);
  const lsp = await LspClient.start({ workspaceFolders: [ws], env: { KUBECONFIG: plane.kubeconfig, FLUX_OCI_TEST_HOOKS: '1', HOME: ws } });
  const violations: string[] = [];
  const outstanding: Array<{ what: string; started: number; bound: number; done: boolean; promise: Promise<unknown> }> = [];
  const ops: Record<string, number> = {};
  let restarts = 0;
  let restarting: Promise<unknown> = Promise.resolve();
  // FUZZ_TRACE=1 prints every command sent and answered, and each restart, with its time.
  const trace = process.env['FUZZ_TRACE'] === '1';
  const t0 = Date.now();
  try {
    await plane.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } });
    lsp.open(uri, text);
    const send = (what: string, command: string, arg: unknown, cancelAfterMs?: number) => {
      const source = new CancellationTokenSource();
      const o = {
        what,
        started: Date.now(),
        bound: cancelAfterMs !== undefined ? cancelAfterMs + cancelBoundMs : 150_000,
        done: false,
        promise: Promise.resolve() as Promise<unknown>,
      };
      o.promise = lsp.connection
        .sendRequest('workspace/executeCommand', { command, arguments: arg === undefined ? [] : [arg] }, source.token)
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          o.done = true;
          if (trace) process.stdout.write(`# ${Date.now() - t0} ms: answered ${what} #${outstanding.indexOf(o)}\n`);
        });
      if (trace) process.stdout.write(`# ${Date.now() - t0} ms: sent ${what} #${outstanding.length} ${JSON.stringify(arg)}\n`);
      if (cancelAfterMs !== undefined) setTimeout(() => source.cancel(), cancelAfterMs).unref();
      outstanding.push(o);
    };
    const deadline = Date.now() + 150_000;
    for (let n = 0; n < 120 && Date.now() < deadline; n++) {
      const name = pick(names);
      const ref = { kind: 'OCIRepository', name, namespace: 'flux-system' };
      const op = pick(['tree', 'tree', 'apply', 'apply-confirm', 'suspend', 'resume', 'events', 'yaml', 'reconcile', 'restart', 'pause', 'pause']);
      ops[op] = (ops[op] ?? 0) + 1;
      if (op === 'tree') send(op, 'flux-oci.clusterTree', undefined);
      else if (op === 'apply') send(op, 'flux-oci.apply', { uri });
      else if (op === 'apply-confirm') send(op, 'flux-oci.apply', { uri, confirm: true });
      else if (op === 'suspend') send(op, 'flux-oci.suspend', ref);
      else if (op === 'events') send(op, 'flux-oci.events', ref);
      else if (op === 'yaml') send(op, 'flux-oci.clusterObject', ref);
      // Both wait for a controller, and none runs here: the user cancels them, as with a stuck reconcile.
      else if (op === 'reconcile' || op === 'resume') send(op, `flux-oci.${op}`, ref, int(3000));
      else if (op === 'restart' && restarts < 3 && plane.apiServerRunning) {
        restarts++;
        // Not awaited: the editor goes on while the API server is away.
        const signal = random() < 0.5 ? 'SIGKILL' : 'SIGTERM';
        const downMs = int(3000);
        restarting = restarting.then(async () => {
          if (trace) process.stdout.write(`# ${Date.now() - t0} ms: restarting kube-apiserver (${signal}, down ${downMs} ms)\n`);
          await plane.restartApiServer({ signal, downMs });
          if (trace) process.stdout.write(`# ${Date.now() - t0} ms: kube-apiserver is back\n`);
        });
      } else await new Promise((r) => setTimeout(r, int(500)));
      if (!lsp.alive) {
        violations.push(`the server exited (code ${lsp.exitCode}) after ${op}: ${lsp.stderr.join('').slice(0, 1500)}`);
        break;
      }
      const now = Date.now();
      for (const o of outstanding)
        if (!o.done && now - o.started > o.bound) ((o.done = true), violations.push(`${o.what} unanswered after ${now - o.started} ms`));
    }
    await restarting;
    const settle = Date.now() + 160_000;
    while (outstanding.some((o) => !o.done) && Date.now() < settle) await new Promise((r) => setTimeout(r, 200));
    for (const o of outstanding)
      if (!o.done)
        violations.push(
          `${o.what} (sent ${Math.round((Date.now() - o.started) / 1000)} s ago) never answered; the server's last cluster lines: ${lsp.logs
            .filter((l) => l.startsWith('cluster'))
            .slice(-8)
            .join(' | ')}`,
        );

    // Converged: the tree lists exactly the OCIRepositories the API server holds, with their suspend state.
    const truth = async () => {
      const r = await plane.api('GET', '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/ocirepositories');
      return ((r.body?.items ?? []) as Array<{ metadata: { name: string }; spec: { suspend?: boolean } }>)
        .map((o) => `${o.metadata.name}:${o.spec.suspend === true}`)
        .sort()
        .join(',');
    };
    const shown = async () => {
      const tree = (await lsp.executeCommand('flux-oci.clusterTree')) as { nodes?: Array<{ ref: { kind: string; name: string }; suspended: boolean }> };
      return (tree.nodes ?? [])
        .filter((n) => n.ref.kind === 'OCIRepository')
        .map((n) => `${n.ref.name}:${n.suspended}`)
        .sort()
        .join(',');
    };
    let last = '';
    const converged = await (async () => {
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        const [a, b] = await Promise.all([truth(), shown()]);
        if (a === b) return true;
        last = `cluster ${a} / tree ${b}`;
        await new Promise((r) => setTimeout(r, 500));
      }
      return false;
    })();
    if (!converged) violations.push(`the tree did not converge to the cluster: ${last}`);
    const unhandled = lsp.logs.filter((l) => l.includes('flux-oci: unhandled'));
    if (unhandled.length) violations.push(`the process guard caught ${unhandled.length} slip(s); first: ${unhandled[0]!.slice(0, 1500)}`);
    process.stdout.write(
      `# cluster fuzz: ${Object.values(ops).reduce((a, b) => a + b, 0)} operations ${JSON.stringify(ops)}, ${restarts} API server restarts, ${outstanding.length} commands\n`,
    );
    assert.deepEqual(violations, [], `seed ${baseSeed + 1000}`);
  } finally {
    await lsp.stop();
    await plane.stop();
    rmSync(ws, { recursive: true, force: true });
  }
});
