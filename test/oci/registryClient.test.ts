// The registry client's protocol work against real registries: chunked
// uploads, cross-repository mounts, tag pagination (Link headers on
// distribution v3, n/last on go-containerregistry's registry), the referrers
// API and its fallback tag, Docker media types and image indexes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import path from 'node:path';
import { createRequire } from 'node:module';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { peerBinary, startRegistryV3, type StartedGoRegistry } from '../peers/goPeers.ts';
import { startFaultProxy } from '../peers/faultProxy.ts';
import { repoRoot } from './runCli.ts';

const require = createRequire(import.meta.url);
const domain = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
const { RegistryClient, digestOf } = domain.registry;
type Client = InstanceType<typeof RegistryClient>;

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
const peerSkip = (name: 'registry' | 'ggcr-registry') => (peerBinary(name) ? false : `${name} is not built; run: bash scripts/peers/build.sh ${name}`);

const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const emptyConfig = Buffer.from('{}');

function blob(bytes: Buffer) {
  return {
    digest: digestOf(bytes),
    size: bytes.length,
    open: (r?: { start: number; end: number }) => Readable.from([r ? bytes.subarray(r.start, r.end + 1) : bytes]),
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Pushes a tiny image manifest (optionally with a subject) and returns its bytes and digest. */
async function pushManifest(client: Client, repo: string, ref: string, extra: Record<string, unknown> = {}): Promise<{ digest: string; bytes: Buffer }> {
  await client.uploadBlob(repo, blob(emptyConfig));
  const layer = Buffer.from(`layer of ${ref} ${randomBytes(4).toString('hex')}`);
  await client.uploadBlob(repo, blob(layer));
  const body = {
    schemaVersion: 2,
    mediaType: ociManifest,
    // go-containerregistry's registry reports config.mediaType as the artifact type
    // (an early OCI 1.1 draft), so referrers carry their type in both places.
    config: {
      mediaType: typeof extra['artifactType'] === 'string' ? extra['artifactType'] : 'application/vnd.oci.empty.v1+json',
      digest: digestOf(emptyConfig),
      size: 2,
    },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length }],
    ...extra,
  };
  const bytes = Buffer.from(JSON.stringify(body));
  const digest = await client.putManifest(repo, ref, bytes, ociManifest);
  return { digest, bytes };
}

describe('docker-registry (distribution 2.8)', { skip }, () => {
  let registry: StartedRegistry;
  let client: Client;
  before(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ registry: registry.host, retry: { baseDelayMs: 50 } });
  });
  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  test('a blob larger than the chunk size goes up in PATCH chunks and comes back verified', async () => {
    const bytes = randomBytes(300 * 1024);
    let sent = 0;
    assert.equal(await client.uploadBlob('chunks/a', blob(bytes), { chunkSize: 64 * 1024, onBytes: (n) => (sent += n) }), 'uploaded');
    assert.equal(sent, bytes.length);
    assert.equal(await client.headBlob('chunks/a', digestOf(bytes)), bytes.length);
    assert.deepEqual(await readAll(await client.openBlob('chunks/a', { digest: digestOf(bytes), size: bytes.length })), bytes);
    assert.equal(await client.uploadBlob('chunks/a', blob(bytes)), 'exists');
  });

  test('a blob already in another repository is mounted, not uploaded again', async () => {
    const bytes = randomBytes(1000);
    await client.uploadBlob('mount/from', blob(bytes));
    assert.equal(await client.uploadBlob('mount/to', blob(bytes), { mountFrom: 'mount/from' }), 'mounted');
    assert.equal(await client.headBlob('mount/to', digestOf(bytes)), 1000);
    assert.equal(await client.mountBlob('mount/to', digestOf(randomBytes(10)), 'mount/from'), false);
  });

  test('Docker media types are sent and read back as such', async () => {
    const layer = Buffer.from('docker layer');
    await client.uploadBlob('docker/app', blob(layer));
    await client.uploadBlob('docker/app', blob(emptyConfig));
    const mediaType = 'application/vnd.docker.distribution.manifest.v2+json';
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: digestOf(emptyConfig), size: 2 },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: digestOf(layer), size: layer.length }],
      }),
    );
    const digest = await client.putManifest('docker/app', 'v1', bytes, mediaType);
    const got = await client.getManifest('docker/app', 'v1');
    assert.equal(got.mediaType, mediaType);
    assert.equal(got.digest, digest);
    assert.deepEqual(got.bytes, bytes);
  });

  test('an index resolves to its linux/amd64 manifest, keeping the index digest as Flux does', async () => {
    const amd = await pushManifest(client, 'multi/app', 'amd');
    const arm = await pushManifest(client, 'multi/app', 'arm');
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: ociManifest, digest: arm.digest, size: arm.bytes.length, platform: { os: 'linux', architecture: 'arm64' } },
          { mediaType: ociManifest, digest: amd.digest, size: amd.bytes.length, platform: { os: 'linux', architecture: 'amd64' } },
        ],
      }),
    );
    const indexDigest = await client.putManifest('multi/app', 'v1', index, 'application/vnd.oci.image.index.v1+json');
    const resolved = await domain.ociOperations.resolveArtifact(client, { registry: registry.host, repository: 'multi/app', tag: 'v1' });
    assert.equal(resolved.digest, indexDigest);
    assert.equal(resolved.manifestDigest, amd.digest);
  });

  test('without a referrers API, referrers come from the sha256-<hex> fallback tag', async () => {
    const subject = await pushManifest(client, 'refs/app', 'v1');
    assert.deepEqual(await client.referrers('refs/app', subject.digest), []);
    const sig = await pushManifest(client, 'refs/app', 'sig', { artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' });
    const fallback = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ mediaType: ociManifest, digest: sig.digest, size: sig.bytes.length, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' }],
      }),
    );
    await client.putManifest('refs/app', subject.digest.replace(':', '-'), fallback, 'application/vnd.oci.image.index.v1+json');
    const found = await client.referrers('refs/app', subject.digest);
    assert.deepEqual(
      found.map((d) => d.digest),
      [sig.digest],
    );
    assert.deepEqual(await client.referrers('refs/app', subject.digest, 'application/spdx+json'), []);
  });

  test('deleting a manifest by digest removes its tags', async () => {
    const m = await pushManifest(client, 'del/app', 'gone');
    await client.deleteManifest('del/app', m.digest);
    assert.equal(await client.headManifest('del/app', 'gone'), undefined);
  });
});

