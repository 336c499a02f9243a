/**
 * Turns each found signature into a Sigstore "signed entity" and lets
 * @sigstore/verify do the cryptography (signature, certificate chain, SCTs,
 * transparency-log proofs). What is ours is the cosign glue: which bytes are
 * signed, and that the signed claim names this very digest.
 */
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { Verifier, toSignedEntity, VerificationError, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import type { FoundBundle, FoundLegacySignature } from './discovery';
import { SignatureMediaType } from './cosignLayout';
import { identityMatches, describeMatchers } from './identity';
import { keyTrustMaterial } from './trustMaterial';
import type { ParsedPublicKey } from './publicKeys';
import type { IdentityMatcher, SignerInfo } from './types';

export type VerificationMode =
  | { kind: 'keyed'; keys: ParsedPublicKey[] }
  | { kind: 'keyless'; trust: TrustMaterial; identities: IdentityMatcher[]; ignoreTlog: boolean; ignoreSct: boolean };

export type CheckOutcome = { ok: true; signer: SignerInfo } | { ok: false; reason: string };

/** A signature made ready for checking, or why it cannot be. */
type Prepared = { ok: true; entity: SignedEntity } | { ok: false; reason: string };

// --- v3 bundles ------------------------------------------------------------

function bundleVersionAtLeast03(mediaType: string): boolean {
  const m = /^application\/vnd\.dev\.sigstore\.bundle(?:\.v(\d+)\.(\d+)\+json|\+json;version=(\d+)\.(\d+))$/.exec(mediaType);
  if (!m) return false;
  const major = Number(m[1] ?? m[3]);
  const minor = Number(m[2] ?? m[4]);
  return major > 0 || minor >= 3;
}

interface InTotoStatement {
  subject?: { name?: string; digest?: Record<string, string> }[];
}

export function prepareBundle(found: FoundBundle, digest: string): Prepared {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(found.json);
  } catch (err) {
    return { ok: false, reason: `referrer ${found.manifestDigest} is not a valid Sigstore bundle (${(err as Error).message})` };
  }
  if (!bundleVersionAtLeast03(bundle.mediaType)) {
    return { ok: false, reason: `bundle ${found.manifestDigest} is ${bundle.mediaType}; cosign needs v0.3 or newer` };
  }
  // Flux verifies bundles as attestations: the content must be a DSSE envelope.
  if (bundle.content.$case !== 'dsseEnvelope') {
    return { ok: false, reason: `bundle ${found.manifestDigest} holds a message signature, not the DSSE envelope cosign sign writes and Flux requires` };
  }
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== SignatureMediaType.inTotoPayload) {
    return { ok: false, reason: `bundle ${found.manifestDigest} signs a "${envelope.payloadType}" payload, not an in-toto statement` };
  }
  let statement: InTotoStatement;
  try {
    statement = JSON.parse(envelope.payload.toString('utf8')) as InTotoStatement;
  } catch {
    return { ok: false, reason: `bundle ${found.manifestDigest} carries a payload that is not JSON` };
  }
  const [algo, hex] = digest.split(':');
  const names = (statement.subject ?? []).some((s) => s.digest?.[algo!] === hex);
  if (!names) {
    return { ok: false, reason: `bundle ${found.manifestDigest} was made for another artifact (its statement does not name ${digest})` };
  }
  try {
    return { ok: true, entity: toSignedEntity(bundle) };
  } catch (err) {
    return { ok: false, reason: `bundle ${found.manifestDigest} cannot be read (${(err as Error).message})` };
  }
}

// --- legacy .sig -----------------------------------------------------------

interface SimpleSigning {
  critical?: { image?: { 'docker-manifest-digest'?: string }; type?: string };
}

function signatureContent(payload: Buffer, signature: Buffer): SignedEntity['signature'] {
  return {
    signature,
    compareSignature: (s) => s.equals(signature),
    compareDigest: () => false,
    compareSignedDigest: () => false,
    // Flux loads keys with SHA-256 (cosign signature.LoadVerifier(pub, crypto.SHA256)).
    verifySignature: (key: KeyObject) => {
      try {
        return cryptoVerify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', payload, key, signature);
      } catch {
        return false;
      }
    },
  };
}

