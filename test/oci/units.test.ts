// Pure logic of the OCI half, through the domain library bundle (dist/domain.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from './runCli.ts';

const require = createRequire(import.meta.url);
const domain = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
const { parseArtifactUrl, parseRepositoryUrl } = domain;
const r = domain.registry;

test('artifact URLs parse like go-containerregistry references', () => {
  assert.deepEqual(parseArtifactUrl('oci://ghcr.io/org/app:v1.2.3'), { registry: 'ghcr.io', repository: 'org/app', tag: 'v1.2.3' });
  assert.deepEqual(parseArtifactUrl('oci://localhost:5000/app'), { registry: 'localhost:5000', repository: 'app', tag: 'latest' });
  assert.deepEqual(parseArtifactUrl('oci://docker.io/nginx'), { registry: 'index.docker.io', repository: 'library/nginx', tag: 'latest' });
  assert.deepEqual(parseArtifactUrl('oci://org/app:v1'), { registry: 'index.docker.io', repository: 'org/app', tag: 'v1' });
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseArtifactUrl(`oci://127.0.0.1:5000/a/b@${digest}`), { registry: '127.0.0.1:5000', repository: 'a/b', digest });
  assert.deepEqual(parseArtifactUrl(`oci://127.0.0.1:5000/a/b:v1@${digest}`), { registry: '127.0.0.1:5000', repository: 'a/b', tag: 'v1', digest });
});

test('bad artifact URLs get flux-like messages', () => {
  assert.throws(() => parseArtifactUrl('ghcr.io/org/app:v1'), /URL must be in format 'oci:\/\/<domain>\/<org>\/<repo>'/);
  assert.throws(() => parseArtifactUrl('oci://ghcr.io/Org/App:v1'), /repository can only contain the characters/);
  assert.throws(() => parseArtifactUrl('oci://ghcr.io/org/app@sha256:abc'), /invalid digest/);
  assert.throws(() => parseArtifactUrl('oci://ghcr.io/org/app:-bad'), /tag can only contain/);
  assert.throws(() => parseRepositoryUrl('oci://ghcr.io/org/app:v1'), /must not contain a tag or digest/);
  assert.deepEqual(parseRepositoryUrl('oci://127.0.0.1:5000/org/app'), { registry: '127.0.0.1:5000', repository: 'org/app' });
});

test('plain HTTP is allowed only for loopback registries or ones marked insecure', () => {
  assert.equal(r.allowsPlainHttp('registry.example.com', false), false);
  assert.equal(r.allowsPlainHttp('10.0.0.5:5000', false), false, 'private addresses are not trusted silently');
  assert.equal(r.allowsPlainHttp('registry.local', false), false);
  assert.equal(r.allowsPlainHttp('registry.example.com', true), true);
  for (const host of ['127.0.0.1:5000', 'localhost:5000', 'localhost', '[::1]:5000', '127.1.2.3']) assert.equal(r.allowsPlainHttp(host, false), true, host);
});

test('WWW-Authenticate challenges parse with quoted commas and escapes', () => {
  const c = r.parseChallenge(
    'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:org/app:pull,push",error="insufficient_scope"',
  );
  assert.equal(c?.scheme, 'bearer');
  assert.deepEqual(c?.params, {
    realm: 'https://auth.example.com/token',
    service: 'registry.example.com',
    scope: 'repository:org/app:pull,push',
    error: 'insufficient_scope',
  });
  assert.deepEqual(r.parseChallenge('Basic realm="Registry \\"R\\""'), { scheme: 'basic', params: { realm: 'Registry "R"' } });
  assert.equal(r.parseChallenge(undefined), undefined);
  assert.deepEqual(r.mergeScopes(['repository:a:pull', 'repository:a:push repository:b:pull', 'repository:a:pull']), [
    'repository:a:pull,push',
    'repository:b:pull',
  ]);
});

