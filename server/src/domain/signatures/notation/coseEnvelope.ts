/**
 * Notary COSE envelopes (`application/cose`): a tagged COSE_Sign1 (RFC 9052)
 * whose protected header holds alg, crit, content type and the Notary
 * attributes (times as CBOR tag 1), and whose unprotected header holds the
 * chain (x5chain, label 33, leaf first). No maintained COSE library fits, so
 * cbor2 decodes and node:crypto checks the signature over the Sig_structure;
 * the header rules follow notation-core-go's cose package.
 */
import { X509Certificate, verify as cryptoVerify, constants } from 'node:crypto';
import { decode, encode, Tag } from 'cbor2';
import { IntegrityError, type EnvelopeContent, type ExtendedAttribute, type SignatureAlgorithm, type SigningScheme } from './envelope';
import { signatureAlgorithms } from './signatureAlgorithms';

const label = { alg: 1, crit: 2, contentType: 3, x5chain: 33 } as const;
const algorithmsById = new Map<number, SignatureAlgorithm>(Object.entries(signatureAlgorithms).map(([name, a]) => [a.coseId, name as SignatureAlgorithm]));
const systemHeaders: Array<string | number> = [
  label.alg,
  label.crit,
  label.contentType,
  'io.cncf.notary.expiry',
  'io.cncf.notary.signingScheme',
  'io.cncf.notary.signingTime',
  'io.cncf.notary.authenticSigningTime',
];

function bytes(v: unknown): Buffer | undefined {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : undefined;
}

function asMap(v: unknown): Map<unknown, unknown> | undefined {
  if (v instanceof Map) return v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Tag)) return new Map(Object.entries(v));
  return undefined;
}

function timeAt(map: Map<unknown, unknown>, key: string): Date | undefined {
  if (!map.has(key)) return undefined;
  const v = map.get(key);
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v;
  throw new IntegrityError(`invalid ${key === 'io.cncf.notary.expiry' ? 'expiry' : 'signingTime'}: header ${key} is not a CBOR tag 1 (epoch) time`);
}

export function parseCoseEnvelope(blob: Buffer): EnvelopeContent {
  let outer: unknown;
  try {
    outer = decode(blob, { preferMap: true });
  } catch (err) {
    throw new IntegrityError(`unable to parse the digital signature, error : ${(err as Error).message}`);
  }
  if (!(outer instanceof Tag) || Number(outer.tag) !== 18 || !Array.isArray(outer.contents) || outer.contents.length !== 4) {
    throw new IntegrityError('unable to parse the digital signature, error : not a tagged COSE_Sign1 message');
  }
  const [rawProtected, unprotectedValue, payloadValue, signatureValue] = outer.contents as unknown[];
  const protectedBytes = bytes(rawProtected);
  const unprotected = asMap(unprotectedValue);
  const payload = bytes(payloadValue);
  const signature = bytes(signatureValue);
  if (!protectedBytes || !unprotected || !payload || !signature)
    throw new IntegrityError('unable to parse the digital signature, error : malformed COSE_Sign1 (protected, unprotected, payload, signature)');
  let protectedMap: Map<unknown, unknown>;
  try {
    protectedMap = protectedBytes.length === 0 ? new Map() : (asMap(decode(protectedBytes, { preferMap: true })) ?? new Map());
  } catch (err) {
    throw new IntegrityError(`unable to parse the digital signature, error : protected header: ${(err as Error).message}`);
  }

  const x5 = unprotected.get(label.x5chain);
  const certs = Array.isArray(x5) ? x5 : [];
  if (certs.length === 0) throw new IntegrityError('certificate chain is not present');
  let chain: X509Certificate[];
  try {
    chain = certs.map((c) => {
      const b = bytes(c);
      if (!b) throw new Error('not bytes');
      return new X509Certificate(b);
    });
  } catch {
    throw new IntegrityError('malformed leaf certificate');
  }

  const algId = protectedMap.get(label.alg);
  const algorithm = typeof algId === 'number' ? algorithmsById.get(algId) : undefined;
  if (!algorithm) throw new IntegrityError(`signature algorithm not supported: ${String(algId)}`);
  // Sig_structure = ["Signature1", body_protected, external_aad = h'', payload]
  const toBeSigned = encode(['Signature1', new Uint8Array(protectedBytes), new Uint8Array(0), new Uint8Array(payload)]);
  const leaf = chain[0]!;
  const { hash, size } = signatureAlgorithms[algorithm];
  let ok = false;
  try {
    ok = algorithm.startsWith('PS')
      ? cryptoVerify(hash, toBeSigned, { key: leaf.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: size }, signature)
      : cryptoVerify(hash, toBeSigned, { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch (err) {
    throw new IntegrityError(`signature is invalid. Error: ${(err as Error).message}`);
  }
  if (!ok)
    throw new IntegrityError(
      "signature is invalid. Error: verification error (the COSE signature does not match the signed content and the leaf certificate's key)",
    );

  // Content(): header rules.
  const critValue = protectedMap.get(label.crit);
  if (!Array.isArray(critValue)) throw new IntegrityError('invalid critical headers');
  const crit = critValue as unknown[];
  const scheme = protectedMap.get('io.cncf.notary.signingScheme');
  if (typeof scheme !== 'string') throw new IntegrityError('invalid signingScheme');
  const mustBeCritical = new Set<unknown>(['io.cncf.notary.signingScheme']);
  if (scheme === 'notary.x509.signingAuthority') mustBeCritical.add('io.cncf.notary.authenticSigningTime');
  if (protectedMap.has('io.cncf.notary.expiry')) mustBeCritical.add('io.cncf.notary.expiry');
  for (const c of crit) mustBeCritical.delete(c);
  if (mustBeCritical.size) throw new IntegrityError(`these required headers are not marked as critical: ${[...mustBeCritical].join(', ')}`);
  const cty = protectedMap.get(label.contentType);
  if (typeof cty !== 'string') throw new IntegrityError('missing content type');
  if (scheme !== 'notary.x509' && scheme !== 'notary.x509.signingAuthority') throw new IntegrityError(`unsupported signingScheme: ${scheme}`);
  const signingTime = timeAt(protectedMap, scheme === 'notary.x509' ? 'io.cncf.notary.signingTime' : 'io.cncf.notary.authenticSigningTime');
  if (!signingTime) throw new IntegrityError('invalid signingTime: header is missing');
  const expiry = timeAt(protectedMap, 'io.cncf.notary.expiry');
  const extendedAttributes: ExtendedAttribute[] = [];
  for (const [key, value] of protectedMap) {
    if (systemHeaders.includes(key as string | number)) continue;
    if (typeof key !== 'string' && typeof key !== 'number') continue;
    extendedAttributes.push({ key, value, critical: crit.includes(key) });
  }
  const ts = bytes(unprotected.get('io.cncf.notary.timestampSignature'));
  const agent = unprotected.get('io.cncf.notary.signingAgent');
  return {
    envelope: 'cose',
    payload,
    payloadContentType: cty,
    signingScheme: scheme as SigningScheme,
    signingTime,
    ...(expiry ? { expiry } : {}),
    algorithm,
    certificateChain: chain,
    signature,
    extendedAttributes,
    ...(ts && ts.length ? { timestampSignature: ts } : {}),
    ...(typeof agent === 'string' ? { signingAgent: agent } : {}),
  };
}
