/**
 * One Notary signature against one artifact, as notation-go v1.3.2's
 * verifier.Verify does it: integrity (envelope, signature, chain rules),
 * authenticity (the chain contains a trust-store certificate), trusted
 * identity, signature expiry, authentic timestamp (certificate validity now,
 * or at the authentic signing time), revocation, then the signed descriptor
 * against the artifact's. Each check's action comes from the trust policy
 * level: `enforce` stops at the first failure, `log` records it and goes on.
 */
import type { X509Certificate } from 'node:crypto';
import { X509Certificate as SigstoreCertificate } from '@sigstore/core';
import { openEnvelope, IntegrityError, type EnvelopeContent } from './envelope';
import { loadTrustStore, type CaEntry } from './trustStore';
import { parseDistinguishedName, subjectOfCertificate, isSubsetDN, type DistinguishedName } from './distinguishedName';
import { describeCertificate } from './certificateChain';
import { verifyTimestampToken, type VerifiedTimestamp } from './timestamp';
import type { TrustPolicyStatement, ValidationAction, ValidationType, VerificationLevel } from './trustPolicy';

export interface ValidationResult {
  type: ValidationType;
  action: ValidationAction;
  error?: string;
}

export interface SignatureOutcome {
  level: VerificationLevel;
  results: ValidationResult[];
  content?: EnvelopeContent;
  /** Set when the signature fails: why. */
  error?: string;
}

export interface ArtifactDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

const pluginHeader = 'io.cncf.notary.verificationPlugin';

