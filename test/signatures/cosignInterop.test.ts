// Signature stories with the real cosign v3.0.6 (built from the Go module proxy):
// artifacts we push and cosign signs (keyed and keyless, v3 bundles and legacy
// .sig, transparency log off) verify with flux-oci; tampered, wrongly keyed,
// wrongly signed, expired, unsigned or badly configured variants are "not
// verified" with a reason; signatures flux-oci makes pass `cosign verify`.
// Runs against docker-registry (bundles through the referrers fallback tag) and
// go-containerregistry's registry (referrers API).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { peerBinary } from '../peers/goPeers.ts';
import { repoRoot, runCli, type CliRun } from '../oci/runCli.ts';
import { pushNumberedArtifact, registryTitle, signingPeerMissing, startSigningLab } from './signingLab.ts';
import { cosign, cosignPassword, cosignSign, generateKeyPair, makeKeylessPki, signerIdentity, signerIssuer, type KeylessPki } from './signingPeers.ts';

const require = createRequire(import.meta.url);
const domain = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
const { RegistryClient, digestOf } = domain.registry;

const cosignBin = peerBinary('cosign');

interface Verification {
  outcome: 'verified' | 'not-verified';
  format?: string;
  reason?: string;
  signer?: { keyName?: string; subject?: string; issuer?: string };
  formatsFound: string[];
}

function blob(bytes: Buffer) {
  return { digest: digestOf(bytes), size: bytes.length, open: () => Readable.from([bytes]) };
}

