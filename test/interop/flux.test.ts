// Interop with the real flux CLI (v2.9.4, built from the Go module proxy by
// scripts/peers/build.sh) through a real registry (Debian's docker-registry):
// what we push, flux pulls with identical files; what flux pushes, we pull and
// diff; skopeo, an independent client, sees Flux's media types and annotations.
// Hostile layers pushed with oras are refused by `flux-oci pull` with nothing written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { requirePeer } from '../peers/goPeers.ts';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { fluxOci, run, snapshot } from './processes.ts';

const require = createRequire(import.meta.url);
let registry: StartedRegistry | undefined;
let work: string;

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'flux-oci-interop-'));
  if (dockerRegistryAvailable()) registry = await startRegistry();
});
after(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

function needRegistry(t: { skip(m: string): void }): string | undefined {
  if (registry) return registry.host;
  const msg = 'docker-registry is not installed; run: bash scripts/setup.sh';
  if (process.env['CI']) throw new Error(msg);
  t.skip(msg);
  return undefined;
}

function needSkopeo(t: { skip(m: string): void }): boolean {
  if (spawnSync('sh', ['-c', 'command -v skopeo']).status === 0) return true;
  if (process.env['CI']) throw new Error('skopeo is not installed; run: bash scripts/setup.sh');
  t.skip('skopeo is not installed');
  return false;
}

/** A tree with what trips tar implementations: nesting, an exec bit, a >100-byte path, a non-ASCII name. */
function makeTree(name: string): string {
  const root = path.join(work, name);
  const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(40)}.yaml`;
  const files: Record<string, string> = {
    'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [apps/web.yaml]\n',
    'apps/web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n',
    'scripts/hook.sh': '#!/bin/sh\necho hi\n',
    [long]: 'long: path\n',
    'configs/café-ümlaut.yaml': 'utf8: name\n',
    'empty.yaml': '',
  };
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  chmodSync(path.join(root, 'scripts/hook.sh'), 0o755);
  return root;
}

const fluxFlags = ['--source', 'https://github.com/example/fleet', '--revision', 'main@sha1:0123456789abcdef0123456789abcdef01234567'];

test('what flux-oci pushes, the real `flux pull artifact` extracts with identical files', async (t) => {
  const host = needRegistry(t);
  const flux = requirePeer(t, 'flux');
  if (!host || !flux) return;
  const src = makeTree('ours-src');
  const url = `oci://${host}/interop/ours:v1`;
  const push = await fluxOci(['push', 'artifact', url, '-f', src, ...fluxFlags, '-o', 'json'], { cwd: work });
  assert.equal(push.code, 0, push.stderr);
  const out = path.join(work, 'pulled-by-flux');
  mkdirSync(out);
  const pull = await run(flux, ['pull', 'artifact', url, '-o', out], { cwd: work });
  assert.equal(pull.code, 0, pull.stderr);
  assert.match(pull.stderr + pull.stdout, /main@sha1:0123456789abcdef/, 'flux reads our revision annotation');
  assert.deepEqual(snapshot(out), snapshot(src));
});

test('several paths in one artifact are pulled by flux as top-level folders', async (t) => {
  const host = needRegistry(t);
  const flux = requirePeer(t, 'flux');
  if (!host || !flux) return;
  const a = makeTree('multi/infra');
  const b = makeTree('multi/apps');
  const url = `oci://${host}/interop/multi:v1`;
  const push = await fluxOci(['push', 'artifact', url, '-f', a, '-f', b, ...fluxFlags], { cwd: work });
  assert.equal(push.code, 0, push.stderr);
  const out = path.join(work, 'multi-pulled');
  mkdirSync(out);
  const pull = await run(flux, ['pull', 'artifact', url, '-o', out], { cwd: work });
  assert.equal(pull.code, 0, pull.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['apps', 'infra']);
  assert.deepEqual(snapshot(path.join(out, 'infra')), snapshot(a));
  assert.deepEqual(snapshot(path.join(out, 'apps')), snapshot(b));
});

test('what `flux push artifact` pushes, flux-oci pulls with identical files and diffs file by file', async (t) => {
  const host = needRegistry(t);
  const flux = requirePeer(t, 'flux');
  if (!host || !flux) return;
  const src = makeTree('flux-src');
  const url = `oci://${host}/interop/theirs:v1`;
  const push = await run(flux, ['push', 'artifact', url, '--path', src, ...fluxFlags], { cwd: work });
  assert.equal(push.code, 0, push.stderr);

  const out = path.join(work, 'pulled-by-us');
  const pull = await fluxOci(['pull', 'artifact', url, '-o', out], { cwd: work });
  assert.equal(pull.code, 0, pull.stderr);
  assert.deepEqual(snapshot(out), snapshot(src));

  const same = await fluxOci(['diff', 'artifact', url, '-f', src], { cwd: work });
  assert.equal(same.code, 0, `identical trees: ${same.stdout}${same.stderr}`);

  writeFileSync(path.join(src, 'apps/web.yaml'), 'changed: true\n');
  writeFileSync(path.join(src, 'apps/new.yaml'), 'new: true\n');
  rmSync(path.join(src, 'empty.yaml'));
  chmodSync(path.join(src, 'kustomization.yaml'), 0o600);
  const changed = await fluxOci(['diff', 'artifact', url, '-f', src, '-o', 'json'], { cwd: work });
  assert.equal(changed.code, 1, changed.stderr);
  const changes = JSON.parse(changed.stdout) as { changes?: Array<{ kind: string; path: string }> } | Array<{ kind: string; path: string }>;
  const list = (Array.isArray(changes) ? changes : (changes.changes ?? [])).map((c) => `${c.kind} ${c.path}`).sort();
  assert.deepEqual(list, ['added empty.yaml', 'modified apps/web.yaml', 'modified kustomization.yaml', 'removed apps/new.yaml']);
});

