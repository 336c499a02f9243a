/** API groups whose objects flux-oci understands; every other document is left alone. */
export const fluxApiGroups = [
  'source.toolkit.fluxcd.io',
  'kustomize.toolkit.fluxcd.io',
  'helm.toolkit.fluxcd.io',
  'notification.toolkit.fluxcd.io',
  'image.toolkit.fluxcd.io',
  // source-watcher's ArtifactGenerator (Flux 2.7+, part of the 2.9 distribution)
  'source.extensions.fluxcd.io',
] as const;

export type FluxApiGroup = (typeof fluxApiGroups)[number];

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function isFluxApiVersion(apiVersion: string | undefined): boolean {
  if (!apiVersion) return false;
  const { group } = splitApiVersion(apiVersion);
  return (fluxApiGroups as readonly string[]).includes(group);
}