export function prepareLegacy(found: FoundLegacySignature, digest: string, keyless: boolean): Prepared {
  let claim: SimpleSigning;
  try {
    claim = JSON.parse(found.payload.toString('utf8')) as SimpleSigning;
  } catch {
    return { ok: false, reason: 'a .sig layer is not a simple-signing JSON payload' };
  }
  const signed = claim.critical?.image?.['docker-manifest-digest'];
  if (signed !== digest) {
    return { ok: false, reason: `a .sig signature was made for ${signed ?? 'no digest'}, not ${digest}` };
  }
  let key: SignedEntity['key'] = { $case: 'public-key', hint: '' };
  if (keyless) {
    if (!found.certificatePem) return { ok: false, reason: 'a .sig signature carries no certificate (it was made with a key, not keyless)' };
    try {
      const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(found.certificatePem)?.[0] ?? found.certificatePem;
      key = { $case: 'certificate', certificate: X509Certificate.parse(pem) };
    } catch (err) {
      return { ok: false, reason: `a .sig signature carries an unreadable certificate (${(err as Error).message})` };
    }
  }
  return { ok: true, entity: { signature: signatureContent(found.payload, found.signature), key, timestamps: [], tlogEntries: [] } };
}

/** True when a legacy signature says it went to a transparency log (we cannot check that proof yet). */
export function legacyHasTlogEntry(found: FoundLegacySignature): boolean {
  return found.rekorBundle !== undefined;
}

// --- checking ----------------------------------------------------------------

function describe(err: unknown): string {
  if (err instanceof VerificationError) {
    const cause = (err as { cause?: unknown }).cause;
    const causeText = cause instanceof Error && cause.message !== err.message ? `: ${cause.message}` : '';
    return `${err.message}${causeText}`;
  }
  return (err as Error).message ?? String(err);
}

export function checkEntity(entity: SignedEntity, mode: VerificationMode, now: Date = new Date()): CheckOutcome {
  if (mode.kind === 'keyed') {
    // Keyed mode runs offline like Flux (IgnoreTlog): only the signature matters, checked with each key.
    for (const k of mode.keys) {
      const e: SignedEntity = { ...entity, key: { $case: 'public-key', hint: '' }, timestamps: [], tlogEntries: [] };
      try {
        new Verifier(keyTrustMaterial(k.key), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(e);
        return { ok: true, signer: { keyName: k.name } };
      } catch {
        continue;
      }
    }
    const names = mode.keys.map((k) => k.name).join(', ');
    return {
      ok: false,
      reason: mode.keys.length ? `the signature does not match the public key${mode.keys.length > 1 ? 's' : ''} ${names}` : 'no public key to check it with',
    };
  }

  if (entity.key.$case !== 'certificate') {
    return {
      ok: false,
      reason: 'the signature was made with a key, not a Fulcio certificate; keyless verification cannot check it (give the public key instead)',
    };
  }
  let e = entity;
  if (mode.ignoreTlog) {
    // Without a log entry or timestamp the certificate is checked against the current time, as cosign --insecure-ignore-tlog does.
    // @sigstore/verify takes the verification time only from timestamps, so "now" is passed as one; it is never
    // counted as a log entry (tlogEntries is emptied and the threshold is 0). Tests cover valid and expired certificates.
    const verificationTime = {
      $case: 'transparency-log',
      tlogEntry: {
        integratedTime: String(Math.floor(now.getTime() / 1000)),
        logId: { keyId: Buffer.alloc(0) },
        inclusionPromise: { signedEntryTimestamp: Buffer.alloc(0) },
      },
    };
    const stamped = entity.timestamps.filter((t) => t.$case === 'timestamp-authority');
    e = { ...entity, tlogEntries: [], timestamps: stamped.length ? stamped : [verificationTime as unknown as SignedEntity['timestamps'][number]] };
  } else if (entity.timestamps.length === 0) {
    return {
      ok: false,
      reason:
        'the signature has no transparency-log entry or signed timestamp, so its certificate cannot be checked (signed with --tlog-upload=false?); Flux refuses it',
    };
  }
  let signer;
  try {
    signer = new Verifier(mode.trust, {
      tlogThreshold: mode.ignoreTlog ? 0 : 1,
      ctlogThreshold: mode.ignoreSct ? 0 : 1,
      timestampThreshold: mode.ignoreTlog ? 0 : 1,
    }).verify(e);
  } catch (err) {
    return { ok: false, reason: describe(err) };
  }
  const identity = { subject: signer.identity?.subjectAlternativeName, issuer: signer.identity?.extensions?.issuer };
  const signerInfo: SignerInfo = {
    ...(identity.subject !== undefined ? { subject: identity.subject } : {}),
    ...(identity.issuer !== undefined ? { issuer: identity.issuer } : {}),
  };
  if (mode.identities.length > 0 && !identityMatches(identity, mode.identities)) {
    return {
      ok: false,
      reason: `the certificate identity ${identity.subject ?? '(none)'} from issuer ${identity.issuer ?? '(none)'} does not match matchOIDCIdentity (${describeMatchers(mode.identities)})`,
    };
  }
  return { ok: true, signer: signerInfo };
}
