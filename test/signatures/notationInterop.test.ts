// Notary Project stories: artifacts we push are signed by notation-go v1.3.2
// (notation-peer, the library source-controller v1.9.4 links; the notation CLI
// module is refused by the Go module proxy) in JWS and COSE envelopes with a
// PKI openssl makes at test time. `flux-oci verify artifact --verify-provider
// notation` must reach the verdict source-controller's verifier reaches on the
// same artifact, trust policy and CA files: verified, ignored (Flux pulls but
// does not mark it verified) or failed, for every case of the matrix.
// Runs against go-containerregistry's registry (referrers API) and
// docker-registry (referrers fallback tag).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { peerBinary } from '../peers/goPeers.ts';
import { repoRoot, runCli, type CliRun } from '../oci/runCli.ts';
import { pushNumberedArtifact, registryTitle, signingPeerMissing, startSigningLab } from './signingLab.ts';
import { fluxNotationVerdict, makeNotaryPki, notarySign, startTestTsa, type FluxVerdict, type NotaryPki, type SignOptions } from './notationPeers.ts';

const require = createRequire(import.meta.url);
const domain = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
const { RegistryClient, digestOf } = domain.registry;

const notationBin = peerBinary('notation-peer');

interface Verification {
  outcome: 'verified' | 'not-verified';
  format?: string;
  reason?: string;
  fluxIgnores?: boolean;
  logged?: string[];
  signer?: { subject?: string; issuer?: string; trustPolicy?: string };
  formatsFound: string[];
}

type Level = 'strict' | 'permissive' | 'audit' | 'skip';

function policy(level: Level, opts: { scopes?: string[]; identities?: string[] } = {}): object {
  return {
    version: '1.0',
    trustPolicies: [
      {
        name: `flux-${level}`,
        registryScopes: opts.scopes ?? ['*'],
        signatureVerification: { level },
        ...(level === 'skip' ? {} : { trustStores: ['ca:flux'], trustedIdentities: opts.identities ?? ['*'] }),
      },
    ],
  };
}

