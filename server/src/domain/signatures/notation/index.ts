// Notary Project (notation) signatures of Flux artifacts, verified like source-controller. No LSP here.
export { verifyNotation } from './verifyNotation';
export { isCaKey } from './trustStore';