function utc(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

function trustedCertificates(statement: TrustPolicyStatement, content: EnvelopeContent, cas: CaEntry[]): X509Certificate[] {
  return storeCertificates(statement, content.signingScheme === 'notary.x509' ? 'ca' : 'signingAuthority', cas);
}

/** notation-go's loadX509TrustStoresWithType over Flux's trust store (every CA of the Secret, whatever the store's name). */
function storeCertificates(statement: TrustPolicyStatement, wanted: 'ca' | 'signingAuthority' | 'tsa', cas: CaEntry[]): X509Certificate[] {
  const seen = new Set<string>();
  const certs: X509Certificate[] = [];
  for (const store of statement.trustStores) {
    if (seen.has(store)) continue;
    const colon = store.indexOf(':');
    if (colon < 0)
      throw new Error(`error while loading the trust store, trust policy statement "${statement.name}" is missing separator in trust store value "${store}"`);
    if (store.slice(0, colon) !== wanted) continue;
    certs.push(...loadTrustStore(cas, store.slice(colon + 1)));
    seen.add(store);
  }
  return certs;
}

function identityError(statement: TrustPolicyStatement, leaf: X509Certificate): string | undefined {
  if (statement.trustedIdentities.includes('*')) return undefined;
  const trusted: DistinguishedName[] = [];
  for (const identity of statement.trustedIdentities) {
    const colon = identity.indexOf(':');
    if (colon < 0) return `trust policy statement "${statement.name}" has trusted identity "${identity}" missing separator`;
    if (identity.slice(0, colon) !== 'x509.subject') continue;
    try {
      trusted.push(parseDistinguishedName(identity.slice(colon + 1)));
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (trusted.length === 0) return `no x509 trusted identities are configured in the trust policy "${statement.name}"`;
  let leafDN: DistinguishedName;
  try {
    leafDN = subjectOfCertificate(leaf.subject);
  } catch (err) {
    return `error while parsing the certificate subject from the digital signature. error : ${(err as Error).message}`;
  }
  if (trusted.some((dn) => isSubsetDN(dn, leafDN))) return undefined;
  return `signing certificate from the digital signature (subject "${describeCertificate(leaf)}") does not match the X.509 trusted identities ${statement.trustedIdentities.map((t) => `"${t}"`).join(', ')} defined in the trust policy "${statement.name}"; add the signer's subject to trustedIdentities (x509.subject: C=…, ST=…, O=…) if it is to be trusted`;
}

function hasRevocationInfo(cert: X509Certificate): boolean {
  if (cert.infoAccess && /OCSP - URI:/.test(cert.infoAccess)) return true;
  try {
    return SigstoreCertificate.parse(cert.raw as Buffer<ArrayBuffer>).extension('2.5.29.31') !== undefined;
  } catch {
    return false;
  }
}

function authenticTimestampError(statement: TrustPolicyStatement, content: EnvelopeContent, now: Date, cas: CaEntry[]): string | undefined {
  const chain = content.certificateChain;
  if (content.signingScheme === 'notary.x509.signingAuthority') {
    for (const cert of chain) {
      if (content.signingTime < cert.validFromDate || content.signingTime > cert.validToDate) {
        return `certificate "${describeCertificate(cert)}" was not valid when the digital signature was produced at "${utc(content.signingTime)}"`;
      }
    }
    return undefined;
  }
  const tsa = statement.trustStores.some((s) => s.startsWith('tsa:'));
  let timestamp = tsa;
  if (tsa && statement.signatureVerification.verifyTimestamp === 'afterCertExpiry') {
    timestamp = chain.some((c) => now > c.validToDate);
  }
  if (!timestamp) {
    for (const cert of chain) {
      if (now < cert.validFromDate)
        return `verification time is before certificate "${describeCertificate(cert)}" validity period, it will be valid from "${utc(cert.validFromDate)}"`;
      if (now > cert.validToDate)
        return `verification time is after certificate "${describeCertificate(cert)}" validity period, it was expired at "${utc(cert.validToDate)}"`;
    }
    return undefined;
  }
  if (!content.timestampSignature) return 'no timestamp countersignature was found in the signature envelope';
  let tsaRoots: X509Certificate[];
  try {
    tsaRoots = storeCertificates(statement, 'tsa', cas);
  } catch (err) {
    return `failed to load tsa trust store with error: ${(err as Error).message}`;
  }
  if (tsaRoots.length === 0) return 'no trusted TSA certificate found in trust store';
  let stamp: VerifiedTimestamp;
  try {
    stamp = verifyTimestampToken(content.timestampSignature, content.signature, tsaRoots);
  } catch (err) {
    return (err as Error).message;
  }
  const low = new Date(stamp.time.getTime() - stamp.accuracyMs);
  const high = new Date(stamp.time.getTime() + stamp.accuracyMs);
  for (const cert of chain) {
    if (low < cert.validFromDate)
      return `timestamp can be before certificate "${describeCertificate(cert)}" validity period, it will be valid from "${utc(cert.validFromDate)}"`;
    if (high > cert.validToDate)
      return `timestamp can be after certificate "${describeCertificate(cert)}" validity period, it was expired at "${utc(cert.validToDate)}"`;
  }
  const revocable = stamp.chain.slice(0, -1).find(hasRevocationInfo);
  if (revocable)
    return `timestamping certificate with subject "${describeCertificate(revocable)}" revocation status is unknown: it names OCSP/CRL servers, which flux-oci does not query`;
  return undefined;
}

/** Never throws: a failure is `error` on the outcome. */
export async function verifyNotarySignature(
  statement: TrustPolicyStatement,
  level: VerificationLevel,
  envelopeMediaType: string,
  blob: Buffer,
  artifact: ArtifactDescriptor,
  cas: CaEntry[],
  now: Date,
): Promise<SignatureOutcome> {
  const outcome: SignatureOutcome = { level, results: [] };
  const fail = (error: string): SignatureOutcome => ({ ...outcome, error });
  const push = (type: ValidationType, error?: string): ValidationResult => {
    const r: ValidationResult = { type, action: level.enforcement[type], ...(error !== undefined ? { error } : {}) };
    outcome.results.push(r);
    return r;
  };
  const critical = (r: ValidationResult): boolean => r.action === 'enforce' && r.error !== undefined;

  let content: EnvelopeContent;
  try {
    content = await openEnvelope(envelopeMediaType, blob);
  } catch (err) {
    const msg = err instanceof IntegrityError ? err.message : `verification inconclusive: ${(err as Error).message}`;
    push('integrity', msg);
    return fail(`integrity: ${msg}`);
  }
  push('integrity');
  outcome.content = content;

  const plugin = content.extendedAttributes.find((a) => a.key === pluginHeader);
  if (plugin) {
    if (!plugin.critical) return fail(`${pluginHeader} is not a critical Extended attribute`);
    return fail(
      `the signature requires the verification plugin "${String(plugin.value)}"; source-controller runs no notation plugins, so Flux rejects it too (plugin unsupported)`,
    );
  }

  let authenticity: ValidationResult;
  try {
    const trusted = trustedCertificates(statement, content, cas);
    if (trusted.length === 0) {
      authenticity = push(
        'authenticity',
        `no trusted certificates are found to verify authenticity: the trust policy statement "${statement.name}" names no ${content.signingScheme === 'notary.x509' ? 'ca:' : 'signingAuthority:'} trust store`,
      );
    } else {
      const found = content.certificateChain.some((c) => trusted.some((t) => t.raw.equals(c.raw)));
      authenticity = push(
        'authenticity',
        found
          ? undefined
          : `signature is not produced by a trusted signer: no certificate of its chain (leaf "${describeCertificate(content.certificateChain[0]!)}", issued by "${content.certificateChain[0]!.issuer.split('\n').reverse().join(',')}") is among the CA certificates of the trust store; add the root CA that issued the signing certificate to the Secret (a key ending in .crt or .pem), or sign with a certificate from a trusted CA`,
      );
    }
  } catch (err) {
    authenticity = push('authenticity', (err as Error).message);
  }
  if (critical(authenticity)) return fail(`authenticity: ${authenticity.error}`);
  const idError = identityError(statement, content.certificateChain[0]!);
  if (idError) authenticity.error = idError;
  if (critical(authenticity)) return fail(`authenticity: ${authenticity.error}`);

  const expiry = push('expiry', content.expiry && now >= content.expiry ? `digital signature has expired on "${utc(content.expiry)}"` : undefined);
  if (critical(expiry)) return fail(`expiry: ${expiry.error}`);

  const timestamp = push('authenticTimestamp', authenticTimestampError(statement, content, now, cas));
  if (critical(timestamp)) return fail(`authenticTimestamp: ${timestamp.error}`);

  if (level.enforcement.revocation !== 'skip') {
    // Like notation-core-go's revocation check: every certificate but the root (the last).
    const checkable = content.certificateChain.slice(0, -1).filter(hasRevocationInfo);
    const revocation = push(
      'revocation',
      checkable.length
        ? `signing certificate with subject "${describeCertificate(checkable[0]!)}" revocation status is unknown: it names OCSP/CRL servers, which flux-oci does not query; verify with notation, or set "override": {"revocation": "skip"} or "log"`
        : undefined,
    );
    if (critical(revocation)) return fail(`revocation: ${revocation.error}`);
  }

  let target: Partial<ArtifactDescriptor> | undefined;
  try {
    target = (JSON.parse(content.payload.toString('utf8')) as { targetArtifact?: Partial<ArtifactDescriptor> }).targetArtifact;
  } catch (err) {
    return fail(`the signed payload is not JSON: ${(err as Error).message}`);
  }
  if (!target || target.digest !== artifact.digest || target.size !== artifact.size || target.mediaType !== artifact.mediaType) {
    return fail(
      `content descriptor mismatch: the signature was made for ${target?.digest ?? 'an unknown digest'} (${target?.mediaType ?? '?'}, ${target?.size ?? '?'} bytes), not for this artifact ${artifact.digest} (${artifact.mediaType}, ${artifact.size} bytes)`,
    );
  }
  return outcome;
}
