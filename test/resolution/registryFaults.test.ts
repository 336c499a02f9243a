// When the registry is not there for us: the editor never waits on it, never
// reports a false error, and says plainly why it could not check. Real
// docker-registry instances (plain, and Basic auth over TLS with a CA made
// now), a fault-injecting proxy in front of one, and the real language server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletionItem, CompletionList, Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { freePort } from '../peers/loopback.ts';
import { startFaultProxy, type FaultProxy } from '../peers/faultProxy.ts';
import { LspClient } from '../helpers/lspClient.ts';
import { at, eventually, ociRepository, seed } from './stories.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
let plain: StartedRegistry;
let secured: StartedRegistry;
let tokened: StartedRegistry;
let proxy: FaultProxy;
let docCount = 0;
const user = { name: 'ci', password: 'S3cret-pa55word' };

before(async () => {
  if (skip) return;
  plain = await startRegistry();
  await seed(plain.host, 'team/app', ['v1.0.0', 'v1.1.0']);
  secured = await startRegistry({ auth: 'basic', users: { [user.name]: { password: user.password, access: 'push' } } });
  await seed(secured.host, 'team/private', ['v3.0.0'], {}, { SSL_CERT_FILE: secured.caFile! }, ['--creds', `${user.name}:${user.password}`]);
  tokened = await startRegistry({ auth: 'token', users: { [user.name]: { password: user.password, access: 'push' } } });
  await seed(tokened.host, 'team/tokened', ['v0.9.0', 'v0.10.0'], {}, {}, ['--creds', `${user.name}:${user.password}`]);
  proxy = await startFaultProxy({ host: '127.0.0.1', port: plain.port });
});
after(async () => {
  await proxy?.stop();
  await plain?.stop();
  await secured?.stop();
  await tokened?.stop();
});

