// Notary Project (notation) signatures of Flux artifacts, verified like source-controller. No LSP here.
export { verifyNotation, notationTrustFromEntries } from './verifyNotation';
export { isCaKey } from './trustStore';
