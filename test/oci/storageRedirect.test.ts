// Docker Hub, GHCR and ECR do not serve layers themselves: a blob GET answers 307 with a presigned
// URL on their storage. Here docker-registry keeps its blobs in a real S3 server (MinIO) and does
// the same. The pull follows the redirect to the other server without the registry's credentials
// (the storage is another party: it gets the presigned URL and nothing else), and the layer
// arrives verified.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { peerBinary } from '../peers/goPeers.ts';
import { startS3Server, type StartedS3Server } from '../peers/s3Server.ts';
import { startFaultProxy, type FaultProxy } from '../peers/faultProxy.ts';
import { makeWorkspace, runCli } from './runCli.ts';

const skip = !dockerRegistryAvailable()
  ? 'docker-registry is not installed (apt-get install docker-registry)'
  : !peerBinary('minio')
    ? 'minio is not built; run: bash scripts/peers/build.sh minio'
    : false;
let s3: StartedS3Server;
let registry: StartedRegistry;
/** In front of MinIO, to see what reaches the storage. */
let storage: FaultProxy;
let ws: string;
const users = { ci: { password: 'ci-secret', access: 'push' as const } };

before(async () => {
  if (skip) return;
  s3 = await startS3Server();
  await s3.makeBucket('registry');
  storage = await startFaultProxy({ host: '127.0.0.1', port: s3.port });
  registry = await startRegistry({
    auth: 'basic',
    users,
    s3: { endpoint: storage.host, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket: 'registry' },
  });
  ws = makeWorkspace();
});
after(async () => {
  await registry?.stop();
  await storage?.stop();
  await s3?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

test('a layer the registry redirects to its S3 storage is pulled from there, verified, without the registry credentials', { skip }, async () => {
  writeFileSync(path.join(ws, 'deploy', 'stored.yaml'), 'kept: in S3\n');
  const url = `oci://${registry.host}/team/stored:v1`;
  const auth = ['--creds', 'ci:ci-secret', '--ca-file', registry.caFile!];
  const push = await runCli(['push', 'artifact', url, '-f', 'deploy', '--source', 's', '--revision', 'r', ...auth], { cwd: ws });
  assert.equal(push.code, 0, push.stderr);

  storage.log.length = 0;
  const pull = await runCli(['pull', 'artifact', url, '-o', 'from-s3', ...auth], { cwd: ws });
  assert.equal(pull.code, 0, pull.stderr);
  assert.equal(readFileSync(path.join(ws, 'from-s3', 'stored.yaml'), 'utf8'), 'kept: in S3\n');
  // The layer came from the storage by a presigned URL: the registry redirected, the CLI followed.
  const presigned = storage.log.filter((r) => r.method === 'GET' && /X-Amz-Signature=/.test(r.path));
  assert.ok(presigned.length > 0, `presigned GETs at the storage: ${JSON.stringify(storage.log.map((r) => `${r.method} ${r.path.slice(0, 80)}`))}`);
  assert.deepEqual(
    presigned.filter((r) => r.authorization),
    [],
    'no Authorization header went to the storage',
  );
});
