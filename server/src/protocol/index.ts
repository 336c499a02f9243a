/** The client↔server protocol of flux-oci, imported by both sides (see messages.ts). */
export * from './messages';
export * from './resolutionMessages';
export * from './artifactMessages';
export * from './clusterMessages';
export * from './bucketMessages';
export * from './testMessages';
export * from './ciMessages';
