/**
 * Signs `repo@digest` the way `notation sign` (notation-go v1.3.2) does, so
 * that Flux's provider: notation and `notation verify` accept it: the payload
 * `{"targetArtifact": <descriptor>}` in a JWS (jose) or COSE_Sign1 (cbor2 +
 * node:crypto) envelope with the notary.x509 scheme, the signing time, an
 * optional expiry and the certificate chain; pushed as an OCI 1.1 referrer of
 * artifact type `application/vnd.cncf.notary.signature` (and in the
 * `sha256-<hex>` fallback index on registries without the referrers API).
 * With a timestamping authority the signature is countersigned (RFC 3161) as notation sign
 * --timestamp-url does.
 */
import { createHash, createPrivateKey, sign as cryptoSign, constants, X509Certificate, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { FlattenedSign } from 'jose';
import { encode, Tag } from 'cbor2';
import type { RegistryClient, BlobSource } from '../../oci/registry/client';
import type { RepositoryReference } from '../../oci/reference';
import { MediaType } from '../../oci/mediaTypes';
import { addToFallbackIndex } from '../signArtifact';
import { SignatureError } from '../types';
import { NotationMediaType, type SignatureAlgorithm } from './envelope';
import { signatureAlgorithms } from './signatureAlgorithms';
import { signatureAlgorithmOfKey, validateCodeSigningChain, describeCertificate } from './certificateChain';
import { requestTimestamp } from './timestampRequest';

export type NotationEnvelope = 'jws' | 'cose';

export interface NotationSigner {
  key: KeyObject;
  /** Leaf first, ending with the root. */
  chain: X509Certificate[];
}

export interface NotationSignResult {
  reference: string;
  digest: string;
  envelope: NotationEnvelope;
  signatureManifest: string;
}

const signingAgent = 'flux-oci';

/** Reads a PEM private key (PKCS#8, SEC 1 or PKCS#1, unencrypted) and a PEM chain, and checks they fit the Notary rules. */
export function loadNotationSigner(keyPem: string, chainPem: string, keyName: string, chainName: string, now = new Date()): NotationSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new SignatureError(`cannot read the private key ${keyName}: ${(err as Error).message} (give an unencrypted PEM key)`);
  }
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0)
    throw new SignatureError(`${chainName} holds no PEM certificate: give the signing certificate followed by its CA certificates, ending with the root`);
  const chain = blocks.map((b) => new X509Certificate(b));
  try {
    validateCodeSigningChain(chain);
  } catch (err) {
    throw new SignatureError(`${chainName} is not a chain notation accepts: ${(err as Error).message}`);
  }
  if (!chain[0]!.checkPrivateKey(key))
    throw new SignatureError(`the private key ${keyName} does not belong to the signing certificate "${describeCertificate(chain[0]!)}" of ${chainName}`);
  for (const cert of chain) {
    if (now < cert.validFromDate || now > cert.validToDate) {
      throw new SignatureError(
        `certificate "${describeCertificate(cert)}" of ${chainName} is not valid now (valid from ${cert.validFrom} to ${cert.validTo}); notation signs only within every certificate's validity`,
      );
    }
  }
  return { key, chain };
}

function blob(bytes: Buffer): BlobSource & { bytes: Buffer } {
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length, open: () => Readable.from([bytes]) };
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Countersigns the signature bytes (RFC 3161), when asked. */
type Stamp = ((signature: Buffer, hash: 'sha256' | 'sha384' | 'sha512') => Promise<Buffer>) | undefined;

async function jwsEnvelope(
  payload: Buffer,
  signer: NotationSigner,
  alg: SignatureAlgorithm,
  signingTime: Date,
  expiry: Date | undefined,
  stamp: Stamp,
): Promise<Buffer> {
  const crit = ['io.cncf.notary.signingScheme', ...(expiry ? ['io.cncf.notary.expiry'] : [])];
  const jws = await new FlattenedSign(payload)
    .setProtectedHeader({
      alg,
      crit,
      cty: NotationMediaType.payload,
      'io.cncf.notary.signingScheme': 'notary.x509',
      'io.cncf.notary.signingTime': rfc3339(signingTime),
      ...(expiry ? { 'io.cncf.notary.expiry': rfc3339(expiry) } : {}),
    })
    .setUnprotectedHeader({ x5c: signer.chain.map((c) => c.raw.toString('base64')), 'io.cncf.notary.signingAgent': signingAgent })
    .sign(signer.key, { crit: Object.fromEntries(crit.map((c) => [c, true])) });
  const header: Record<string, unknown> = { ...jws.header };
  if (stamp)
    header['io.cncf.notary.timestampSignature'] = (await stamp(Buffer.from(jws.signature, 'base64url'), signatureAlgorithms[alg].hash)).toString('base64');
  return Buffer.from(JSON.stringify({ payload: jws.payload, protected: jws.protected, header, signature: jws.signature }));
}

