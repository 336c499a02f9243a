// The real source-controller v1.9.4 (on the test control plane: etcd, kube-apiserver, Flux's
// CRDs) and flux-oci reach the same verdict on Notary-signed artifacts: an OCIRepository with
// spec.verify.provider: notation and a Secret holding trustpolicy.json and ca.crt, against
// artifacts in docker-registry signed by notation-go (notation-peer) with a PKI openssl makes at
// test time. verified = SourceVerified=True; ignored = Ready=True without SourceVerified (the
// artifact is pulled but not marked verified); failed = Ready=False with VerificationError.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { peerBinary } from '../peers/goPeers.ts';
import { makeWorkspace, runCli } from '../oci/runCli.ts';
import { signingPeerMissing } from './signingLab.ts';
import { makeNotaryPki, notarySign, type FluxVerdict, type NotaryPki } from './notationPeers.ts';

const ns = 'flux-system';
const notationBin = peerBinary('notation-peer');

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

describe('source-controller and flux-oci agree on Notary signatures', { timeout: 600_000 }, () => {
  let cp: ControlPlane | undefined;
  let registry: StartedRegistry | undefined;
  let dir = '';
  let ws = '';
  let pki: NotaryPki;
  let counter = 0;
  let ready = false;
  let missing = '';

  before(async () => {
    const peerMissing = signingPeerMissing('notation-peer');
    if (peerMissing) {
      missing = peerMissing;
      return;
    }
    if (!requireControlPlane({ skip: (m) => void (missing = m ?? 'control plane peers missing') }, ['source-controller'])) return;
    [cp, registry] = await Promise.all([startControlPlane({ controllers: ['source-controller'] }), startRegistry()]);
    dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-notary-sc-'));
    ws = makeWorkspace();
    pki = await makeNotaryPki(dir);
    ready = true;
  });
  after(async () => {
    await Promise.all([cp?.stop(), registry?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  async function secret(name: string, level: string, ca: string): Promise<void> {
    const policy = {
      version: '1.0',
      trustPolicies: [{ name: 'flux', registryScopes: ['*'], signatureVerification: { level }, trustStores: ['ca:flux'], trustedIdentities: ['*'] }],
    };
    const r = await cp!.api('POST', `/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: ns },
      stringData: { 'trustpolicy.json': JSON.stringify(policy), 'ca.crt': readFileSync(ca, 'utf8') },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }

  /** Pushes an artifact, lets `sign` sign it, asks source-controller and flux-oci, returns both verdicts. */
  async function both(
    level: string,
    ca: string,
    sign: (ref: string) => Promise<void>,
  ): Promise<{ controller: FluxVerdict; ours: FluxVerdict; message: string; reason: string }> {
    const name = `notary${++counter}`;
    const host = registry!.host;
    writeFileSync(path.join(ws, 'deploy', 'version.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\ndata:\n  n: "${counter}"\n`);
    const push = await runCli(
      ['push', 'artifact', `oci://${host}/team/${name}:v1`, '--path', 'deploy', '--source', 's', '--revision', `main@sha1:${counter}`, '-o', 'json'],
      { cwd: ws },
    );
    assert.equal(push.code, 0, push.stderr);
    const digest = (JSON.parse(push.stdout) as { digest: string }).digest;
    await sign(`${host}/team/${name}@${digest}`);
    await secret(`${name}-trust`, level, ca);
    const created = await cp!.api('POST', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories`, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name, namespace: ns },
      spec: {
        interval: '10m',
        url: `oci://${host}/team/${name}`,
        insecure: true,
        ref: { tag: 'v1' },
        verify: { provider: 'notation', secretRef: { name: `${name}-trust` } },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const deadline = Date.now() + 90_000;
    let conditions: Condition[] = [];
    for (;;) {
      const got = await cp!.api('GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories/${name}`);
      conditions = (got.body?.status?.conditions ?? []) as Condition[];
      const readyC = conditions.find((c) => c.type === 'Ready');
      if (readyC && (readyC.status === 'True' || (readyC.status === 'False' && readyC.reason !== 'Progressing' && readyC.reason !== 'ProgressingWithRetry')))
        break;
      if (Date.now() > deadline)
        throw new Error(`source-controller gave no verdict on ${name} in 90 s: ${JSON.stringify(conditions)}\n${cp!.logTail('source-controller')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const readyC = conditions.find((c) => c.type === 'Ready')!;
    const verifiedC = conditions.find((c) => c.type === 'SourceVerified');
    const controller: FluxVerdict = verifiedC?.status === 'True' ? 'verified' : readyC.status === 'True' ? 'ignored' : 'failed';
    if (controller === 'failed') assert.equal(readyC.reason, 'VerificationError', readyC.message);

    const ours = await runCli(
      [
        'verify',
        'artifact',
        `oci://${host}/team/${name}:v1`,
        '--verify-provider',
        'notation',
        '--trust-policy',
        writePolicyFile(level),
        '--trust-ca-file',
        ca,
        '--format',
        'json',
      ],
      { cwd: dir },
    );
    const result = JSON.parse(ours.stdout) as { outcome: string; fluxIgnores?: boolean; reason?: string };
    const mine: FluxVerdict = result.outcome === 'verified' ? 'verified' : result.fluxIgnores ? 'ignored' : 'failed';
    assert.equal(mine, controller, `flux-oci: ${mine} (${result.reason ?? ''}); source-controller: ${controller} (${readyC.message ?? ''})`);
    return { controller, ours: mine, message: readyC.message ?? '', reason: result.reason ?? '' };
  }

  function writePolicyFile(level: string): string {
    const f = path.join(dir, `policy-${level}.json`);
    writeFileSync(
      f,
      JSON.stringify({
        version: '1.0',
        trustPolicies: [{ name: 'flux', registryScopes: ['*'], signatureVerification: { level }, trustStores: ['ca:flux'], trustedIdentities: ['*'] }],
      }),
    );
    return f;
  }

  it("JWS signature by a leaf of the Secret's CA: SourceVerified=True, and we say verified", async (t) => {
    if (!ready) return t.skip(missing);
    const r = await both('strict', pki.rootCert, (ref) => notarySign(notationBin!, ref, { key: pki.ecKey, chain: pki.ecChain, envelope: 'jws' }));
    assert.equal(r.controller, 'verified');
  });

  it('COSE signature made by flux-oci sign (RSA leaf): source-controller verifies it', async (t) => {
    if (!ready) return t.skip(missing);
    const r = await both('strict', pki.rootCert, async (ref) => {
      const s = await runCli(
        [
          'sign',
          'artifact',
          `oci://${ref}`,
          '--sign-provider',
          'notation',
          '--key',
          pki.rsaKey,
          '--certificate-chain',
          pki.rsaChain,
          '--signature-format',
          'cose',
        ],
        { cwd: dir },
      );
      assert.equal(s.code, 0, s.stderr);
    });
    assert.equal(r.controller, 'verified');
  });

  it("another CA's signature: strict fails with VerificationError, audit pulls it unverified", async (t) => {
    if (!ready) return t.skip(missing);
    const sign = (ref: string) => notarySign(notationBin!, ref, { key: pki.otherKey, chain: pki.otherChain, envelope: 'cose' });
    const strict = await both('strict', pki.rootCert, sign);
    assert.equal(strict.controller, 'failed');
    assert.match(strict.message, /failed to verify the signature using provider 'notation'/);
    const audit = await both('audit', pki.rootCert, sign);
    assert.equal(audit.controller, 'ignored');
  });

  it('expired signing certificate: strict fails, permissive verifies', async (t) => {
    if (!ready) return t.skip(missing);
    const sign = (ref: string) =>
      notarySign(notationBin!, ref, { key: pki.ecKey, chain: pki.expiredChain, envelope: 'jws', signingTime: '2020-01-01T12:00:00Z' });
    assert.equal((await both('strict', pki.rootCert, sign)).controller, 'failed');
    assert.equal((await both('permissive', pki.rootCert, sign)).controller, 'verified');
  });

  it('unsigned and tampered: both fail', async (t) => {
    if (!ready) return t.skip(missing);
    assert.equal((await both('strict', pki.rootCert, async () => undefined)).controller, 'failed');
    assert.equal(
      (await both('audit', pki.rootCert, (ref) => notarySign(notationBin!, ref, { key: pki.ecKey, chain: pki.ecChain, envelope: 'jws', tamper: true })))
        .controller,
      'failed',
    );
  });
});
