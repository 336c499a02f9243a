// Live resolution of OCIRepository sources against registries (no LSP here).
export { effectiveRefKind, usesHelmUnderscore, specKey } from './ociSourceSpec';
export type { OciSourceSpec, OciSourceRef, RefKind } from './ociSourceSpec';
export type { ArtifactFacts, Resolution, ResolvedSource, ResolutionFailure, FailureReason, TagCheck } from './resolution';
export { resolveOciSource, newestTags, short } from './resolveOciSource';
export { RegistryCache } from './registryCache';
export { NetworkGate, OfflineError } from './networkGate';
export type { RegistryCacheOptions, RepositoryReader, RepositoryTarget } from './registryCache';
export { RequestLimiter } from './requestLimiter';
export { SessionCredentials } from './sessionCredentials';
export type { ClientRegistryCredential } from './sessionCredentials';
export { ResolutionService } from './resolutionService';
