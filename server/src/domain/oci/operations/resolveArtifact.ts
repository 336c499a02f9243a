/**
 * From a reference to the image manifest of an artifact and the layer to use,
 * the way source-controller does it: an index resolves to its linux/amd64
 * child (or its only child); the layer is the first matching
 * `layerSelector.mediaType`, else the first layer.
 */
import type { RegistryClient, FetchedManifest } from '../registry/client';
import { RegistryError } from '../registry/errors';
import { isIndex, type Descriptor, type ImageManifest } from '../manifest';
import { AnnotationKey } from '../mediaTypes';
import { referenceSelector, type OciReference } from '../reference';

export interface ResolvedArtifact {
  /** Digest of the top-level object the reference points at (an index keeps its own digest, as in Flux). */
  digest: string;
  /** The image manifest (the index child when the reference names an index). */
  manifest: ImageManifest;
  manifestDigest: string;
  source?: string;
  revision?: string;
  created?: string;
}

export async function resolveArtifact(client: RegistryClient, ref: OciReference): Promise<ResolvedArtifact> {
  let top: FetchedManifest;
  try {
    top = await client.getManifest(ref.repository, referenceSelector(ref));
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'not-found') {
      throw new RegistryError(`artifact ${ref.registry}/${ref.repository}:${referenceSelector(ref)} not found`, {
        code: 'not-found',
        status: 404,
        registryCodes: err.registryCodes,
        action: 'check the repository and tag (flux-oci list artifacts shows the tags)',
      });
    }
    throw err;
  }
  let image = top;
  if (isIndex(top.manifest)) {
    const children = top.manifest.manifests;
    const child = children.find((d) => d.platform?.os === 'linux' && d.platform.architecture === 'amd64') ?? (children.length === 1 ? children[0] : undefined);
    if (!child) {
      throw new RegistryError(`${ref.repository}@${top.digest} is an index without a linux/amd64 manifest`, {
        code: 'not-found',
        action: 'pull a specific manifest by digest',
      });
    }
    image = await client.getManifest(ref.repository, child.digest);
  }
  const manifest = image.manifest as ImageManifest;
  if (!Array.isArray(manifest.layers)) {
    throw new RegistryError(`${ref.repository}@${image.digest} is not an image manifest (no layers)`, { code: 'invalid-response' });
  }
  const annotations = manifest.annotations ?? {};
  return {
    digest: top.digest,
    manifest,
    manifestDigest: image.digest,
    ...(annotations[AnnotationKey.source] !== undefined ? { source: annotations[AnnotationKey.source] } : {}),
    ...(annotations[AnnotationKey.revision] !== undefined ? { revision: annotations[AnnotationKey.revision] } : {}),
    ...(annotations[AnnotationKey.created] !== undefined ? { created: annotations[AnnotationKey.created] } : {}),
  };
}

/** The layer Flux would use; `mediaType` undefined means the first layer. */
export function selectLayer(manifest: ImageManifest, mediaType?: string): Descriptor {
  if (manifest.layers.length === 0) throw new RegistryError('the artifact has no layers', { code: 'not-found' });
  if (!mediaType) return manifest.layers[0]!;
  const layer = manifest.layers.find((l) => l.mediaType === mediaType);
  if (!layer) {
    throw new RegistryError(`failed to find layer with media type ${mediaType}; the artifact has ${manifest.layers.map((l) => l.mediaType).join(', ')}`, {
      code: 'not-found',
      action: 'change the layer selector media type',
    });
  }
  return layer;
}
