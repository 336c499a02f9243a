/**
 * RFC 3161 timestamp countersignatures of Notary signatures, checked as
 * notation-go v1.3.2 does with tspclient-go: the token is CMS SignedData over a
 * TSTInfo whose message imprint is the hash of the envelope's signature; its
 * signer (found by the ESS signingCertificateV2 hash) must chain, at the
 * timestamp's time, to a certificate of the trust store's `tsa:` stores, sign
 * the signed attributes (content type TSTInfo, message digest of the TSTInfo),
 * carry only the critical timeStamping EKU and pass the timestamping chain
 * rules. The result is the time ± accuracy. @sigstore/core's ASN.1 reader does
 * the DER; node:crypto checks the signatures.
 */
import { createHash, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { ASN1Obj } from '@sigstore/core';
import { describeCertificate, validateCodeSigningChain } from './certificateChain';

const oid = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  baselinePolicy: '0.4.0.2023.1.1',
};
const hashes: Record<string, string> = { '2.16.840.1.101.3.4.2.1': 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512' };

export interface VerifiedTimestamp {
  time: Date;
  accuracyMs: number;
  /** The TSA's chain, signer first. */
  chain: X509Certificate[];
}

function parse(der: Buffer): ASN1Obj {
  return ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>);
}

function hashOf(algorithm: ASN1Obj | undefined, what: string): string {
  const id = algorithm?.subs[0]?.toOID() ?? '';
  const h = hashes[id];
  if (!h) throw new Error(`unsupported ${what} hash algorithm ${id || '(missing)'}`);
  return h;
}

function attribute(signedAttrs: ASN1Obj, id: string): ASN1Obj | undefined {
  return signedAttrs.subs.find((a) => a.subs[0]?.toOID() === id)?.subs[1]?.subs[0];
}

/** Builds signer → … → a trusted certificate with the token's certificates, each valid at `at`. */
function chainOf(signer: X509Certificate, pool: X509Certificate[], roots: X509Certificate[], at: Date): X509Certificate[] {
  const chain = [signer];
  for (let depth = 0; depth < 10; depth++) {
    const current = chain[chain.length - 1]!;
    if (at < current.validFromDate || at > current.validToDate)
      throw new Error(`x509: certificate "${describeCertificate(current)}" was not valid at the timestamp's time ${at.toISOString()}`);
    if (roots.some((r) => r.raw.equals(current.raw))) return chain;
    const issuer = [...roots, ...pool].find((c) => !c.raw.equals(current.raw) && current.checkIssued(c) && current.verify(c.publicKey));
    if (!issuer)
      throw new Error(
        `x509: certificate signed by unknown authority (the TSA certificate "${describeCertificate(current)}" does not chain to a certificate of the trust policy's tsa: store; add the TSA's root certificate to the Secret)`,
      );
    chain.push(issuer);
  }
  throw new Error('x509: the TSA certificate chain is too long');
}

