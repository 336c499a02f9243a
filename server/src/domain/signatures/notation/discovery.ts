/**
 * Notary signatures of `repo@digest` as notation-go's registry client finds
 * them: referrers of artifact type `application/vnd.cncf.notary.signature`
 * (the referrers API, else the `sha256-<hex>` fallback tag index), each an
 * image (or artifact) manifest with exactly one layer, the envelope.
 */
import type { RegistryClient } from '../../oci/registry/client';
import type { Descriptor, ImageManifest } from '../../oci/manifest';
import { MediaType } from '../../oci/mediaTypes';
import { NotationMediaType } from './envelope';

const maxManifestBytes = 4 * 1024 * 1024;
const maxBlobBytes = 32 * 1024 * 1024;
const artifactManifest = 'application/vnd.oci.artifact.manifest.v1+json';

export async function listNotarySignatures(client: RegistryClient, repository: string, digest: string): Promise<Descriptor[]> {
  return client.referrers(repository, digest, NotationMediaType.signatureArtifact);
}

export interface FetchedSignature {
  manifestDigest: string;
  /** The envelope's media type (the layer's). */
  mediaType: string;
  blob: Buffer;
}

/** notation-go's FetchSignatureBlob; throws with notation's reasons. */
export async function fetchNotarySignature(client: RegistryClient, repository: string, desc: Descriptor): Promise<FetchedSignature> {
  if (desc.mediaType !== MediaType.ociManifest && desc.mediaType !== artifactManifest) {
    throw new Error(`sigManifestDesc.MediaType requires "${artifactManifest}" or "${MediaType.ociManifest}", got "${desc.mediaType}"`);
  }
  if (desc.size > maxManifestBytes) throw new Error(`signature manifest too large: ${desc.size} bytes`);
  const got = await client.getManifest(repository, desc.digest);
  const manifest = got.manifest as ImageManifest & { blobs?: Descriptor[] };
  const blobs = desc.mediaType === MediaType.ociManifest ? (manifest.layers ?? []) : (manifest.blobs ?? []);
  if (blobs.length !== 1) throw new Error(`signature manifest requries exactly one signature envelope blob, got ${blobs.length}`);
  const layer = blobs[0]!;
  if (!(layer.size >= 0 && layer.size <= maxBlobBytes)) throw new Error(`signature blob too large: ${layer.size} bytes`);
  const stream = await client.openBlob(repository, layer);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return { manifestDigest: got.digest, mediaType: layer.mediaType, blob: Buffer.concat(chunks) };
}
