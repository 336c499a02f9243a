// Signature status of resolved OCIRepository artifacts in the editor (spec.verify): policy from the workspace and settings, background checks, hover and diagnostics. No LSP here.
export { readVerifySpec } from './verifySpec';
export type { VerifySpec } from './verifySpec';
export { choosePolicy } from './signaturePolicy';
export type { KeySources, ReadFile } from './signaturePolicy';
export { SignatureVerifications } from './signatureVerifications';
export { signatureHover, signatureDiagnostics } from './signatureText';
export type { SignatureView } from './signatureText';
export { SignaturePresences, unverifiedSourceHover } from './signaturePresence';