/** Throws with notation's reasons; `signature` is the envelope's signature bytes. */
export function verifyTimestampToken(token: Buffer, signature: Buffer, tsaRoots: X509Certificate[]): VerifiedTimestamp {
  let contentInfo: ASN1Obj;
  try {
    contentInfo = parse(token);
  } catch (err) {
    throw new Error(`failed to parse timestamp countersignature with error: ${(err as Error).message}`);
  }
  if (contentInfo.subs[0]?.toOID() !== oid.signedData) throw new Error('failed to parse timestamp countersignature with error: not a CMS SignedData');
  const signedData = contentInfo.subs[1]?.subs[0];
  if (!signedData) throw new Error('failed to parse timestamp countersignature with error: no SignedData content');
  const [, , encap, ...rest] = signedData.subs;
  if (encap?.subs[0]?.toOID() !== oid.tstInfo)
    throw new Error('failed to parse timestamp countersignature with error: unexpected content type, expected id-ct-TSTInfo');
  const eContentOctets = encap.subs[1]?.subs[0];
  if (!eContentOctets) throw new Error('failed to parse timestamp countersignature with error: no TSTInfo');
  const content = eContentOctets.value;
  const certsObj = rest.find((o) => o.tag.isContextSpecific(0));
  const certificates = (certsObj?.subs ?? []).map((c) => new X509Certificate(c.toDER()));
  const signerInfos = rest[rest.length - 1];
  if (!signerInfos || signerInfos.subs.length === 0) throw new Error('failed to verify the timestamp countersignature with error: signerInfo not found');

  // TSTInfo: version, policy, messageImprint, serialNumber, genTime, accuracy?, ...
  const tst = parse(Buffer.from(content));
  if (tst.subs[0]?.toInteger() !== 1n)
    throw new Error('failed to get timestamp from timestamp countersignature with error: timestamp token info version must be 1');
  const policy = tst.subs[1]?.toOID();
  const imprint = tst.subs[2];
  const imprintHash = hashOf(imprint?.subs[0], 'message imprint');
  if (!createHash(imprintHash).update(signature).digest().equals(imprint!.subs[1]!.value)) {
    throw new Error(
      'failed to get timestamp from timestamp countersignature with error: mismatched message (the countersignature timestamps another signature)',
    );
  }
  const genTime = tst.subs[4]!.toDate();
  let accuracyMs = 0;
  const accuracy = tst.subs.slice(5).find((o) => !o.tag.isContextSpecific() && o.tag.constructed && !o.tag.isInteger());
  if (accuracy) {
    for (const part of accuracy.subs) {
      const n = Number(BigInt('0x' + (part.value.toString('hex') || '0')));
      if (part.tag.isContextSpecific(0)) accuracyMs += n;
      else if (part.tag.isContextSpecific(1)) accuracyMs += n / 1000;
      else accuracyMs += n * 1000;
    }
  }
  if (accuracyMs === 0 && policy === oid.baselinePolicy) accuracyMs = 1000;

  let lastError = '';
  for (const signerInfo of signerInfos.subs) {
    try {
      if (signerInfo.subs[0]?.toInteger() !== 1n) throw new Error(`invalid signer info version: only version 1 is supported`);
      const signedAttrs = signerInfo.subs.find((o) => o.tag.isContextSpecific(0));
      if (!signedAttrs) throw new Error('missing signed attributes');
      const digestAlg = signerInfo.subs[2];
      const after = signerInfo.subs.indexOf(signedAttrs);
      const signatureValue = signerInfo.subs[after + 2]?.value;
      if (!signatureValue) throw new Error('missing signature');
      // The signing certificate named by ESS signingCertificateV2 (its hash, SHA-256 unless said otherwise).
      const scv2 = attribute(signedAttrs, oid.signingCertificateV2);
      const essCert = scv2?.subs[0]?.subs[0];
      if (!essCert) throw new Error('failed to get SigningCertificateV2 from signed attributes');
      const hasAlg = essCert.subs[0] && !essCert.subs[0].tag.isOctetString();
      const certHashAlg = hasAlg ? hashOf(essCert.subs[0], 'signing certificate') : 'sha256';
      const certHash = essCert.subs[hasAlg ? 1 : 0]!.value;
      const signer = certificates.find((c) => createHash(certHashAlg).update(c.raw).digest().equals(certHash));
      if (!signer) throw new Error('signing certificate not found in the timestamp token');
      const chain = chainOf(signer, certificates, tsaRoots, genTime);
      const attrsDer = signedAttrs.toDER();
      attrsDer[0] = 0x31; // [0] IMPLICIT → SET OF, as signed
      const digest = hashOf(digestAlg, 'digest');
      if (!cryptoVerify(digest, attrsDer, signer.publicKey, signatureValue))
        throw new Error('cms verification failure: signature does not match the signed attributes');
      if (attribute(signedAttrs, oid.contentType)?.toOID() !== oid.tstInfo) throw new Error('mismatch content type in signer info');
      const md = attribute(signedAttrs, oid.messageDigest)?.value;
      if (!md || !createHash(digest).update(content).digest().equals(md)) throw new Error('mismatch message digest');
      validateCodeSigningChain(chain, 'timestamping');
      return { time: genTime, accuracyMs, chain };
    } catch (err) {
      lastError = (err as Error).message;
    }
  }
  throw new Error(`failed to verify the timestamp countersignature with error: ${lastError}`);
}