async function coseEnvelope(
  payload: Buffer,
  signer: NotationSigner,
  alg: SignatureAlgorithm,
  signingTime: Date,
  expiry: Date | undefined,
  stamp: Stamp,
): Promise<Buffer> {
  const seconds = (d: Date) => new Tag(1, Math.floor(d.getTime() / 1000));
  const crit: string[] = ['io.cncf.notary.signingScheme', ...(expiry ? ['io.cncf.notary.expiry'] : [])];
  const protectedMap = new Map<number | string, unknown>([
    [1, signatureAlgorithms[alg].coseId],
    [2, crit],
    [3, NotationMediaType.payload],
    ['io.cncf.notary.signingScheme', 'notary.x509'],
    ['io.cncf.notary.signingTime', seconds(signingTime)],
  ]);
  if (expiry) protectedMap.set('io.cncf.notary.expiry', seconds(expiry));
  const protectedBytes = encode(protectedMap);
  const toBeSigned = encode(['Signature1', protectedBytes, new Uint8Array(0), new Uint8Array(payload)]);
  const { hash, size } = signatureAlgorithms[alg];
  const signature = alg.startsWith('PS')
    ? cryptoSign(hash, toBeSigned, { key: signer.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: size })
    : cryptoSign(hash, toBeSigned, { key: signer.key, dsaEncoding: 'ieee-p1363' });
  const unprotected = new Map<number | string, unknown>([
    [33, signer.chain.map((c) => new Uint8Array(c.raw))],
    ['io.cncf.notary.signingAgent', signingAgent],
  ]);
  if (stamp) unprotected.set('io.cncf.notary.timestampSignature', new Uint8Array(await stamp(signature, hash as 'sha256')));
  return Buffer.from(encode(new Tag(18, [protectedBytes, unprotected, new Uint8Array(payload), new Uint8Array(signature)])));
}

export async function signNotation(
  client: RegistryClient,
  repo: RepositoryReference,
  digest: string,
  signer: NotationSigner,
  envelope: NotationEnvelope,
  options: { expirySeconds?: number; now?: Date; timestamp?: { url: string; roots: X509Certificate[] }; signal?: AbortSignal } = {},
): Promise<NotationSignResult> {
  const head = await client.headManifest(repo.repository, digest);
  if (!head) throw new SignatureError(`${repo.repository}@${digest} does not exist in the registry; push the artifact before signing it`);
  const subject = { mediaType: head.mediaType || MediaType.ociManifest, digest, size: head.size };
  const payload = Buffer.from(JSON.stringify({ targetArtifact: subject }));
  const alg = signatureAlgorithmOfKey(signer.chain[0]!);
  const signingTime = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const expiry = options.expirySeconds ? new Date(signingTime.getTime() + options.expirySeconds * 1000) : undefined;
  const ts = options.timestamp;
  const stamp: Stamp = ts ? (sig, hash) => requestTimestamp(ts.url, sig, hash, ts.roots, options.signal) : undefined;
  const envelopeBytes =
    envelope === 'jws'
      ? await jwsEnvelope(payload, signer, alg, signingTime, expiry, stamp)
      : await coseEnvelope(payload, signer, alg, signingTime, expiry, stamp);
  const mediaType = envelope === 'jws' ? NotationMediaType.jws : NotationMediaType.cose;

  const config = blob(Buffer.from('{}'));
  const layer = blob(envelopeBytes);
  await client.uploadBlob(repo.repository, config);
  await client.uploadBlob(repo.repository, layer);
  const annotations = {
    'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify(signer.chain.map((c) => createHash('sha256').update(c.raw).digest('hex'))),
    'org.opencontainers.image.created': rfc3339(signingTime),
  };
  // notation-go's layout: the artifact type is the config's media type (over the empty JSON "{}"), no
  // manifest artifactType, so registries that derive it from the config (ggcr's) list it too.
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: NotationMediaType.signatureArtifact, digest: config.digest, size: config.size },
    layers: [{ mediaType, digest: layer.digest, size: layer.size }],
    subject,
    annotations,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = await client.putManifest(repo.repository, blob(bytes).digest, bytes, MediaType.ociManifest);
  const listed = await client.referrers(repo.repository, digest);
  if (!listed.some((d) => d.digest === manifestDigest)) {
    // No referrers API: the fallback tag index, as notation (oras-go) keeps it.
    await addToFallbackIndex(client, repo.repository, digest, {
      mediaType: MediaType.ociManifest,
      digest: manifestDigest,
      size: bytes.length,
      artifactType: NotationMediaType.signatureArtifact,
      annotations,
    });
  }
  return { reference: `${repo.registry}/${repo.repository}@${digest}`, digest, envelope, signatureManifest: manifestDigest };
}