test('skopeo sees our manifest exactly as flux would write it: media types and annotations', async (t) => {
  const host = needRegistry(t);
  if (!host || !needSkopeo(t)) return;
  const src = makeTree('skopeo-src');
  const url = `${host}/interop/skopeo:v1`;
  const push = await fluxOci(['push', 'artifact', `oci://${url}`, '-f', src, ...fluxFlags, '-a', 'team=platform'], { cwd: work });
  assert.equal(push.code, 0, push.stderr);
  const raw = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${url}`], { encoding: 'utf8' });
  assert.equal(raw.status, 0, raw.stderr);
  const m = JSON.parse(raw.stdout);
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(m.config.mediaType, 'application/vnd.cncf.flux.config.v1+json');
  assert.equal(m.layers.length, 1);
  assert.equal(m.layers[0].mediaType, 'application/vnd.cncf.flux.content.v1.tar+gzip');
  assert.equal(m.annotations['org.opencontainers.image.source'], 'https://github.com/example/fleet');
  assert.equal(m.annotations['org.opencontainers.image.revision'], 'main@sha1:0123456789abcdef0123456789abcdef01234567');
  assert.match(m.annotations['org.opencontainers.image.created'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(m.annotations['team'], 'platform');
  assert.equal(Object.keys(m).join(','), 'schemaVersion,mediaType,config,layers,annotations', 'field order as ggcr writes it');
});

/** Layers an attacker could push; each must be refused by `flux-oci pull`. */
async function hostileLayers(): Promise<Array<{ name: string; tgz: Buffer; error: RegExp }>> {
  const tar = require('tar-stream') as typeof import('tar-stream');
  const tarOf = async (entries: Array<{ name: string; type?: string; linkname?: string; body?: string }>) => {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    const done = (async () => {
      for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
    })();
    for (const e of entries) {
      await new Promise<void>((res, rej) => {
        const h = { name: e.name, type: (e.type ?? 'file') as 'file', mode: 0o644, ...(e.linkname ? { linkname: e.linkname } : {}) };
        const cb = (err?: Error | null) => (err ? rej(err) : res());
        if (h.type === 'file') pack.entry(h, e.body ?? 'x', cb);
        else pack.entry(h, cb);
      });
    }
    pack.finalize();
    await done;
    return gzipSync(Buffer.concat(chunks));
  };
  return [
    { name: 'traversal', tgz: await tarOf([{ name: '../escaped.txt' }]), error: /climbs out/ },
    { name: 'absolute', tgz: await tarOf([{ name: '/tmp/flux-oci-absolute-escape.txt' }]), error: /absolute path/ },
    { name: 'symlink', tgz: await tarOf([{ name: 'up', type: 'symlink', linkname: '../..' }]), error: /outside the target/ },
    { name: 'hardlink', tgz: await tarOf([{ name: 'pw', type: 'link', linkname: '/etc/passwd' }]), error: /outside the target/ },
    { name: 'device', tgz: await tarOf([{ name: 'null', type: 'character-device' }]), error: /character-device/ },
  ];
}

test('hostile layers pushed with oras are refused by flux-oci pull, nothing written outside', async (t) => {
  const host = needRegistry(t);
  const oras = requirePeer(t, 'oras');
  if (!host || !oras) return;
  const sandbox = path.join(work, 'hostile');
  mkdirSync(sandbox);
  for (const h of await hostileLayers()) {
    writeFileSync(path.join(sandbox, 'layer.tgz'), h.tgz);
    writeFileSync(path.join(sandbox, 'config.json'), '{}');
    const ref = `${host}/interop/hostile:${h.name}`;
    const push = await run(
      oras,
      [
        'push',
        '--plain-http',
        '--disable-path-validation',
        '--config',
        'config.json:application/vnd.cncf.flux.config.v1+json',
        ref,
        'layer.tgz:application/vnd.cncf.flux.content.v1.tar+gzip',
      ],
      { cwd: sandbox },
    );
    assert.equal(push.code, 0, push.stderr);
    const before = readdirSync(sandbox).sort();
    const pull = await fluxOci(['pull', 'artifact', `oci://${ref}`, '-o', path.join(sandbox, 'out')], { cwd: sandbox });
    assert.notEqual(pull.code, 0, `${h.name} must be refused`);
    assert.match(pull.stderr, h.error, h.name);
    assert.deepEqual(readdirSync(sandbox).sort(), before, `${h.name}: no output folder, no temp folder`);
    assert.equal(existsSync(path.join(work, 'escaped.txt')), false);
    assert.equal(existsSync('/tmp/flux-oci-absolute-escape.txt'), false);
  }
});