test('Retry-After is read as seconds or an HTTP date', () => {
  assert.equal(r.parseRetryAfter('5'), 5000);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(r.parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  assert.equal(r.parseRetryAfter('soon'), undefined);
  assert.equal(r.parseRetryAfter(undefined), undefined);
  const policy = { ...r.defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(
    r.backoffDelay(policy, 1, () => 0.5),
    100,
  );
  assert.equal(
    r.backoffDelay(policy, 10, () => 0.5),
    1000,
  );
});

test('--creds: user:password is Basic, a bare value is a registry token (as flux)', () => {
  assert.deepEqual(r.credentialFromFlag('alice:s3:cr3t'), { kind: 'basic', username: 'alice', password: 's3:cr3t' });
  assert.deepEqual(r.credentialFromFlag('tok'), { kind: 'registry-token', token: 'tok' });
});

test('docker config keys match hosts however docker wrote them', () => {
  assert.equal(domain.registryKey('https://index.docker.io/v1/'), 'index.docker.io');
  assert.equal(domain.registryKey('docker.io'), 'index.docker.io');
  assert.equal(domain.registryKey('https://127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(domain.registryKey('GHCR.io'), 'ghcr.io');
});

test('cloud providers check the registry host and name the CLI to install', async () => {
  assert.deepEqual(r.providerLogin('aws', '123456789012.dkr.ecr.eu-west-1.amazonaws.com').args, ['ecr', 'get-login-password', '--region', 'eu-west-1']);
  assert.equal(r.providerLogin('gcp', 'europe-docker.pkg.dev').program, 'gcloud');
  assert.equal(r.providerLogin('azure', 'myreg.azurecr.io').args[3], 'myreg');
  assert.throws(() => r.providerLogin('aws', 'ghcr.io'), /invalid AWS registry: ghcr.io/);
  assert.throws(() => r.providerLogin('azure', 'ghcr.io'), /invalid Azure registry/);
  assert.throws(() => r.providerLogin('gcp', 'ghcr.io'), /invalid GCP registry/);
  const emptyPath = mkdtempSync(path.join(tmpdir(), 'flux-oci-nopath-'));
  const aws = new r.CloudProviderCredentials('aws', { PATH: emptyPath });
  await assert.rejects(
    aws.resolve('123456789012.dkr.ecr.us-east-1.amazonaws.com'),
    /--provider aws needs the AWS CLI \(aws\), which is not installed; install the AWS CLI \(aws\) and log in, or use --creds/,
  );
});

test('registry error bodies are read defensively', () => {
  assert.deepEqual(r.parseErrorBody('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v1"}}]}'), {
    codes: ['MANIFEST_UNKNOWN'],
    summary: 'MANIFEST_UNKNOWN: manifest unknown',
  });
  assert.deepEqual(r.parseErrorBody('{"errors":[{"code":"DENIED","detail":["x"]},{"message":"m"}]}'), { codes: ['DENIED'], summary: 'DENIED; m' });
  assert.deepEqual(r.parseErrorBody('404 page not found\n'), { codes: [], summary: '404 page not found' });
  assert.deepEqual(r.parseErrorBody('{"errors":null}'), { codes: [], summary: '' });
});

test('list hides signature, attestation, SBOM and referrers fallback tags', () => {
  const tags = ['v1.0.0', 'sha256-abc.sig', 'sha256-abc.att', 'x.sbom', `sha256-${'b'.repeat(64)}`, 'latest', 'v1.10.0'];
  assert.deepEqual(domain.ociOperations.filterTags(tags, {}), ['v1.10.0', 'v1.0.0', 'latest']);
  assert.deepEqual(domain.ociOperations.filterTags(tags, { semver: '*' }), ['v1.10.0', 'v1.0.0']);
  assert.throws(() => domain.ociOperations.filterTags(tags, { regex: '(' }), /--filter-regex/);
});

test('Link headers give the next page', () => {
  assert.equal(r.nextLink('</v2/a/tags/list?n=10&last=t9>; rel="next"'), '/v2/a/tags/list?n=10&last=t9');
  assert.equal(r.nextLink('<https://x/y>; rel="prev"'), undefined);
  assert.equal(r.nextLink(undefined), undefined);
});
