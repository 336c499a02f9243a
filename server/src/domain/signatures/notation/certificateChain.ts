/**
 * The certificate rules of the Notary Project for code signing
 * (notation-core-go x509/codesigning_cert_validations.go): a chain leaf first,
 * each certificate issued by the next, ending at a self-signed root; CAs with
 * critical basic constraints, key usage certSign and room in their path length;
 * a leaf that is not a CA, signs digitally and nothing else, carries no
 * TLS/e-mail/timestamping EKU and holds an RSA >= 2048 or P-256/384/521 key.
 * node:crypto verifies signatures; @sigstore/core reads the extensions node does not expose.
 */
import { X509Certificate as NodeCertificate } from 'node:crypto';
import { ASN1Obj, X509Certificate as SigstoreCertificate } from '@sigstore/core';
import type { SignatureAlgorithm } from './envelope';

const oid = { keyUsage: '2.5.29.15', basicConstraints: '2.5.29.19' };
const excludedEkus: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'ServerAuth',
  '1.3.6.1.5.5.7.3.2': 'ClientAuth',
  '1.3.6.1.5.5.7.3.4': 'EmailProtection',
  '1.3.6.1.5.5.7.3.8': 'Timestamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};
export const timeStampingEku = '1.3.6.1.5.5.7.3.8';
const keyUsageNames = [
  'DigitalSignature',
  'ContentCommitment',
  'KeyEncipherment',
  'DataEncipherment',
  'KeyAgreement',
  'CertSign',
  'CRLSign',
  'EncipherOnly',
  'DecipherOnly',
];

interface Parsed {
  node: NodeCertificate;
  ext: SigstoreCertificate;
}

function subjectOf(c: NodeCertificate): string {
  return c.subject.split('\n').reverse().join(',');
}

function parse(c: NodeCertificate): Parsed {
  return { node: c, ext: SigstoreCertificate.parse(c.raw as Buffer<ArrayBuffer>) };
}

function keyUsageBits(p: Parsed): number[] | undefined {
  const ext = p.ext.extension(oid.keyUsage);
  if (!ext) return undefined;
  return ASN1Obj.parseBuffer(Buffer.from(ext.value)).toBitString();
}

/**
 * Go's isIssuedBy: CheckSignatureFrom (the issuer must be a CA, and hold certSign
 * when it has a key usage) and the issuer's subject is the subject's issuer.
 */
function issuedBy(subject: NodeCertificate, issuer: Parsed): boolean {
  if (!issuer.ext.extBasicConstraints?.isCA) return false;
  const bits = keyUsageBits(issuer);
  if (bits && bits[5] !== 1) return false;
  try {
    return subject.verify(issuer.node.publicKey) && subject.issuer === issuer.node.subject;
  } catch {
    return false;
  }
}

export type ChainPurpose = 'codeSigning' | 'timestamping';

function checkCA(p: Parsed, expectedPathLen: number, purpose: ChainPurpose = 'codeSigning'): void {
  const bc = p.ext.extBasicConstraints;
  if (!bc || !bc.isCA)
    throw new Error(`certificate with subject "${subjectOf(p.node)}": ca field in basic constraints must be present, critical, and set to true`);
  const pathLen = bc.pathLenConstraint;
  if (pathLen !== undefined && Number(pathLen) < expectedPathLen) {
    throw new Error(
      `certificate with subject "${subjectOf(p.node)}": expected path length of ${expectedPathLen} but certificate has path length ${pathLen} instead`,
    );
  }
  const ku = p.ext.extension(oid.keyUsage);
  if (!ku) throw new Error(`certificate with subject "${subjectOf(p.node)}": key usage extension must be present`);
  if (!ku.critical && purpose === 'codeSigning')
    throw new Error(`certificate with subject "${subjectOf(p.node)}": key usage extension must be marked critical`);
  if (keyUsageBits(p)?.[5] !== 1)
    throw new Error(`certificate with subject "${subjectOf(p.node)}": key usage must have the bit positions for key cert sign set`);
}

