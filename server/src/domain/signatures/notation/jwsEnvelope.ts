/**
 * Notary JWS envelopes (`application/jose+json`): a flattened JWS JSON object
 * whose protected header carries the Notary attributes (`io.cncf.notary.*`,
 * marked critical) and whose unprotected header carries the chain (`x5c`,
 * standard base64 DER, leaf first). The signature is checked by jose with the
 * leaf certificate's key; the header rules follow notation-core-go's jws package.
 */
import { X509Certificate } from 'node:crypto';
import { flattenedVerify } from 'jose';
import { IntegrityError, type EnvelopeContent, type ExtendedAttribute, type SignatureAlgorithm } from './envelope';
import { signatureAlgorithms } from './signatureAlgorithms';

const headerKeys = [
  'alg',
  'cty',
  'crit',
  'io.cncf.notary.expiry',
  'io.cncf.notary.signingTime',
  'io.cncf.notary.signingScheme',
  'io.cncf.notary.authenticSigningTime',
];
const algorithms = Object.keys(signatureAlgorithms) as SignatureAlgorithm[];

interface JwsJson {
  payload?: unknown;
  protected?: unknown;
  header?: { x5c?: unknown; 'io.cncf.notary.timestampSignature'?: unknown; 'io.cncf.notary.signingAgent'?: unknown };
  signature?: unknown;
}

function time(value: unknown, name: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const d = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new IntegrityError(`jws envelope protected header can't be decoded: ${name} is not an RFC 3339 time`);
  return d;
}

export async function parseJwsEnvelope(blob: Buffer): Promise<EnvelopeContent> {
  let env: JwsJson;
  try {
    env = JSON.parse(blob.toString('utf8')) as JwsJson;
  } catch (err) {
    throw new IntegrityError(`unable to parse the digital signature, error : ${(err as Error).message}`);
  }
  if (typeof env !== 'object' || env === null || typeof env.protected !== 'string' || typeof env.payload !== 'string' || typeof env.signature !== 'string') {
    throw new IntegrityError('unable to parse the digital signature, error : not a flattened JWS JSON envelope (protected, payload, header, signature)');
  }
  const x5c = Array.isArray(env.header?.x5c) ? env.header.x5c : [];
  if (x5c.length === 0) throw new IntegrityError('certificate chain is not present');
  let chain: X509Certificate[];
  try {
    chain = x5c.map((c) => {
      if (typeof c !== 'string') throw new Error('not base64');
      return new X509Certificate(Buffer.from(c, 'base64'));
    });
  } catch {
    throw new IntegrityError('malformed leaf certificate');
  }

  let protectedHeader: Record<string, unknown>;
  try {
    protectedHeader = JSON.parse(Buffer.from(env.protected, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof protectedHeader !== 'object' || protectedHeader === null || Array.isArray(protectedHeader)) throw new Error('not a JSON object');
  } catch (err) {
    throw new IntegrityError(`jws envelope protected header can't be decoded: ${(err as Error).message}`);
  }
  const crit = Array.isArray(protectedHeader['crit']) ? protectedHeader['crit'].filter((c): c is string => typeof c === 'string') : [];

  // The signature first, as notation-core-go does (verifyJWT before Content()).
  const leaf = chain[0]!;
  const alg = protectedHeader['alg'];
  try {
    // jose refuses critical headers it was not told about; every name the header lists and carries is "understood" here,
    // because notation checks them itself below.
    const understood = Object.fromEntries(crit.filter((c) => c in protectedHeader).map((c) => [c, true]));
    await flattenedVerify(
      { protected: env.protected, payload: env.payload, signature: env.signature, ...(env.header ? { header: env.header as Record<string, unknown> } : {}) },
      leaf.publicKey,
      { algorithms, crit: understood },
    );
  } catch (err) {
    throw new IntegrityError(`signature is invalid. Error: ${(err as Error).message} (alg ${String(alg)})`);
  }
  return contentOf(env, protectedHeader, crit, chain);
}

function contentOf(env: JwsJson, protectedHeader: Record<string, unknown>, crit: string[], chain: X509Certificate[]): EnvelopeContent {
  const scheme = protectedHeader['io.cncf.notary.signingScheme'];
  const signingTime = time(protectedHeader['io.cncf.notary.signingTime'], 'io.cncf.notary.signingTime');
  const authenticSigningTime = time(protectedHeader['io.cncf.notary.authenticSigningTime'], 'io.cncf.notary.authenticSigningTime');
  const expiry = time(protectedHeader['io.cncf.notary.expiry'], 'io.cncf.notary.expiry');
  if (scheme === 'notary.x509') {
    if (authenticSigningTime) throw new IntegrityError('"io.cncf.notary.authenticSigningTime" header must not be present for notary.x509 signing scheme');
  } else if (scheme === 'notary.x509.signingAuthority') {
    if (signingTime) throw new IntegrityError('"io.cncf.notary.signingTime" header must not be present for notary.x509.signingAuthority signing scheme');
    if (!authenticSigningTime)
      throw new IntegrityError('"io.cncf.notary.authenticSigningTime" header must be present for notary.x509.signingAuthority signing scheme');
  } else {
    throw new IntegrityError(`unsupported SigningScheme: \`${String(scheme ?? '')}\``);
  }
  if (crit.length === 0) throw new IntegrityError('missing "crit" header');
  const extended = Object.fromEntries(Object.entries(protectedHeader).filter(([k]) => !headerKeys.includes(k)));
  const mustBeCritical = new Set(['io.cncf.notary.signingScheme']);
  if (expiry) mustBeCritical.add('io.cncf.notary.expiry');
  if (scheme === 'notary.x509.signingAuthority') mustBeCritical.add('io.cncf.notary.authenticSigningTime');
  for (const c of crit) {
    if (mustBeCritical.has(c)) mustBeCritical.delete(c);
    else if (!(c in extended)) throw new IntegrityError(`"${c}" header is marked critical but not present`);
  }
  if (mustBeCritical.size) throw new IntegrityError(`these required headers are not marked as critical: ${[...mustBeCritical].join(', ')}`);
  const alg = protectedHeader['alg'];
  if (typeof alg !== 'string' || !algorithms.includes(alg as SignatureAlgorithm))
    throw new IntegrityError(`signature algorithm "${String(alg)}" is not supported`);
  const extendedAttributes: ExtendedAttribute[] = Object.entries(extended).map(([key, value]) => ({ key, value, critical: crit.includes(key) }));
  const ts = env.header?.['io.cncf.notary.timestampSignature'];
  const agent = env.header?.['io.cncf.notary.signingAgent'];
  return {
    envelope: 'jws',
    payload: Buffer.from(env.payload as string, 'base64url'),
    payloadContentType: typeof protectedHeader['cty'] === 'string' ? protectedHeader['cty'] : '',
    signingScheme: scheme as 'notary.x509' | 'notary.x509.signingAuthority',
    signingTime: (scheme === 'notary.x509' ? signingTime : authenticSigningTime) ?? new Date(NaN),
    ...(expiry ? { expiry } : {}),
    algorithm: alg as SignatureAlgorithm,
    certificateChain: chain,
    signature: Buffer.from(env.signature as string, 'base64url'),
    extendedAttributes,
    ...(typeof ts === 'string' && ts ? { timestampSignature: Buffer.from(ts, 'base64') } : {}),
    ...(typeof agent === 'string' ? { signingAgent: agent } : {}),
  };
}