describe('go-containerregistry registry (referrers API, n/last paging)', { skip: peerSkip('ggcr-registry') }, () => {
  let registry: StartedGoRegistry;
  let client: Client;
  before(async () => {
    registry = await startRegistryV3('referrers');
    client = new RegistryClient({ registry: registry.host });
  });
  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  test('referrers come from the API and can be filtered by artifact type', async () => {
    const subject = await pushManifest(client, 'api/app', 'v1');
    const descriptor = { mediaType: ociManifest, digest: subject.digest, size: subject.bytes.length };
    const sbom = await pushManifest(client, 'api/app', 'sbom', { artifactType: 'application/spdx+json', subject: descriptor });
    const sig = await pushManifest(client, 'api/app', 'sig', { artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json', subject: descriptor });
    const all = await client.referrers('api/app', subject.digest);
    assert.deepEqual(all.map((d) => d.digest).sort(), [sbom.digest, sig.digest].sort());
    const onlySbom = await client.referrers('api/app', subject.digest, 'application/spdx+json');
    assert.deepEqual(
      onlySbom.map((d) => d.digest),
      [sbom.digest],
    );
  });

  test('a registry that pages by n without Link headers is walked with last=', async () => {
    const first = await pushManifest(client, 'paged/app', 't00');
    for (let i = 1; i < 25; i++) await client.putManifest('paged/app', `t${String(i).padStart(2, '0')}`, first.bytes, ociManifest);
    const tags = await client.listTags('paged/app', 10);
    assert.equal(tags.length, 25);
    assert.equal(new Set(tags).size, 25);
  });
});

describe('CNCF distribution v3 (Link pagination)', { skip: peerSkip('registry') }, () => {
  let registry: StartedGoRegistry;
  before(async () => {
    registry = await startRegistryV3('distribution');
  });
  after(async () => {
    await registry?.stop();
  });

  test('tags are listed across Link: rel="next" pages', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: registry.port });
    const client = new RegistryClient({ registry: proxy.host });
    try {
      const first = await pushManifest(client, 'linked/app', 'v0');
      for (let i = 1; i < 23; i++) await client.putManifest('linked/app', `v${i}`, first.bytes, ociManifest);
      const tags = await client.listTags('linked/app', 10);
      assert.equal(tags.length, 23);
      assert.equal(new Set(tags).size, 23);
      const pages = proxy.log.filter((l) => l.path.includes('/tags/list'));
      assert.equal(pages.length, 3);
      assert.ok(
        pages.slice(1).every((p) => p.path.includes('last=')),
        'later pages come from the Link header',
      );
    } finally {
      await client.close();
      await proxy.stop();
    }
  });
});

test('digests are computed over the exact bytes', () => {
  const bytes = Buffer.from('abc');
  assert.equal(digestOf(bytes), `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
});
