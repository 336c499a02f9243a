/**
 * The config blob and manifest of a Flux artifact, byte for byte in the shape
 * flux2 (go-containerregistry) writes: Go struct field order, map keys sorted,
 * no whitespace. source-controller and `flux pull` read only the manifest's
 * layers and annotations, but keeping the bytes familiar makes our pushes
 * indistinguishable from the CLI's in registries' UIs and tools.
 */
import { createHash } from 'node:crypto';
import { MediaType } from '../mediaTypes.ts';
import type { Descriptor, ImageManifest } from '../manifest.ts';

export interface Blob {
  bytes: Buffer;
  descriptor: Descriptor;
}

export interface BuiltManifest {
  manifest: ImageManifest;
  /** The exact bytes to PUT; the digest is computed over them. */
  bytes: Buffer;
  digest: string;
  size: number;
  mediaType: typeof MediaType.ociManifest;
}

/**
 * JSON as Go's encoding/json writes it: like JSON.stringify, plus the HTML-safe
 * escapes Go applies by default. These characters can only occur inside strings.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * The config blob, byte for byte what flux2 v2.9.4 pushes (checked against the real
 * CLI): go-containerregistry's untouched empty-image ConfigFile. pkg/oci means to
 * stamp `created` into it, but ggcr v0.21.6 no longer re-serialises configs of a
 * non-image media type, so `created` stays Go's zero time and diff_ids null. Being
 * constant, the blob is uploaded once per repository and then always deduplicated.
 * Nothing (source-controller, flux pull) reads it; the created time lives in the
 * manifest annotation. `_created` is accepted for callers written against the
 * contract, and ignored.
 */
export function fluxConfigBlob(_created?: string): Blob {
  const bytes = Buffer.from(fluxConfigJson, 'utf8');
  return { bytes, descriptor: { mediaType: MediaType.fluxConfig, size: bytes.length, digest: sha256Digest(bytes) } };
}

const fluxConfigJson = '{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}';

/** A layer descriptor for the content layer built by `buildLayer`. */
export function fluxLayerDescriptor(layer: { digest: string; size: number }): Descriptor {
  return { mediaType: MediaType.fluxContent, size: layer.size, digest: layer.digest };
}

/** Descriptor JSON in ggcr's field order (mediaType, size, digest, ...). */
function descriptorJson(d: Descriptor): Record<string, unknown> {
  const out: Record<string, unknown> = { mediaType: d.mediaType, size: d.size, digest: d.digest };
  if (d.urls) out['urls'] = d.urls;
  if (d.annotations) out['annotations'] = sortedRecord(d.annotations);
  if (d.platform) out['platform'] = d.platform;
  if (d.artifactType) out['artifactType'] = d.artifactType;
  return out;
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  // Go's encoding/json sorts map keys by bytes.
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

/** The OCI image manifest of a Flux artifact: one config, one content layer, the annotations. */
export function fluxManifest(config: Descriptor, layer: Descriptor, annotations: Record<string, string>): BuiltManifest {
  const body: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: descriptorJson(config),
    layers: [descriptorJson(layer)],
  };
  if (Object.keys(annotations).length > 0) body['annotations'] = sortedRecord(annotations);
  const bytes = Buffer.from(goJson(body), 'utf8');
  return {
    manifest: JSON.parse(bytes.toString('utf8')) as ImageManifest,
    bytes,
    digest: sha256Digest(bytes),
    size: bytes.length,
    mediaType: MediaType.ociManifest,
  };
}
