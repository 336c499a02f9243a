/**
 * What a Notary signature envelope says once parsed, whatever its format
 * (notation-core-go's signature.EnvelopeContent), and the envelope-independent
 * integrity checks notation-core-go runs after the signature itself checks out.
 */
import type { X509Certificate } from 'node:crypto';
import { parseJwsEnvelope } from './jwsEnvelope';
import { parseCoseEnvelope } from './coseEnvelope';
import { validateCodeSigningChain, signatureAlgorithmOfKey } from './certificateChain';

export const NotationMediaType = {
  signatureArtifact: 'application/vnd.cncf.notary.signature',
  jws: 'application/jose+json',
  cose: 'application/cose',
  payload: 'application/vnd.cncf.notary.payload.v1+json',
} as const;

export type SigningScheme = 'notary.x509' | 'notary.x509.signingAuthority';
export type SignatureAlgorithm = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

export interface ExtendedAttribute {
  key: string | number;
  critical: boolean;
  value: unknown;
}

export interface EnvelopeContent {
  envelope: 'jws' | 'cose';
  payload: Buffer;
  payloadContentType: string;
  signingScheme: SigningScheme;
  /** notary.x509: the claimed signing time; signingAuthority: the authentic signing time. */
  signingTime: Date;
  expiry?: Date;
  algorithm: SignatureAlgorithm;
  /** Leaf first. */
  certificateChain: X509Certificate[];
  extendedAttributes: ExtendedAttribute[];
  /** The signature bytes (what an RFC 3161 countersignature timestamps). */
  signature: Buffer;
  /** RFC 3161 countersignature, when the signer asked a TSA. */
  timestampSignature?: Buffer;
  signingAgent?: string;
}

/** An integrity failure: the envelope is malformed or its signature does not check out. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/**
 * Parses the envelope, checks its signature with the leaf certificate's key and
 * the rules notation-core-go applies to every envelope (times, scheme, a
 * code-signing chain that ends at a self-signed root, the leaf's key matching
 * the algorithm, the payload content type). Throws IntegrityError.
 */
export async function openEnvelope(mediaType: string, blob: Buffer): Promise<EnvelopeContent> {
  let content: EnvelopeContent;
  if (mediaType === NotationMediaType.jws) content = await parseJwsEnvelope(blob);
  else if (mediaType === NotationMediaType.cose) content = parseCoseEnvelope(blob);
  else
    throw new IntegrityError(
      `unable to parse the digital signature, error : signature envelope format with media type "${mediaType}" is not supported (notation signs as ${NotationMediaType.jws} or ${NotationMediaType.cose})`,
    );
  if (content.payload.length === 0) throw new IntegrityError('the signature payload is empty');
  if (Number.isNaN(content.signingTime.getTime())) throw new IntegrityError('signing-time not present');
  if (content.expiry && content.expiry.getTime() <= content.signingTime.getTime())
    throw new IntegrityError('expiry cannot be equal or before the signing time');
  try {
    validateCodeSigningChain(content.certificateChain);
  } catch (err) {
    throw new IntegrityError(`certificate-chain is invalid, ${(err as Error).message}`);
  }
  const leafAlg = signatureAlgorithmOfKey(content.certificateChain[0]!);
  if (leafAlg !== content.algorithm) {
    throw new IntegrityError(
      `mismatch between signature algorithm derived from signing certificate (${leafAlg}) and signing algorithm specified (${content.algorithm})`,
    );
  }
  if (content.payloadContentType !== NotationMediaType.payload) {
    throw new IntegrityError(`payload content type "${content.payloadContentType}" not supported`);
  }
  return content;
}
