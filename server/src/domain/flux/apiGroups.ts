export const SOURCE_GROUP = 'source.toolkit.fluxcd.io';
export const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';
export const HELM_GROUP = 'helm.toolkit.fluxcd.io';
export const NOTIFICATION_GROUP = 'notification.toolkit.fluxcd.io';
export const IMAGE_GROUP = 'image.toolkit.fluxcd.io';
/** source-watcher's ArtifactGenerator (Flux 2.7+, part of the 2.9 distribution). */
export const SOURCE_EXTENSIONS_GROUP = 'source.extensions.fluxcd.io';

/** API groups whose objects flux-oci understands; every other document is left alone. */
export const fluxApiGroups = [SOURCE_GROUP, KUSTOMIZE_GROUP, HELM_GROUP, NOTIFICATION_GROUP, IMAGE_GROUP, SOURCE_EXTENSIONS_GROUP] as const;

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function isFluxApiVersion(apiVersion: string | undefined): boolean {
  if (!apiVersion) return false;
  const { group } = splitApiVersion(apiVersion);
  return (fluxApiGroups as readonly string[]).includes(group);
}
