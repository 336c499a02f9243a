// The Go registries other suites rely on start cleanly and have what the Debian
// registry lacks: the OCI 1.1 referrers API (go-containerregistry) and tag-list
// pagination with Link headers (CNCF distribution v3). Content is pushed with the
// real flux CLI, so this also proves flux works against both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requirePeer, startRegistryV3 } from '../peers/goPeers.ts';
import { run } from './processes.ts';

const meta = ['--source', 'https://example.invalid/r', '--revision', 'main@sha1:abc'];

async function pushTags(flux: string, host: string, repo: string, tags: string[]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-goreg-'));
  try {
    writeFileSync(path.join(dir, 'a.yaml'), 'a: 1\n');
    let digest = '';
    for (const tag of tags) {
      const r = await run(flux, ['push', 'artifact', `oci://${host}/${repo}:${tag}`, '--path', dir, ...meta, '-o', 'json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      digest = JSON.parse(r.stdout).digest;
    }
    return digest;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the referrers registry answers the OCI 1.1 referrers API with an image index', async (t) => {
  const flux = requirePeer(t, 'flux');
  if (!flux || !requirePeer(t, 'ggcr-registry')) return;
  const reg = await startRegistryV3('referrers');
  try {
    const digest = await pushTags(flux, reg.host, 'apps/web', ['v1']);
    const res = await fetch(`${reg.baseUrl}/v2/apps/web/referrers/${digest}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/vnd\.oci\.image\.index\.v1\+json/);
    const index = (await res.json()) as { manifests: unknown[] };
    assert.deepEqual(index.manifests, []);
  } finally {
    await reg.stop();
  }
});

test('distribution v3 paginates tags/list with Link headers', async (t) => {
  const flux = requirePeer(t, 'flux');
  if (!flux || !requirePeer(t, 'registry')) return;
  const reg = await startRegistryV3('distribution');
  try {
    await pushTags(flux, reg.host, 'apps/web', ['v1', 'v2', 'v3']);
    const first = await fetch(`${reg.baseUrl}/v2/apps/web/tags/list?n=2`);
    assert.equal(first.status, 200);
    assert.deepEqual(((await first.json()) as { tags: string[] }).tags, ['v1', 'v2']);
    const link = first.headers.get('link') ?? '';
    assert.match(link, /rel="next"/);
    const next = await fetch(new URL(/<([^>]+)>/.exec(link)![1]!, reg.baseUrl));
    assert.deepEqual(((await next.json()) as { tags: string[] }).tags, ['v3']);
  } finally {
    await reg.stop();
  }
});
