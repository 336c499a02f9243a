// Notary Project (notation) signatures of Flux artifacts, verified like source-controller. No LSP here.
export { verifyNotation, notationTrustFromEntries } from './verifyNotation';
export type { VerifyNotationOptions } from './verifyNotation';
export { parseTrustPolicy, validateTrustPolicy, applicableStatement, TrustPolicyError } from './trustPolicy';
export { isCaKey } from './trustStore';
export { NotationMediaType } from './envelope';
export { loadNotationSigner, signNotation } from './signNotation';
export type { NotationEnvelope, NotationSigner, NotationSignResult } from './signNotation';
