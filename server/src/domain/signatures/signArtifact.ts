/**
 * Signs `repo@digest` with a private key the way `cosign sign --key` does, so
 * Flux and `cosign verify` accept it:
 * - bundle (cosign v3 default): a DSSE envelope over an in-toto statement
 *   naming the digest, in a Sigstore bundle v0.3 attached as an OCI 1.1
 *   referrer (and in the `sha256-<hex>` fallback index on registries without
 *   the referrers API);
 * - legacy (cosign v2, `--new-bundle-format=false`): a simple-signing payload
 *   layer added to the `sha256-<hex>.sig` tag.
 * No transparency log entry is made (like `--tlog-upload=false`), which is what
 * Flux's keyed verification expects.
 */
import { createHash, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { bundleToJSON, toDSSEBundle } from '@sigstore/bundle';
import { dsse } from '@sigstore/core';
import type { RegistryClient, BlobSource } from '../oci/registry/client';
import { isRegistryError } from '../oci/registry/errors';
import { MediaType } from '../oci/mediaTypes';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci/manifest';
import type { RepositoryReference } from '../oci/reference';
import { SignatureAnnotation, SignatureMediaType, cosignSignPredicateType, inTotoStatementType, legacySignatureTag } from './cosignLayout';

export type SignFormat = 'bundle' | 'legacy';

export interface SignResult {
  reference: string;
  digest: string;
  format: SignFormat;
  /** Digest of the signature manifest (referrer, or the `.sig` tag's new manifest). */
  signatureManifest: string;
  /** Where it was stored: `referrers` or the tag. */
  location: string;
}

function blob(bytes: Buffer): BlobSource & { bytes: Buffer } {
  return {
    bytes,
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    size: bytes.length,
    open: (range) => Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]),
  };
}

function signBytes(key: KeyObject, data: Buffer): Buffer {
  return cryptoSign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key);
}

/** cosign's key hint: base64 SHA-256 of the public key's DER (PKIX). */
function keyHint(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

async function subjectDescriptor(client: RegistryClient, repository: string, digest: string): Promise<Descriptor> {
  const head = await client.headManifest(repository, digest);
  if (!head) throw new Error(`${repository}@${digest} does not exist in the registry; push the artifact before signing it`);
  return { mediaType: head.mediaType || MediaType.ociManifest, digest, size: head.size };
}

async function signBundle(client: RegistryClient, repo: RepositoryReference, digest: string, key: KeyObject): Promise<SignResult> {
  const subject = await subjectDescriptor(client, repo.repository, digest);
  const [algo, hex] = digest.split(':');
  const statement = {
    _type: inTotoStatementType,
    subject: [{ digest: { [algo!]: hex! } }],
    predicateType: cosignSignPredicateType,
    predicate: {},
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const signature = signBytes(key, dsse.preAuthEncoding(SignatureMediaType.inTotoPayload, payload));
  const bundle = toDSSEBundle({ artifact: payload, artifactType: SignatureMediaType.inTotoPayload, signature, keyHint: keyHint(key) });
  // Shaped like cosign's own bundles: no DSSE keyid (cosign's verifier skips signatures whose keyid it does not know).
  const json = bundleToJSON(bundle) as {
    dsseEnvelope?: { signatures: { sig: string; keyid?: string }[] };
    verificationMaterial?: { timestampVerificationData?: unknown };
  };
  if (json.dsseEnvelope) json.dsseEnvelope.signatures = json.dsseEnvelope.signatures.map((sg) => ({ sig: sg.sig }));
  if (json.verificationMaterial) delete json.verificationMaterial.timestampVerificationData;
  const layer = blob(Buffer.from(JSON.stringify(json)));
  const config = blob(Buffer.from('{}'));
  await client.uploadBlob(repo.repository, config);
  await client.uploadBlob(repo.repository, layer);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociEmpty, artifactType: SignatureMediaType.bundleV03, digest: config.digest, size: config.size },
    layers: [{ mediaType: SignatureMediaType.bundleV03, digest: layer.digest, size: layer.size }],
    subject,
    annotations: {
      [SignatureAnnotation.created]: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      [SignatureAnnotation.bundleContent]: 'dsse-envelope',
      [SignatureAnnotation.bundlePredicateType]: cosignSignPredicateType,
    },
    artifactType: SignatureMediaType.bundleV03,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = await client.putManifest(repo.repository, blob(bytes).digest, bytes, MediaType.ociManifest);
  const listed = await client.referrers(repo.repository, digest);
  if (!listed.some((d) => d.digest === manifestDigest)) {
    // No referrers API: keep the fallback tag index up to date, as the OCI 1.1 spec asks clients to.
    await addToFallbackIndex(client, repo.repository, digest, {
      mediaType: MediaType.ociManifest,
      digest: manifestDigest,
      size: bytes.length,
      artifactType: SignatureMediaType.bundleV03,
      annotations: manifest.annotations,
    });
  }
  return { reference: `${repo.registry}/${repo.repository}@${digest}`, digest, format: 'bundle', signatureManifest: manifestDigest, location: 'referrers' };
}

export async function addToFallbackIndex(client: RegistryClient, repository: string, digest: string, entry: Descriptor): Promise<void> {
  const tag = digest.replace(':', '-');
  let index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  try {
    const got = await client.getManifest(repository, tag);
    if (Array.isArray((got.manifest as ImageIndex).manifests)) index = got.manifest as ImageIndex;
  } catch (err) {
    if (!isRegistryError(err, 'not-found')) throw err;
  }
  index = { ...index, manifests: [...index.manifests.filter((d) => d.digest !== entry.digest), entry] };
  await client.putManifest(repository, tag, Buffer.from(JSON.stringify(index)), MediaType.ociIndex);
}

async function signLegacy(client: RegistryClient, repo: RepositoryReference, digest: string, key: KeyObject): Promise<SignResult> {
  await subjectDescriptor(client, repo.repository, digest);
  const payload = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': `${repo.registry}/${repo.repository}` },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
  const signature = signBytes(key, payload).toString('base64');
  const layer = blob(payload);
  const tag = legacySignatureTag(digest);
  let layers: Descriptor[] = [];
  try {
    const existing = await client.getManifest(repo.repository, tag);
    layers = ((existing.manifest as ImageManifest).layers ?? []).filter((l) => l.annotations?.[SignatureAnnotation.signature] !== undefined);
  } catch (err) {
    if (!isRegistryError(err, 'not-found')) throw err;
  }
  await client.uploadBlob(repo.repository, layer);
  layers = [
    ...layers,
    { mediaType: SignatureMediaType.simpleSigning, digest: layer.digest, size: layer.size, annotations: { [SignatureAnnotation.signature]: signature } },
  ];
  // The image config cosign's go-containerregistry writes for signature images.
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: '',
        created: '0001-01-01T00:00:00Z',
        history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
        os: '',
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
        config: {},
      }),
    ),
  );
  await client.uploadBlob(repo.repository, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: SignatureMediaType.ociImageConfig, digest: config.digest, size: config.size },
    layers,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = await client.putManifest(repo.repository, tag, bytes, MediaType.ociManifest);
  return { reference: `${repo.registry}/${repo.repository}@${digest}`, digest, format: 'legacy', signatureManifest: manifestDigest, location: tag };
}

export async function signWithClient(
  client: RegistryClient,
  repo: RepositoryReference,
  digest: string,
  key: KeyObject,
  format: SignFormat,
): Promise<SignResult> {
  return format === 'bundle' ? signBundle(client, repo, digest, key) : signLegacy(client, repo, digest, key);
}
