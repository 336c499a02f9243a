/**
 * Finds cosign signatures of `repo@digest` the way Flux (cosign v3.0.6) does:
 * Sigstore bundles among the OCI 1.1 referrers (the registry's referrers API,
 * else the `sha256-<hex>` fallback tag index), and legacy signatures in the
 * `sha256-<hex>.sig` tag. Only the OCI glue lives here; nothing is trusted yet.
 */
import type { RegistryClient } from '../oci/registry/client';
import { isRegistryError } from '../oci/registry/errors';
import { isIndex, type Descriptor, type ImageManifest } from '../oci/manifest';
import { SignatureMediaType, SignatureAnnotation, legacySignatureTag } from './cosignLayout';

export interface FoundBundle {
  /** Digest of the referrer manifest that carries it. */
  manifestDigest: string;
  /** The bundle JSON as stored. */
  json: unknown;
}

export interface FoundLegacySignature {
  /** The simple-signing payload (the signed bytes). */
  payload: Buffer;
  /** Raw signature bytes (decoded from the layer annotation). */
  signature: Buffer;
  certificatePem?: string;
  chainPem?: string;
  /** `dev.sigstore.cosign/bundle` (Rekor SET), when the signature went to a transparency log. */
  rekorBundle?: string;
}

export interface DiscoveredSignatures {
  bundles: FoundBundle[];
  legacy: FoundLegacySignature[];
  /** Why the referrers lookup failed, if it did (Flux then uses legacy signatures). */
  bundleLookupError?: string;
  legacyLookupError?: string;
}

const maxSignatureBlobBytes = 1024 * 1024;
const maxLegacyLayers = 1000;

export async function readSmallBlob(client: RegistryClient, repository: string, descriptor: Descriptor): Promise<Buffer> {
  if (!(descriptor.size >= 0 && descriptor.size <= maxSignatureBlobBytes)) {
    throw new Error(`blob ${descriptor.digest} is ${descriptor.size} bytes; a signature is never that large`);
  }
  const stream = await client.openBlob(repository, descriptor);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Bundles among the referrers; like cosign, referrers that are not single-layer bundles are skipped. */
export async function findBundles(client: RegistryClient, repository: string, digest: string): Promise<FoundBundle[]> {
  const referrers = await client.referrers(repository, digest);
  const found: FoundBundle[] = [];
  for (const ref of referrers) {
    try {
      const got = await client.getManifest(repository, ref.digest);
      if (isIndex(got.manifest)) continue;
      const layers = (got.manifest as ImageManifest).layers ?? [];
      if (layers.length !== 1 || !layers[0]!.mediaType.startsWith(SignatureMediaType.bundlePrefix)) continue;
      const bytes = await readSmallBlob(client, repository, layers[0]!);
      found.push({ manifestDigest: got.digest, json: JSON.parse(bytes.toString('utf8')) });
    } catch {
      // cosign ignores referrers it cannot read as bundles (SBOMs, other tools' artifacts).
      continue;
    }
  }
  return found;
}

export async function findLegacySignatures(client: RegistryClient, repository: string, digest: string): Promise<FoundLegacySignature[]> {
  let manifest: ImageManifest;
  try {
    manifest = (await client.getManifest(repository, legacySignatureTag(digest))).manifest as ImageManifest;
  } catch (err) {
    if (isRegistryError(err, 'not-found')) return [];
    throw err;
  }
  const layers = Array.isArray(manifest.layers) ? manifest.layers : [];
  if (layers.length > maxLegacyLayers) throw new Error(`the signature tag has ${layers.length} layers, more than the ${maxLegacyLayers} cosign accepts`);
  const out: FoundLegacySignature[] = [];
  for (const layer of layers) {
    const ann = layer.annotations ?? {};
    const sig = ann[SignatureAnnotation.signature];
    if (sig === undefined) continue;
    const payload = await readSmallBlob(client, repository, layer);
    out.push({
      payload,
      signature: Buffer.from(sig, 'base64'),
      ...(ann[SignatureAnnotation.certificate] ? { certificatePem: ann[SignatureAnnotation.certificate] } : {}),
      ...(ann[SignatureAnnotation.chain] ? { chainPem: ann[SignatureAnnotation.chain] } : {}),
      ...(ann[SignatureAnnotation.rekorBundle] ? { rekorBundle: ann[SignatureAnnotation.rekorBundle] } : {}),
    });
  }
  return out;
}

/** Both kinds; a lookup error is recorded, not thrown, so the caller can decide like Flux. */
export async function discoverSignatures(client: RegistryClient, repository: string, digest: string): Promise<DiscoveredSignatures> {
  const result: DiscoveredSignatures = { bundles: [], legacy: [] };
  try {
    result.bundles = await findBundles(client, repository, digest);
  } catch (err) {
    result.bundleLookupError = (err as Error).message;
  }
  try {
    result.legacy = await findLegacySignatures(client, repository, digest);
  } catch (err) {
    result.legacyLookupError = (err as Error).message;
  }
  return result;
}
