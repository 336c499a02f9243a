// Signature status of resolved OCIRepository artifacts in the editor (spec.verify): policy from the workspace and settings, background checks, hover and diagnostics. No LSP here.
export { readVerifySpec } from './verifySpec';
export type { VerifySpec } from './verifySpec';
export { publicKeysOfSecretDocument } from './secretKeys';
export type { SecretKeys } from './secretKeys';
export { choosePolicy, publicKeyFilesSetting, trustedRootSetting } from './signaturePolicy';
export type { KeySources, PolicyChoice, ReadFile } from './signaturePolicy';
export { SignatureVerifications } from './signatureVerifications';
export type { SignatureStatus, ReadyPolicy, RegistryRunner, SignatureVerificationsOptions } from './signatureVerifications';
export { signatureHover, signatureDiagnostics, onlyBundles } from './signatureText';
export type { SignatureView } from './signatureText';
export { SignaturePresences, unverifiedSourceHover } from './signaturePresence';
export type { SignaturePresence } from './signaturePresence';
