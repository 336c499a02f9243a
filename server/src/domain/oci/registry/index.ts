// The registry client and its parts, for the operations, the language server and tests.
export { RegistryClient, nextLink } from './client';
export type { RegistryClientOptions, FetchedManifest, ManifestHead, BlobSource, UploadOptions, UploadOutcome } from './client';
export { RegistryTransport, statusError, networkError } from './transport';
export type { TransportOptions, HttpRequest, HttpResponse } from './transport';
export { RegistryError, isRegistryError, parseErrorBody } from './errors';
export type { RegistryErrorCode } from './errors';
export { allowsPlainHttp, isLoopbackRegistry } from './plainHttp';
export { parseRetryAfter, backoffDelay, defaultRetryPolicy } from './retryPolicy';
export type { RetryPolicy } from './retryPolicy';
export { VerifiedStream, digestOf } from './verifiedStream';
export { parseChallenge, mergeScopes, repositoryScope } from './auth/challenge';
export { credentialFromFlag, CredentialChain, StaticCredentials } from './auth/credential';
export type { Credential, CredentialSource } from './auth/credential';
export { DockerConfigCredentials, dockerConfigCandidates } from './auth/dockerConfig';
export { CloudProviderCredentials, providerLogin, providers } from './auth/cloudProviders';
export type { Provider, CloudProvider } from './auth/cloudProviders';
