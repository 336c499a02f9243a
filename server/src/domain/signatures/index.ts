// Cosign and Notary Project signatures of Flux artifacts: discovery, verification (Flux's rules), cosign signing. No LSP here.
export { verifySignatures } from './verifyArtifact';
export type { VerifySignaturesOptions } from './verifyArtifact';
export { signWithClient } from './signArtifact';
export type { SignFormat, SignResult } from './signArtifact';
export { discoverSignatures } from './discovery';
export type { DiscoveredSignatures, FoundBundle, FoundLegacySignature } from './discovery';
export { parsePublicKey, parsePublicKeys, publicKeysOfSecret } from './publicKeys';
export { loadCosignPrivateKey } from './cosignPrivateKey';
export { identityMatches } from './identity';
export { legacySignatureTag, SignatureMediaType, SignatureAnnotation } from './cosignLayout';
export { SignatureError } from './types';
export { verifyNotation, isCaKey } from './notation';
export type {
  NotationTrust,
  VerificationPolicy,
  VerificationResult,
  VerifiedResult,
  NotVerifiedResult,
  SignatureFormat,
  PublicKeyEntry,
  IdentityMatcher,
  SignerInfo,
} from './types';