function checkLeaf(p: Parsed, purpose: ChainPurpose = 'codeSigning'): void {
  const subject = subjectOf(p.node);
  const bc = p.ext.extBasicConstraints;
  if (bc?.isCA) throw new Error(`certificate with subject "${subject}": if the basic constraints extension is present, the ca field must be set to false`);
  const ku = p.ext.extension(oid.keyUsage);
  if (!ku) throw new Error(`certificate with subject "${subject}": key usage extension must be present`);
  if (!ku.critical && purpose === 'codeSigning') throw new Error(`certificate with subject "${subject}": key usage extension must be marked critical`);
  const bits = keyUsageBits(p) ?? [];
  if (bits[0] !== 1)
    throw new Error(`the certificate with subject "${subject}" is invalid. The key usage must have the bit positions for "Digital Signature" set`);
  const extra = [2, 3, 4, 5, 6, 7, 8].filter((i) => bits[i] === 1).map((i) => `"${keyUsageNames[i]}"`);
  if (extra.length)
    throw new Error(`the certificate with subject "${subject}" is invalid. The key usage must be "Digital Signature" only, but found ${extra.join(', ')}`);
  if (purpose === 'timestamping') {
    const ekus = p.node.keyUsage ?? [];
    if (ekus.length !== 1 || ekus[0] !== timeStampingEku)
      throw new Error(`timestamp signing certificate with subject "${subject}" must have and only have Timestamping as extended key usage`);
    if (!p.ext.extension('2.5.29.37')?.critical)
      throw new Error(`timestamp signing certificate with subject "${subject}" must have extended key usage extension marked as critical`);
  } else {
    for (const eku of p.node.keyUsage ?? []) {
      if (excludedEkus[eku]) throw new Error(`certificate with subject "${subject}": extended key usage must not contain ${excludedEkus[eku]} eku`);
    }
  }
  signatureAlgorithmOfKey(p.node);
}

/** RSA 2048/3072/4096 → PS256/384/512, EC P-256/384/521 → ES256/384/512 (notation-core-go ExtractKeySpec). */
export function signatureAlgorithmOfKey(cert: NodeCertificate): SignatureAlgorithm {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    switch (details.modulusLength) {
      case 2048:
        return 'PS256';
      case 3072:
        return 'PS384';
      case 4096:
        return 'PS512';
    }
    throw new Error(`certificate with subject "${subjectOf(cert)}": rsa key size ${details.modulusLength} bits is not supported (2048, 3072 or 4096)`);
  }
  if (key.asymmetricKeyType === 'ec') {
    switch (details.namedCurve) {
      case 'prime256v1':
        return 'ES256';
      case 'secp384r1':
        return 'ES384';
      case 'secp521r1':
        return 'ES512';
    }
    throw new Error(`certificate with subject "${subjectOf(cert)}": ec key curve ${details.namedCurve} is not supported (P-256, P-384 or P-521)`);
  }
  throw new Error(`certificate with subject "${subjectOf(cert)}": ${key.asymmetricKeyType} keys are not supported (RSA or ECDSA)`);
}

/**
 * ValidateCodeSigningCertChain(chain, nil) (or ValidateTimestampingCertChain for a TSA's chain):
 * structure only, no clock.
 */
export function validateCodeSigningChain(chain: NodeCertificate[], purpose: ChainPurpose = 'codeSigning'): void {
  if (chain.length < 1) throw new Error('certificate chain must contain at least one certificate');
  const parsed = chain.map(parse);
  if (chain.length === 1) {
    const cert = chain[0]!;
    let selfSigned = false;
    try {
      selfSigned = cert.verify(cert.publicKey);
    } catch {
      selfSigned = false;
    }
    if (!selfSigned) throw new Error(`invalid self-signed certificate. subject: "${subjectOf(cert)}". Error: its signature does not verify with its own key`);
    if (cert.issuer !== cert.subject)
      throw new Error(`invalid self-signed certificate. subject: "${subjectOf(cert)}". Error: issuer and subject are not the same`);
    try {
      checkLeaf(parsed[0]!, purpose);
    } catch (err) {
      throw new Error(`invalid self-signed certificate. Error: ${(err as Error).message}`);
    }
    return;
  }
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i]!;
    if (i === chain.length - 1) {
      if (!issuedBy(cert, parsed[i]!)) {
        throw new Error(
          `root certificate with subject "${subjectOf(cert)}" is not self-signed. Certificate chain must end with a valid self-signed root certificate`,
        );
      }
    } else {
      if (issuedBy(cert, parsed[i]!)) {
        const which = i === 0 ? 'leaf' : 'intermediate';
        throw new Error(
          `${which} certificate with subject "${subjectOf(cert)}" is self-signed. Certificate chain must not contain self-signed ${which} certificate`,
        );
      }
      const parent = chain[i + 1]!;
      if (!issuedBy(cert, parsed[i + 1]!)) {
        throw new Error(`certificate with subject "${subjectOf(cert)}" is not issued by "${subjectOf(parent)}"`);
      }
    }
    if (i === 0) checkLeaf(parsed[i]!, purpose);
    else checkCA(parsed[i]!, i - 1, purpose);
  }
}

export function describeCertificate(cert: NodeCertificate): string {
  return subjectOf(cert);
}