for (const kind of ['docker-registry', 'ggcr'] as const) {
  describe(`cosign signatures on ${registryTitle(kind)}`, { skip: signingPeerMissing('cosign', kind) }, () => {
    let host = '';
    let stop: () => Promise<void> = async () => undefined;
    let dir = '';
    let ws = '';
    let keys: { key: string; pub: string };
    let otherKeys: { key: string; pub: string };
    let pki: KeylessPki;
    let counter = 0;

    const cli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCli(args, { cwd: dir, env: { COSIGN_PASSWORD: cosignPassword, ...env } });

    /** Pushes a fresh artifact; returns its URL and digest. */
    const pushArtifact = () => pushNumberedArtifact({ host, ws }, `apps/app${++counter}`, counter);

    async function verify(url: string, flags: string[]): Promise<Verification & { run: CliRun }> {
      const run = await cli(['verify', 'artifact', url, ...flags, '--format', 'json']);
      assert.ok(run.code === 0 || run.code === 1, `unexpected exit ${run.code}: ${run.stderr}`);
      const result = JSON.parse(run.stdout) as Verification;
      // The exit code and the ✔/✗ line always agree with the result.
      assert.equal(run.code, result.outcome === 'verified' ? 0 : 1);
      assert.match(run.stderr, result.outcome === 'verified' ? /✔ verified / : /✗ not verified: /);
      return { ...result, run };
    }

    const keyless = () => ['--trusted-root', pki.trustedRoot, '--insecure-ignore-tlog', '--insecure-ignore-sct'];
    const identity = (subject = '^https://github\\.com/org/app/', issuer = '^https://token\\.actions\\.githubusercontent\\.com$') => [
      '--certificate-identity-regexp',
      subject,
      '--certificate-oidc-issuer-regexp',
      issuer,
    ];

    before(async () => {
      ({ host, dir, ws, stop } = await startSigningLab(kind, 'flux-oci-sig-'));
      keys = await generateKeyPair(cosignBin!, dir, 'cosign');
      otherKeys = await generateKeyPair(cosignBin!, dir, 'other');
      pki = await makeKeylessPki(cosignBin!, dir);
    });

    after(async () => {
      await stop();
    });

    describe('keyed (ECDSA P-256 cosign key pair)', () => {
      it('a v3 bundle cosign made verifies with the public key, found through the referrers', async () => {
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: keys.key, bundle: true });
        const r = await verify(a.url, ['--key', keys.pub]);
        assert.equal(r.outcome, 'verified', r.reason);
        assert.equal(r.format, 'cosign-bundle');
        assert.equal(r.signer?.keyName, keys.pub);
        assert.deepEqual(r.formatsFound, ['cosign-bundle']);
        // Only bundles exist: say which Flux can check them.
        assert.match(r.run.stderr, /Flux verifies them from v2\.8 on/);
      });

      it('a legacy .sig signature cosign made verifies too', async () => {
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: keys.key, bundle: false });
        const r = await verify(a.url, ['--key', keys.pub]);
        assert.equal(r.outcome, 'verified', r.reason);
        assert.equal(r.format, 'cosign-legacy');
      });

      it('the wrong key is not verified (bundle and legacy), and any one of several keys may match', async () => {
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: keys.key, bundle: true });
        const wrong = await verify(a.url, ['--key', otherKeys.pub]);
        assert.equal(wrong.outcome, 'not-verified');
        assert.match(wrong.reason!, /does not match the public key .*other\.pub/);
        const either = await verify(a.url, ['--key', otherKeys.pub, '--key', keys.pub]);
        assert.equal(either.outcome, 'verified');

        const b = await pushArtifact();
        await cosignSign(cosignBin!, dir, b.ref, { key: keys.key, bundle: false });
        const wrongLegacy = await verify(b.url, ['--key', otherKeys.pub]);
        assert.equal(wrongLegacy.outcome, 'not-verified');
        assert.match(wrongLegacy.reason!, /no \.sig signature passes keyed verification/);
      });

      it('an unreadable public key fails everything, even next to the right key (like Flux)', async () => {
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: keys.key, bundle: true });
        const broken = path.join(dir, 'broken.pub');
        writeFileSync(broken, '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n');
        const r = await verify(a.url, ['--key', keys.pub, '--key', broken]);
        assert.equal(r.outcome, 'not-verified');
        assert.match(r.reason!, /broken\.pub cannot be read/);
      });

      it('an unsigned artifact is not verified and says how to sign it', async () => {
        const a = await pushArtifact();
        const r = await verify(a.url, ['--key', keys.pub]);
        assert.equal(r.outcome, 'not-verified');
        assert.match(r.reason!, /no cosign signature found .* no Sigstore bundle among its referrers and no sha256-[a-f0-9]{64}\.sig tag/);
      });

      it('a tampered legacy payload is not verified', async () => {
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: keys.key, bundle: false });
        const client = new RegistryClient({ registry: host });
        try {
          const tag = `${a.digest.replace(':', '-')}.sig`;
          const sig = await client.getManifest(a.repo, tag);
          const layer = (sig.manifest as { layers: { digest: string; size: number; mediaType: string; annotations: Record<string, string> }[] }).layers[0]!;
          const stream = await client.openBlob(a.repo, layer);
          const chunks: Buffer[] = [];
          for await (const c of stream) chunks.push(c as Buffer);
          const payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          payload.optional = { note: 'changed after signing' };
          const tampered = blob(Buffer.from(JSON.stringify(payload)));
          await client.uploadBlob(a.repo, tampered);
          const manifest = JSON.parse(sig.bytes.toString('utf8'));
          manifest.layers[0] = { ...layer, digest: tampered.digest, size: tampered.size };
          await client.putManifest(a.repo, tag, Buffer.from(JSON.stringify(manifest)), 'application/vnd.oci.image.manifest.v1+json');
        } finally {
          await client.close();
        }
        const r = await verify(a.url, ['--key', keys.pub]);
        assert.equal(r.outcome, 'not-verified');
        assert.match(r.reason!, /does not match the public key/);
      });

      it('a bundle moved onto another artifact, or with a tampered statement, is not verified', async () => {
        const signed = await pushArtifact();
        await cosignSign(cosignBin!, dir, signed.ref, { key: keys.key, bundle: true });
        const target = await pushArtifact();
        const client = new RegistryClient({ registry: host });
        try {
          const [ref] = await client.referrers(signed.repo, signed.digest);
          const original = await client.getManifest(signed.repo, ref!.digest);
          const layer = (original.manifest as { layers: { digest: string; size: number }[] }).layers[0]!;
          const stream = await client.openBlob(signed.repo, layer);
          const chunks: Buffer[] = [];
          for await (const c of stream) chunks.push(c as Buffer);
          const bundle = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          // Copy the signed bundle, then a copy whose statement is rewritten to name the target.
          const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
          statement.subject[0].digest.sha256 = target.digest.split(':')[1];
          const rewritten = { ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') } };
          for (const content of [bundle, rewritten]) {
            // Attach to the target exactly the way cosign attaches bundles (its CLI uploads the same shapes).
            const b = blob(Buffer.from(JSON.stringify(content)));
            const empty = blob(Buffer.from('{}'));
            await client.uploadBlob(target.repo, b);
            await client.uploadBlob(target.repo, empty);
            const subject = await client.headManifest(target.repo, target.digest);
            const m = {
              schemaVersion: 2,
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
              config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: empty.size },
              layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: b.digest, size: b.size }],
              subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: target.digest, size: subject!.size },
            };
            const bytes = Buffer.from(JSON.stringify(m));
            const md = await client.putManifest(target.repo, digestOf(bytes), bytes, 'application/vnd.oci.image.manifest.v1+json');
            const listed = await client.referrers(target.repo, target.digest);
            if (!listed.some((d) => d.digest === md)) {
              const tag = target.digest.replace(':', '-');
              let index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] as unknown[] };
              try {
                index = JSON.parse((await client.getManifest(target.repo, tag)).bytes.toString('utf8'));
              } catch {
                // first referrer
              }
              index.manifests.push({ mediaType: m.mediaType, digest: md, size: bytes.length, artifactType: m.artifactType });
              await client.putManifest(target.repo, tag, Buffer.from(JSON.stringify(index)), 'application/vnd.oci.image.index.v1+json');
            }
          }
        } finally {
          await client.close();
        }
        const r = await verify(target.url, ['--key', keys.pub]);
        assert.equal(r.outcome, 'not-verified');
        assert.match(r.reason!, /was made for another artifact/);
        assert.match(r.reason!, /does not match the public key/);
      });
    });

    describe('keyless (certificate chain to a trusted root made at test time)', () => {
      it('a bundle with a certificate verifies when the identity matches', async () => {
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: pki.leafKey, bundle: true, certificate: pki.leafCert, chain: pki.chain });
        const r = await verify(a.url, [...keyless(), ...identity()]);
        assert.equal(r.outcome, 'verified', r.reason);
        assert.equal(r.signer?.subject, signerIdentity);
        assert.equal(r.signer?.issuer, signerIssuer);
        // Several identities with OR semantics are fine for legacy, refused for bundles like Flux.
        const two = await verify(a.url, [...keyless(), ...identity('nope'), ...identity()]);
        assert.equal(two.outcome, 'not-verified');
        assert.match(two.reason!, /multiple identities are not supported/);
        // Flux does not ignore the transparency log: without an entry it refuses.
        const strict = await verify(a.url, ['--trusted-root', pki.trustedRoot, '--insecure-ignore-sct', ...identity()]);
        assert.equal(strict.outcome, 'not-verified');
        assert.match(strict.reason!, /no transparency-log entry/);
      });

      it('the wrong identity or issuer is not verified', async () => {
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: pki.leafKey, bundle: true, certificate: pki.leafCert, chain: pki.chain });
        const subject = await verify(a.url, [...keyless(), ...identity('^https://github\\.com/evil/')]);
        assert.equal(subject.outcome, 'not-verified');
        assert.match(subject.reason!, /does not match matchOIDCIdentity/);
        const issuer = await verify(a.url, [...keyless(), ...identity(undefined, '^https://accounts\\.google\\.com$')]);
        assert.equal(issuer.outcome, 'not-verified');
      });

      it('an expired certificate is not verified (a valid signature whose certificate has expired)', async () => {
        // cosign refuses to sign with an expired certificate, so sign with the valid one and swap in the
        // expired certificate of the same key: the signature still matches the key, only the dates differ.
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: pki.leafKey, bundle: false, certificate: pki.leafCert, chain: pki.chain });
        const before = await verify(a.url, [...keyless(), ...identity()]);
        assert.equal(before.outcome, 'verified', before.reason);
        const client = new RegistryClient({ registry: host });
        try {
          const tag = `${a.digest.replace(':', '-')}.sig`;
          const manifest = JSON.parse((await client.getManifest(a.repo, tag)).bytes.toString('utf8'));
          manifest.layers[0].annotations['dev.sigstore.cosign/certificate'] = readFileSync(pki.expiredCert, 'utf8');
          await client.putManifest(a.repo, tag, Buffer.from(JSON.stringify(manifest)), 'application/vnd.oci.image.manifest.v1+json');
        } finally {
          await client.close();
        }
        const r = await verify(a.url, [...keyless(), ...identity()]);
        assert.equal(r.outcome, 'not-verified');
        assert.match(r.reason!, /expired|not valid/);
      });

      it('a legacy .sig signature with a certificate verifies; OR over several identities', async () => {
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: pki.leafKey, bundle: false, certificate: pki.leafCert, chain: pki.chain });
        const r = await verify(a.url, [...keyless(), ...identity('nope'), ...identity()]);
        assert.equal(r.outcome, 'verified', r.reason);
        assert.equal(r.format, 'cosign-legacy');
        assert.equal(r.signer?.subject, signerIdentity);
      });

      it('a key-only signature does not pass keyless verification', async () => {
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: keys.key, bundle: true });
        const r = await verify(a.url, [...keyless(), ...identity()]);
        assert.equal(r.outcome, 'not-verified');
        assert.match(r.reason!, /made with a key, not a Fulcio certificate/);
      });
    });

    describe('flux-oci sign artifact', () => {
      for (const bundle of [true, false]) {
        it(`makes ${bundle ? 'v3 bundles' : 'legacy .sig signatures'} that cosign verify accepts, and so do we`, async () => {
          const a = await pushArtifact();
          const signed = await cli(['sign', 'artifact', a.url, '--key', keys.key, `--new-bundle-format=${bundle}`]);
          assert.equal(signed.code, 0, signed.stderr);
          const checked = await cosign(
            cosignBin!,
            ['verify', '--key', keys.pub, '--insecure-ignore-tlog', '--allow-http-registry', `--new-bundle-format=${bundle}`, a.ref],
            dir,
          );
          assert.equal(checked.code, 0, checked.out);
          assert.match(checked.out, /signatures were verified against the specified public key/);
          const ours = await verify(a.url, ['--key', keys.pub]);
          assert.equal(ours.outcome, 'verified');
          assert.equal(ours.format, bundle ? 'cosign-bundle' : 'cosign-legacy');
          // cosign rejects the other key too (no false acceptance from our side of the format).
          const wrong = await cosign(
            cosignBin!,
            ['verify', '--key', otherKeys.pub, '--insecure-ignore-tlog', '--allow-http-registry', `--new-bundle-format=${bundle}`, a.ref],
            dir,
          );
          assert.notEqual(wrong.code, 0);
        });
      }

      it('a wrong password is a clear error and nothing is attached', async () => {
        const a = await pushArtifact();
        const r = await cli(['sign', 'artifact', a.url, '--key', keys.key], { COSIGN_PASSWORD: 'wrong' });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /wrong password/);
        const v = await verify(a.url, ['--key', keys.pub]);
        assert.match(v.reason!, /no cosign signature found/);
      });
    });

    describe('pull artifact --verify', () => {
      it('writes nothing when the signature does not verify, and pulls the verified digest when it does', async () => {
        const a = await pushArtifact();
        await cosignSign(cosignBin!, dir, a.ref, { key: keys.key, bundle: true });
        const refused = path.join(dir, `out-refused-${counter}`);
        const bad = await cli(['pull', 'artifact', a.url, '--output', refused, '--verify', '--key', otherKeys.pub]);
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /✗ not verified: /);
        assert.equal(existsSync(refused), false);
        const out = path.join(dir, `out-${counter}`);
        const good = await cli(['pull', 'artifact', a.url, '--output', out, '--verify', '--key', keys.pub]);
        assert.equal(good.code, 0, good.stderr);
        assert.match(good.stderr, new RegExp(`pulling artifact from ${a.ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        assert.match(readFileSync(path.join(out, 'version.yaml'), 'utf8'), /kind: ConfigMap/);
      });
    });
  });
}
