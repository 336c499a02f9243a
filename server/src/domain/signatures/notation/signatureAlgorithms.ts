// Its own module: envelope.ts imports the JWS and COSE readers, which need this table at load time.
import type { SignatureAlgorithm } from './envelope';

/** What each algorithm hashes with (and that digest's size) and its COSE id (RFC 9053), as Notation's envelope specs list them. */
export const signatureAlgorithms: Record<SignatureAlgorithm, { hash: 'sha256' | 'sha384' | 'sha512'; size: number; coseId: number }> = {
  PS256: { hash: 'sha256', size: 32, coseId: -37 },
  PS384: { hash: 'sha384', size: 48, coseId: -38 },
  PS512: { hash: 'sha512', size: 64, coseId: -39 },
  ES256: { hash: 'sha256', size: 32, coseId: -7 },
  ES384: { hash: 'sha384', size: 48, coseId: -35 },
  ES512: { hash: 'sha512', size: 64, coseId: -36 },
};
