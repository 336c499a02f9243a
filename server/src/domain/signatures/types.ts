/**
 * What signature verification takes and gives back. A policy mirrors an
 * OCIRepository's `spec.verify` (with the Secret already read); a result is
 * either `verified` with who signed, or `not-verified` with a reason a person
 * can act on. There is no third state: anything unexpected is `not-verified`.
 */

/**
 * Where the signature lives: cosign v3 Sigstore bundle (OCI referrer), cosign v2
 * `sha256-<hex>.sig` tag, or a Notary Project signature (OCI referrer) in a JWS or COSE envelope.
 */
export type SignatureFormat = 'cosign-bundle' | 'cosign-legacy' | 'notation-jws' | 'notation-cose';

/** One `*.pub` entry of a `verify.secretRef` Secret (or a key file). */
export interface PublicKeyEntry {
  /** Secret key name or file path, used in messages. */
  name: string;
  pem: string;
}

/** One `matchOIDCIdentity` item: Go RE2 regexes, unanchored unless written with ^/$. */
export interface IdentityMatcher {
  issuer: string;
  subject: string;
}

/**
 * What `provider: notation` trusts: the `verify.secretRef` Secret's
 * `trustpolicy.json` and its `*.crt`/`*.pem` CA certificates (or files named on
 * the command line). `trustPolicyJson` undefined means the Secret lacks it.
 */
export interface NotationTrust {
  trustPolicyJson?: string;
  /** Where the policy and certificates came from, for messages (a Secret or file names). */
  source: string;
  certificates: Array<{ name: string; data: string | Uint8Array }>;
}

export interface VerificationPolicy {
  provider: 'cosign' | 'notation';
  /** provider notation: the trust policy and CA certificates. */
  notation?: NotationTrust;
  /** Keyed mode when present (even if empty: then nothing can match, like Flux). */
  publicKeys?: PublicKeyEntry[];
  matchOIDCIdentity?: IdentityMatcher[];
  /** Keyless: a `trusted_root.json` (Sigstore protobuf-specs JSON); default: the public-good root via TUF. */
  trustedRootJson?: string;
  /**
   * Keyless only, like cosign's --insecure-ignore-tlog: accept signatures with
   * no transparency-log entry; certificates are then checked against the current time.
   * Flux never does this.
   */
  ignoreTlog?: boolean;
  /** Keyless only, like cosign's --insecure-ignore-sct: do not require a certificate transparency SCT. */
  ignoreSct?: boolean;
}

export interface SignerInfo {
  /** Keyed: the Secret entry / file whose key matched. */
  keyName?: string;
  /** Keyless: certificate identity (SAN) and OIDC issuer. */
  subject?: string;
  issuer?: string;
  /** Notation: the trust policy statement that applied and its verification level. */
  trustPolicy?: string;
}

export interface VerifiedResult {
  outcome: 'verified';
  /** `host/repo@sha256:...` */
  reference: string;
  digest: string;
  format: SignatureFormat;
  signer: SignerInfo;
  /** Every format present, e.g. to warn that bundles need Flux >= 2.8. */
  formatsFound: SignatureFormat[];
  /** Checks that failed but that the trust policy only logs (notation permissive/audit levels). */
  logged?: string[];
}

export interface NotVerifiedResult {
  outcome: 'not-verified';
  reference: string;
  digest: string;
  /** What happened and what to do. */
  reason: string;
  formatsFound: SignatureFormat[];
  /**
   * Notation only: Flux still pulls the artifact but does not mark it verified
   * (SourceVerified is not set True): the trust policy level is `skip`, or it
   * only logs an authenticity failure (`audit`).
   */
  fluxIgnores?: true;
}

export type VerificationResult = VerifiedResult | NotVerifiedResult;

/** A verification that could not run as asked (bad key, bad trusted root, unsupported option): fails closed. */
export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureError';
  }
}