for (const kind of ['ggcr', 'docker-registry'] as const) {
  describe(`Notary signatures on ${registryTitle(kind)}`, { skip: signingPeerMissing('notation-peer', kind) }, () => {
    let host = '';
    let stop: () => Promise<void> = async () => undefined;
    let dir = '';
    let ws = '';
    let pki: NotaryPki;
    let counter = 0;
    let policies = 0;

    const pushArtifact = () => pushNumberedArtifact({ host, ws }, `apps/notary${++counter}`, counter);

    function writePolicy(doc: object): string {
      const file = path.join(dir, `trustpolicy-${++policies}.json`);
      writeFileSync(file, JSON.stringify(doc, null, 2));
      return file;
    }

    /** Our verdict and Flux's on the same artifact and trust; asserts they agree and returns both. */
    async function verdicts(
      a: { url: string; ref: string },
      trustPolicy: string,
      cas: string[],
    ): Promise<{ ours: Verification; flux: { result: FluxVerdict; error?: string; logged?: string[] }; run: CliRun }> {
      const run = await runCli(
        [
          'verify',
          'artifact',
          a.url,
          '--verify-provider',
          'notation',
          '--trust-policy',
          trustPolicy,
          ...cas.flatMap((c) => ['--trust-ca-file', c]),
          '--format',
          'json',
        ],
        { cwd: dir },
      );
      assert.ok(run.code === 0 || run.code === 1, `unexpected exit ${run.code}: ${run.stderr}`);
      let ours: Verification;
      try {
        ours = JSON.parse(run.stdout) as Verification;
      } catch {
        // The CLI ended without its JSON (e.g. dist/ rebuilt under it): say what it printed.
        throw new Error(`verify artifact printed no JSON result (exit ${run.code}); stderr: ${run.stderr}`);
      }
      assert.equal(run.code, ours.outcome === 'verified' ? 0 : 1);
      const flux = await fluxNotationVerdict(notationBin!, a.ref, trustPolicy, cas);
      const mine: FluxVerdict = ours.outcome === 'verified' ? 'verified' : ours.fluxIgnores ? 'ignored' : 'failed';
      assert.equal(
        mine,
        flux.result,
        `flux-oci says ${mine} (${ours.reason ?? 'no reason'}), source-controller's verifier says ${flux.result} (${flux.error ?? flux.logged?.join('; ') ?? ''})`,
      );
      return { ours, flux, run };
    }

    before(async () => {
      ({ host, dir, ws, stop } = await startSigningLab(kind, 'flux-oci-notary-'));
      pki = await makeNotaryPki(dir);
    });

    after(async () => {
      await stop();
    });

    for (const envelope of ['jws', 'cose'] as const) {
      describe(`${envelope.toUpperCase()} envelopes`, () => {
        const ec = (): SignOptions => ({ key: pki.ecKey, chain: pki.ecChain, envelope });

        it('signed by a leaf of the trusted CA: verified, found through the referrers', async () => {
          const a = await pushArtifact();
          await notarySign(notationBin!, a.ref, ec());
          const { ours, run } = await verdicts(a, writePolicy(policy('strict')), [pki.rootCert]);
          assert.equal(ours.format, `notation-${envelope}`);
          assert.deepEqual(ours.formatsFound, [`notation-${envelope}`]);
          assert.match(ours.signer?.subject ?? '', /CN=flux-oci signer/);
          assert.equal(ours.signer?.trustPolicy, 'flux-strict (strict)');
          assert.match(run.stderr, new RegExp(`✔ verified .*Notary Project ${envelope.toUpperCase()} signature`));
        });

        it('RSA 2048 leaf (PS256): verified', async () => {
          const a = await pushArtifact();
          await notarySign(notationBin!, a.ref, { key: pki.rsaKey, chain: pki.rsaChain, envelope });
          const { ours } = await verdicts(a, writePolicy(policy('strict')), [pki.rootCert]);
          assert.equal(ours.outcome, 'verified', ours.reason);
        });

        it('trusted identity: the leaf subject matches x509.subject, a different O does not (strict fails, audit ignores)', async () => {
          const a = await pushArtifact();
          await notarySign(notationBin!, a.ref, ec());
          const ok = await verdicts(a, writePolicy(policy('strict', { identities: ['x509.subject: C=US, ST=WA, O=Notary Test'] })), [pki.rootCert]);
          assert.equal(ok.ours.outcome, 'verified', ok.ours.reason);
          const wrong = await verdicts(a, writePolicy(policy('strict', { identities: ['x509.subject: C=US, ST=WA, O=Somebody Else'] })), [pki.rootCert]);
          assert.equal(wrong.flux.result, 'failed');
          assert.match(wrong.ours.reason!, /does not match the X\.509 trusted identities/);
          const audit = await verdicts(a, writePolicy(policy('audit', { identities: ['x509.subject: C=US, ST=WA, O=Somebody Else'] })), [pki.rootCert]);
          assert.equal(audit.flux.result, 'ignored');
          assert.match(audit.run.stderr, /Flux would still deploy this artifact, without marking it verified/);
        });

        it('wrong CA: strict and permissive fail, audit is ignored (authenticity only logged)', async () => {
          const a = await pushArtifact();
          await notarySign(notationBin!, a.ref, { key: pki.otherKey, chain: pki.otherChain, envelope });
          const strict = await verdicts(a, writePolicy(policy('strict')), [pki.rootCert]);
          assert.equal(strict.flux.result, 'failed');
          assert.match(strict.ours.reason!, /not produced by a trusted signer|trust store/);
          const permissive = await verdicts(a, writePolicy(policy('permissive')), [pki.rootCert]);
          assert.equal(permissive.flux.result, 'failed');
          const audit = await verdicts(a, writePolicy(policy('audit')), [pki.rootCert]);
          assert.equal(audit.flux.result, 'ignored');
          // Trusting that CA instead verifies it.
          const other = await verdicts(a, writePolicy(policy('strict')), [pki.otherRootCert]);
          assert.equal(other.flux.result, 'verified');
        });

        it('expired signing certificate: strict fails (authentic timestamp), permissive verifies and says what it logged', async () => {
          const a = await pushArtifact();
          await notarySign(notationBin!, a.ref, { key: pki.ecKey, chain: pki.expiredChain, envelope, signingTime: '2020-01-01T12:00:00Z' });
          const strict = await verdicts(a, writePolicy(policy('strict')), [pki.rootCert]);
          assert.equal(strict.flux.result, 'failed');
          assert.match(strict.ours.reason!, /expired at/);
          const permissive = await verdicts(a, writePolicy(policy('permissive')), [pki.rootCert]);
          assert.equal(permissive.flux.result, 'verified');
          assert.match(permissive.ours.logged?.join('\n') ?? '', /authenticTimestamp: .*expired at/);
        });

        it('expired signature (io.cncf.notary.expiry passed): strict fails, permissive verifies', async () => {
          const a = await pushArtifact();
          await notarySign(notationBin!, a.ref, {
            ...ec(),
            signingTime: new Date(Date.now() - 2 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
            expiry: '1h',
          });
          const strict = await verdicts(a, writePolicy(policy('strict')), [pki.rootCert]);
          assert.equal(strict.flux.result, 'failed');
          assert.match(strict.ours.reason!, /digital signature has expired/);
          const permissive = await verdicts(a, writePolicy(policy('permissive')), [pki.rootCert]);
          assert.equal(permissive.flux.result, 'verified');
        });

        it('trust policy scope mismatch: no statement applies, failed; skip level: ignored', async () => {
          const a = await pushArtifact();
          await notarySign(notationBin!, a.ref, ec());
          const elsewhere = await verdicts(a, writePolicy(policy('strict', { scopes: [`${host}/apps/somewhere-else`] })), [pki.rootCert]);
          assert.equal(elsewhere.flux.result, 'failed');
          assert.match(elsewhere.ours.reason!, /no applicable trust policy statement/);
          const exact = await verdicts(a, writePolicy(policy('strict', { scopes: [`${host}/${a.repo}`] })), [pki.rootCert]);
          assert.equal(exact.flux.result, 'verified');
          const skip = await verdicts(a, writePolicy(policy('skip')), [pki.rootCert]);
          assert.equal(skip.flux.result, 'ignored');
        });

        it('tampered payload: integrity fails at every level, audit included', async () => {
          const a = await pushArtifact();
          await notarySign(notationBin!, a.ref, { ...ec(), tamper: true });
          const strict = await verdicts(a, writePolicy(policy('strict')), [pki.rootCert]);
          assert.equal(strict.flux.result, 'failed');
          assert.match(strict.ours.reason!, /integrity: signature is invalid/);
          const audit = await verdicts(a, writePolicy(policy('audit')), [pki.rootCert]);
          assert.equal(audit.flux.result, 'failed');
        });

        it('a signature of another artifact attached to this one: the signed descriptor does not match', async () => {
          const a = await pushArtifact();
          const b = await pushArtifact();
          await notarySign(notationBin!, a.ref, { ...ec(), payloadRef: b.ref });
          const r = await verdicts(a, writePolicy(policy('strict')), [pki.rootCert]);
          assert.equal(r.flux.result, 'failed');
          assert.match(r.ours.reason!, new RegExp(`content descriptor mismatch: the signature was made for ${b.digest}`));
        });
      });
    }

    for (const envelope of ['jws', 'cose'] as const) {
      it(`flux-oci sign artifact --sign-provider notation (${envelope.toUpperCase()}, EC and RSA): notation-go and source-controller's verifier accept it, and so do we`, async () => {
        for (const [key, chain] of [
          [pki.ecKey, pki.ecChain],
          [pki.rsaKey, pki.rsaChain],
        ] as const) {
          const a = await pushArtifact();
          const signed = await runCli(
            [
              'sign',
              'artifact',
              a.url,
              '--sign-provider',
              'notation',
              '--key',
              key,
              '--certificate-chain',
              chain,
              '--signature-format',
              envelope,
              '--expiry',
              '24h',
              '--format',
              'json',
            ],
            { cwd: dir },
          );
          assert.equal(signed.code, 0, signed.stderr);
          assert.match(signed.stderr, new RegExp(`✔ signed .*Notary Project ${envelope.toUpperCase()} signature sha256:[a-f0-9]{64} attached as a referrer`));
          const { ours, flux } = await verdicts(a, writePolicy(policy('strict', { identities: ['x509.subject: C=US, ST=WA, O=Notary Test'] })), [pki.rootCert]);
          assert.equal(flux.result, 'verified', flux.error);
          assert.equal(ours.format, `notation-${envelope}`);
        }
      });
    }

    it("sign --sign-provider notation refuses what notation refuses: an expired chain, a key that is not the leaf's", async () => {
      const a = await pushArtifact();
      const expired = await runCli(['sign', 'artifact', a.url, '--sign-provider', 'notation', '--key', pki.ecKey, '--certificate-chain', pki.expiredChain], {
        cwd: dir,
      });
      assert.equal(expired.code, 1);
      assert.match(expired.stderr, /is not valid now/);
      const mismatch = await runCli(['sign', 'artifact', a.url, '--sign-provider', 'notation', '--key', pki.rsaKey, '--certificate-chain', pki.ecChain], {
        cwd: dir,
      });
      assert.equal(mismatch.code, 1);
      assert.match(mismatch.stderr, /does not belong to the signing certificate/);
      const r = await verdicts(a, writePolicy(policy('strict')), [pki.rootCert]);
      assert.match(r.ours.reason!, /no signature is associated/);
    });

    it(
      'malformed trust policies: notation-go refuses each, and so do we, naming the problem',
      { skip: kind === 'docker-registry' ? 'trust policy validation does not depend on the registry (runs on ggcr)' : false },
      async () => {
        const a = await pushArtifact();
        await notarySign(notationBin!, a.ref, { key: pki.ecKey, chain: pki.ecChain, envelope: 'jws' });
        const statement = (over: Record<string, unknown>) => ({
          name: 'p',
          registryScopes: ['*'],
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:flux'],
          trustedIdentities: ['*'],
          ...over,
        });
        const cases: Array<[string, object, RegExp]> = [
          ['no version', { trustPolicies: [statement({})] }, /empty version/],
          ['version 2.0', { version: '2.0', trustPolicies: [statement({})] }, /unsupported version "2\.0"/],
          ['no statements', { version: '1.0', trustPolicies: [] }, /zero trust policy statements/],
          [
            'wildcard with another scope',
            { version: '1.0', trustPolicies: [statement({ registryScopes: ['*', `${host}/apps/x`] })] },
            /wildcard scope cannot be used in conjunction/,
          ],
          [
            'one scope in two statements',
            {
              version: '1.0',
              trustPolicies: [statement({ name: 'a', registryScopes: [`${host}/${a.repo}`] }), statement({ name: 'b', registryScopes: [`${host}/${a.repo}`] })],
            },
            /present in multiple trust policy statements/,
          ],
          ['a scope with a tag', { version: '1.0', trustPolicies: [statement({ registryScopes: [`${host}/${a.repo}:v1`] })] }, /is not valid/],
          // Flux's CleanTrustPolicy drops the stores of skip statements, so this one is valid: ignored.
          [
            'skip with trust stores',
            { version: '1.0', trustPolicies: [statement({ signatureVerification: { level: 'skip' } })] },
            /sets verification level skip/,
          ],
          ['no trusted identities', { version: '1.0', trustPolicies: [statement({ trustedIdentities: [] })] }, /missing trust stores or trusted identities/],
          ['unknown store type', { version: '1.0', trustPolicies: [statement({ trustStores: ['x509:flux'] })] }, /unsupported trust store type "x509"/],
          [
            'identity without O',
            { version: '1.0', trustPolicies: [statement({ trustedIdentities: ['x509.subject: C=US, ST=WA'] })] },
            /mandatory RDN attribute for "O"/,
          ],
          [
            'overlapping identities',
            {
              version: '1.0',
              trustPolicies: [statement({ trustedIdentities: ['x509.subject: C=US, ST=WA, O=Notary Test', 'x509.subject: C=US, ST=WA, O=Notary Test, CN=x'] })],
            },
            /overlapping x509 trustedIdentities/,
          ],
          [
            'integrity overridden',
            { version: '1.0', trustPolicies: [statement({ signatureVerification: { level: 'strict', override: { integrity: 'log' } } })] },
            /"integrity" verification can not be overridden/,
          ],
          [
            'unknown level',
            { version: '1.0', trustPolicies: [statement({ signatureVerification: { level: 'lenient' } })] },
            /invalid signature verification level "lenient"/,
          ],
        ];
        for (const [label, doc, reason] of cases) {
          const r = await verdicts(a, writePolicy(doc), [pki.rootCert]);
          assert.equal(r.flux.result, label === 'skip with trust stores' ? 'ignored' : 'failed', label);
          assert.match(r.ours.reason ?? '', reason, `${label}: ${r.ours.reason}`);
        }
        // Go's encoding/json matches field names ignoring case, so does our reading.
        const shouty = await verdicts(
          a,
          writePolicy({
            Version: '1.0',
            TrustPolicies: [
              { Name: 'p', RegistryScopes: ['*'], SignatureVerification: { Level: 'strict' }, TrustStores: ['ca:flux'], TrustedIdentities: ['*'] },
            ],
          }),
          [pki.rootCert],
        );
        assert.equal(shouty.flux.result, 'verified');
        const notAList = await verdicts(a, writePolicy({ version: '1.0', trustPolicies: [statement({ registryScopes: '*' })] }), [pki.rootCert]);
        assert.equal(notAList.flux.result, 'failed');
        // A revocation override to skip is allowed, and a custom level still verifies.
        const custom = await verdicts(
          a,
          writePolicy({
            version: '1.0',
            trustPolicies: [statement({ signatureVerification: { level: 'strict', override: { revocation: 'skip', expiry: 'log' } } })],
          }),
          [pki.rootCert],
        );
        assert.equal(custom.flux.result, 'verified');
      },
    );

    it(
      'RFC 3161 timestamp countersignatures (a TSA made at test time): checked when the policy names a tsa: store',
      { skip: kind === 'docker-registry' ? 'timestamps do not depend on the registry (runs on ggcr)' : false },
      async () => {
        const tsa = await startTestTsa(dir);
        try {
          const withTsa = (over: Record<string, unknown> = {}) => ({
            version: '1.0',
            trustPolicies: [
              {
                name: 'tsa',
                registryScopes: ['*'],
                signatureVerification: { level: 'strict', ...over },
                trustStores: ['ca:flux', 'tsa:flux'],
                trustedIdentities: ['*'],
              },
            ],
          });
          for (const envelope of ['jws', 'cose'] as const) {
            const a = await pushArtifact();
            await notarySign(notationBin!, a.ref, { key: pki.ecKey, chain: pki.ecChain, envelope, tsa });
            // The Secret holds the signer's CA and the TSA's root: verified.
            const ok = await verdicts(a, writePolicy(withTsa()), [pki.rootCert, tsa.rootCert]);
            assert.equal(ok.flux.result, 'verified', `${envelope}: ${ok.flux.error ?? ''}`);
            // Without the TSA's root the countersignature is not trusted.
            const untrusted = await verdicts(a, writePolicy(withTsa()), [pki.rootCert]);
            assert.equal(untrusted.flux.result, 'failed');
            assert.match(untrusted.ours.reason!, /authenticTimestamp: failed to verify the timestamp countersignature .*unknown authority/);
          }
          // A countersignature lifted from another signature (the JWS unprotected header is not signed): the imprint does not match.
          const donor = await pushArtifact();
          await notarySign(notationBin!, donor.ref, { key: pki.ecKey, chain: pki.ecChain, envelope: 'jws', tsa });
          const victim = await pushArtifact();
          await notarySign(notationBin!, victim.ref, { key: pki.ecKey, chain: pki.ecChain, envelope: 'jws' });
          const client = new RegistryClient({ registry: host });
          try {
            const envelopeOf = async (x: { repo: string; digest: string }) => {
              const [d] = await client.referrers(x.repo, x.digest, 'application/vnd.cncf.notary.signature');
              const m = await client.getManifest(x.repo, d!.digest);
              const layer = (m.manifest as { layers: { digest: string; size: number }[] }).layers[0]!;
              const chunks: Buffer[] = [];
              for await (const c of await client.openBlob(x.repo, layer)) chunks.push(c as Buffer);
              return { manifest: JSON.parse(m.bytes.toString('utf8')), digest: d!.digest, jws: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
            };
            const fromDonor = await envelopeOf(donor);
            const own = await envelopeOf(victim);
            own.jws.header['io.cncf.notary.timestampSignature'] = fromDonor.jws.header['io.cncf.notary.timestampSignature'];
            const swapped = Buffer.from(JSON.stringify(own.jws));
            const swappedBlob = { digest: digestOf(swapped), size: swapped.length, open: () => Readable.from([swapped]) };
            await client.uploadBlob(victim.repo, swappedBlob);
            own.manifest.layers[0] = { ...own.manifest.layers[0], digest: swappedBlob.digest, size: swappedBlob.size };
            const bytes = Buffer.from(JSON.stringify(own.manifest));
            await client.putManifest(victim.repo, digestOf(bytes), bytes, 'application/vnd.oci.image.manifest.v1+json');
            await client.deleteManifest(victim.repo, own.digest);
          } finally {
            await client.close();
          }
          const lifted = await verdicts(victim, writePolicy(withTsa()), [pki.rootCert, tsa.rootCert]);
          assert.equal(lifted.flux.result, 'failed');
          assert.match(lifted.ours.reason!, /mismatched message/);

          // flux-oci sign countersigns too (--timestamp-url/--timestamp-root-cert, notation's flags).
          for (const envelope of ['jws', 'cose'] as const) {
            const own = await pushArtifact();
            const signed = await runCli(
              [
                'sign',
                'artifact',
                own.url,
                '--sign-provider',
                'notation',
                '--key',
                pki.rsaKey,
                '--certificate-chain',
                pki.rsaChain,
                '--signature-format',
                envelope,
                '--timestamp-url',
                tsa.url,
                '--timestamp-root-cert',
                tsa.rootCert,
              ],
              { cwd: dir },
            );
            assert.equal(signed.code, 0, signed.stderr);
            const r = await verdicts(own, writePolicy(withTsa()), [pki.rootCert, tsa.rootCert]);
            assert.equal(r.flux.result, 'verified', `${envelope}: ${r.flux.error ?? ''}`);
          }
          const wrongRoot = await runCli(
            [
              'sign',
              'artifact',
              (await pushArtifact()).url,
              '--sign-provider',
              'notation',
              '--key',
              pki.ecKey,
              '--certificate-chain',
              pki.ecChain,
              '--timestamp-url',
              tsa.url,
              '--timestamp-root-cert',
              pki.rootCert,
            ],
            { cwd: dir },
          );
          assert.equal(wrongRoot.code, 1);
          assert.match(wrongRoot.stderr, /does not verify against --timestamp-root-cert/);

          // No countersignature while the policy asks for one: failed; afterCertExpiry only asks once the certificate expired.
          const plain = await pushArtifact();
          await notarySign(notationBin!, plain.ref, { key: pki.ecKey, chain: pki.ecChain, envelope: 'jws' });
          const missing = await verdicts(plain, writePolicy(withTsa()), [pki.rootCert, tsa.rootCert]);
          assert.equal(missing.flux.result, 'failed');
          assert.match(missing.ours.reason!, /no timestamp countersignature was found/);
          const later = await verdicts(plain, writePolicy(withTsa({ verifyTimestamp: 'afterCertExpiry' })), [pki.rootCert, tsa.rootCert]);
          assert.equal(later.flux.result, 'verified');
        } finally {
          await tsa.stop();
        }
      },
    );

    it(
      'revocation: a root naming a CRL is never checked; a leaf naming an unreachable CRL is unknown (strict fails, permissive and a revocation skip verify)',
      { skip: kind === 'docker-registry' ? 'revocation does not depend on the registry (runs on ggcr)' : false },
      async () => {
        const rootCrl = await pushArtifact();
        await notarySign(notationBin!, rootCrl.ref, { key: pki.crlRootLeafKey, chain: pki.crlRootLeafChain, envelope: 'jws' });
        const fine = await verdicts(rootCrl, writePolicy(policy('strict')), [pki.crlRootCert]);
        assert.equal(fine.flux.result, 'verified', fine.flux.error);
        const leafCrl = await pushArtifact();
        await notarySign(notationBin!, leafCrl.ref, { key: pki.crlLeafKey, chain: pki.crlLeafChain, envelope: 'cose' });
        const strict = await verdicts(leafCrl, writePolicy(policy('strict')), [pki.rootCert]);
        assert.equal(strict.flux.result, 'failed');
        assert.match(strict.ours.reason!, /revocation: .*revocation status is unknown/);
        const permissive = await verdicts(leafCrl, writePolicy(policy('permissive')), [pki.rootCert]);
        assert.equal(permissive.flux.result, 'verified');
        const skipped = await verdicts(
          leafCrl,
          writePolicy({
            version: '1.0',
            trustPolicies: [
              {
                name: 'p',
                registryScopes: ['*'],
                signatureVerification: { level: 'strict', override: { revocation: 'skip' } },
                trustStores: ['ca:flux'],
                trustedIdentities: ['*'],
              },
            ],
          }),
          [pki.rootCert],
        );
        assert.equal(skipped.flux.result, 'verified');
      },
    );

    it('unsigned: failed, saying no signature is associated', async () => {
      const a = await pushArtifact();
      const r = await verdicts(a, writePolicy(policy('strict')), [pki.rootCert]);
      assert.equal(r.flux.result, 'failed');
      assert.match(r.ours.reason!, /no signature is associated with/);
    });

    it('pull artifact --verify with notation flags: pulls the verified digest; another CA writes nothing', async () => {
      const a = await pushArtifact();
      await notarySign(notationBin!, a.ref, { key: pki.ecKey, chain: pki.ecChain, envelope: 'jws' });
      const tp = writePolicy(policy('strict'));
      const out = path.join(dir, `pulled-${counter}`);
      const ok = await runCli(
        ['pull', 'artifact', a.url, '--output', out, '--verify', '--verify-provider', 'notation', '--trust-policy', tp, '--trust-ca-file', pki.rootCert],
        { cwd: dir },
      );
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stderr, /✔ verified .*Notary Project JWS signature/);
      assert.ok(existsSync(path.join(out, 'version.yaml')));
      const refused = path.join(dir, `refused-${counter}`);
      const bad = await runCli(
        [
          'pull',
          'artifact',
          a.url,
          '--output',
          refused,
          '--verify',
          '--verify-provider',
          'notation',
          '--trust-policy',
          tp,
          '--trust-ca-file',
          pki.otherRootCert,
        ],
        { cwd: dir },
      );
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /✗ not verified: /);
      assert.ok(!existsSync(path.join(refused, 'version.yaml')));
      // Flags that do not fit say so before any network work.
      const usage = await runCli(['verify', 'artifact', a.url, '--verify-provider', 'notation', '--trust-ca-file', pki.rootCert], { cwd: dir });
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /needs --trust-policy/);
    });

    it('a bad signature first and a good one after: the good one wins (up to three are read)', async () => {
      const a = await pushArtifact();
      await notarySign(notationBin!, a.ref, { key: pki.otherKey, chain: pki.otherChain, envelope: 'jws' });
      await notarySign(notationBin!, a.ref, { key: pki.ecKey, chain: pki.ecChain, envelope: 'cose' });
      const r = await verdicts(a, writePolicy(policy('strict')), [pki.rootCert]);
      assert.equal(r.ours.outcome, 'verified', r.ours.reason);
    });
  });
}
