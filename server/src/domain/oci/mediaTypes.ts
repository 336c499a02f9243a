/** Media types of the OCI image spec, Docker's distribution formats, Flux and Helm. */
export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  fluxConfig: 'application/vnd.cncf.flux.config.v1+json',
  fluxContent: 'application/vnd.cncf.flux.content.v1.tar+gzip',
  helmConfig: 'application/vnd.cncf.helm.config.v1+json',
  helmChartContent: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  helmChartProvenance: 'application/vnd.cncf.helm.chart.provenance.v1.prov',
} as const;

/** The Accept list source-controller (go-containerregistry) sends for manifests. */
export const manifestAccept = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
  MediaType.dockerSchema1,
  MediaType.dockerSchema1Signed,
].join(', ');

export const AnnotationKey = {
  created: 'org.opencontainers.image.created',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
} as const;