function message(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function markdown(h: Hover | null): string {
  return h ? (h.contents as MarkupContent).value : '';
}

function open(lsp: LspClient, text: string): string {
  const uri = `file:///work/faults-${++docCount}.yaml`;
  lsp.open(uri, text);
  return uri;
}

function latestDiagnostics(lsp: LspClient, uri: string, test: (ds: Diagnostic[]) => boolean, timeoutMs = 15_000): Promise<Diagnostic[]> {
  return eventually(
    async () => {
      const last = [...lsp.published].reverse().find((p) => p.uri === uri);
      return last && test(last.diagnostics) ? last.diagnostics : undefined;
    },
    `diagnostics of ${uri}`,
    timeoutMs,
  );
}

/** Starts a server with extra environment (the server reads it at start). */
async function startServer(env: Record<string, string>, settings?: Record<string, unknown>): Promise<LspClient> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    return await LspClient.start(settings ? { settings } : {});
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('offline: no registry traffic at all, and the hover says lookups are off', { skip }, async () => {
  const lsp = await LspClient.start({ settings: { registry: { offline: true } } });
  try {
    proxy.setRules([]);
    const before = proxy.log.length;
    const text = ociRepository(`oci://${proxy.host}/team/app`, { tag: 'v1.0.0' });
    const uri = open(lsp, text);
    const diags = await lsp.diagnostics(uri);
    assert.deepEqual(
      diags.filter((d) => String(d.code).startsWith('registry/')),
      [],
    );
    assert.match(markdown(await lsp.hover(uri, at(text, 'tag:'))), /Registry lookups are off/);
    const items = await lsp.completion(uri, at(text, 'v1.0.0'));
    assert.ok(Array.isArray(items));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(proxy.log.length, before, 'no request reached the registry');
  } finally {
    await lsp.stop();
  }
});

test('many files naming one repository share one tag list request', { skip }, async () => {
  const lsp = await LspClient.start();
  try {
    proxy.setRules([]);
    const before = proxy.log.length;
    const uris = ['>=1.0.0', '1.x', '~1.1.0'].map((semver) => open(lsp, ociRepository(`oci://${proxy.host}/team/app`, { semver })));
    for (const uri of uris) await latestDiagnostics(lsp, uri, () => true);
    const text = ociRepository(`oci://${proxy.host}/team/app`, { semver: '>=1.0.0' });
    await eventually(async () => (markdown(await lsp.hover(uris[0]!, at(text, 'semver:'))).includes(':v1.1.0@') ? true : undefined), 'resolution');
    await eventually(async () => (markdown(await lsp.hover(uris[2]!, at(text, 'semver:'))).includes(':v1.1.0@') ? true : undefined), 'resolution');
    const tagLists = proxy.log.slice(before).filter((r) => r.path.includes('/tags/list'));
    assert.equal(tagLists.length, 1, JSON.stringify(proxy.log.slice(before)));
  } finally {
    await lsp.stop();
  }
});

test('an unreachable registry is information on the url, never an error', { skip }, async () => {
  const lsp = await LspClient.start();
  try {
    const port = await freePort(); // nothing listens there
    const text = ociRepository(`oci://127.0.0.1:${port}/team/app`, { tag: 'v1.0.0' });
    const uri = open(lsp, text);
    const diags = await latestDiagnostics(lsp, uri, (ds) => ds.some((d) => d.code === 'registry/unreachable'));
    const d = diags.find((x) => x.code === 'registry/unreachable')!;
    assert.equal(d.severity, 3);
    assert.equal(d.range.start.line, at(text, 'url:').line);
    assert.match(message(d), /Could not check the registry: .*connection to 127\.0\.0\.1:\d+ failed/);
    assert.ok(!diags.some((x) => String(x.code).startsWith('registry/') && x.severity! < 3));
  } finally {
    await lsp.stop();
  }
});

test('a registry that stalls: hover answers at once with "resolving", completion never blocks, then information', { skip }, async () => {
  const lsp = await startServer({ FLUX_OCI_REGISTRY_TIMEOUT_MS: '4000' });
  try {
    proxy.setRules([{ path: /^\/v2\//, fault: { kind: 'stall' } }]);
    const text = ociRepository(`oci://${proxy.host}/team/app`, { tag: 'v1.0.0' });
    const uri = open(lsp, text);
    let t = performance.now();
    const h = markdown(await lsp.hover(uri, at(text, 'tag:')));
    const hoverMs = performance.now() - t;
    assert.match(h, /Resolving against the registry/);
    // The hover budget is 1 s; the registry would hold us for 4 s per attempt.
    assert.ok(hoverMs < 2_500, `hover took ${hoverMs} ms`);

    const typing = text.replace('tag: "v1.0.0"', 'tag: ');
    lsp.replaceAll(uri, typing);
    t = performance.now();
    const r = await lsp.connection.sendRequest<CompletionItem[] | CompletionList | null>('textDocument/completion', {
      textDocument: { uri },
      position: { line: at(typing, 'tag:').line, character: '    tag: '.length },
    });
    const completionMs = performance.now() - t;
    assert.ok(completionMs < 2_000, `completion took ${completionMs} ms`);
    assert.equal(Array.isArray(r) ? false : r?.isIncomplete, true, 'completion says more may come');

    lsp.replaceAll(uri, text);
    const diags = await latestDiagnostics(lsp, uri, (ds) => ds.some((d) => d.code === 'registry/unreachable'), 20_000);
    assert.equal(diags.find((d) => d.code === 'registry/unreachable')!.severity, 3);
    assert.ok(lsp.alive);
  } finally {
    proxy.setRules([]);
    await lsp.stop();
  }
});

test('a rate-limited registry is waited for as it asks (Retry-After), then resolves', { skip }, async () => {
  const lsp = await LspClient.start();
  try {
    proxy.setRules([{ path: /\/tags\/list/, fault: { kind: 'status', status: 429, retryAfter: '1' }, times: 1 }]);
    const before = proxy.log.length;
    const text = ociRepository(`oci://${proxy.host}/team/app`, { semver: '>=1.0.0' });
    const uri = open(lsp, text);
    const md = await eventually(async () => {
      const m = markdown(await lsp.hover(uri, at(text, 'semver:')));
      return m.includes(':v1.1.0@') ? m : undefined;
    }, 'resolution after 429');
    assert.ok(md);
    const seen = proxy.log.slice(before).filter((r) => r.path.includes('/tags/list'));
    assert.deepEqual(
      seen.map((r) => r.fault ?? 'ok'),
      ['status', 'ok'],
    );
  } finally {
    proxy.setRules([]);
    await lsp.stop();
  }
});

test('an authenticated registry: information until the editor hands over credentials, which never reach a log', { skip }, async () => {
  const lsp = await startServer({ SSL_CERT_FILE: secured.caFile!, HOME: '/nonexistent-home-for-tests' });
  try {
    const text = ociRepository(`oci://${secured.host}/team/private`, { semver: '^3.0.0' });
    const uri = open(lsp, text);
    const first = await latestDiagnostics(lsp, uri, (ds) => ds.some((d) => d.code === 'registry/unauthorized'));
    const d = first.find((x) => x.code === 'registry/unauthorized')!;
    assert.equal(d.severity, 3);
    assert.match(message(d), /requires authentication/);

    void lsp.connection.sendNotification('flux-oci/registryCredentials', {
      credentials: [{ registry: secured.host, username: user.name, password: user.password }],
    });
    await latestDiagnostics(lsp, uri, (ds) => !ds.some((x) => String(x.code).startsWith('registry/')));
    const md = await eventually(async () => {
      const m = markdown(await lsp.hover(uri, at(text, 'semver:')));
      return m.includes('team/private:v3.0.0@sha256:') ? m : undefined;
    }, 'authenticated resolution');
    assert.ok(md);
    const everything = [...lsp.logs, ...lsp.stderr, JSON.stringify(lsp.published)].join('\n');
    assert.ok(!everything.includes(user.password), 'the password never appears in logs or diagnostics');
    assert.match(lsp.logs.join('\n'), /1 credential\(s\) from the editor/);
  } finally {
    await lsp.stop();
  }
});

test('a registry with bearer tokens: credentials from the editor get a pull token, anonymous gets information', { skip }, async () => {
  const lsp = await startServer({ HOME: '/nonexistent-home-for-tests' });
  try {
    const text = ociRepository(`oci://${tokened.host}/team/tokened`, { semver: '0.x' });
    const uri = open(lsp, text);
    await latestDiagnostics(lsp, uri, (ds) => ds.some((d) => d.code === 'registry/unauthorized' && d.severity === 3));
    void lsp.connection.sendNotification('flux-oci/registryCredentials', [{ registry: tokened.host, username: user.name, password: user.password }]);
    const md = await eventually(async () => {
      const m = markdown(await lsp.hover(uri, at(text, 'semver:')));
      return m.includes('team/tokened:v0.10.0@sha256:') ? m : undefined;
    }, 'token resolution');
    assert.match(md, /Also in range \(1\): `v0\.9\.0`/);
    assert.ok(tokened.tokenRequests.some((r) => r.user === user.name && r.scope.some((s) => s === 'repository:team/tokened:pull')));
  } finally {
    await lsp.stop();
  }
});

test('under the test suite only loopback registries are asked: a ghcr.io source stays quiet', { skip }, async () => {
  const lsp = await startServer({ FLUX_OCI_REGISTRY_LOOPBACK_ONLY: '1' });
  try {
    const text = ociRepository('oci://ghcr.io/stefanprodan/manifests/podinfo', { semver: '6.x' });
    const uri = open(lsp, text);
    const diags = await lsp.diagnostics(uri);
    assert.deepEqual(
      diags.filter((d) => String(d.code).startsWith('registry/')),
      [],
    );
    const md = await eventually(async () => {
      const m = markdown(await lsp.hover(uri, at(text, 'semver:')));
      return m.includes('Resolving') ? undefined : m;
    }, 'hover');
    assert.match(md, /limited to loopback registries/);
  } finally {
    await lsp.stop();
  }
});
