/**
 * cosign's encrypted private keys (`cosign generate-key-pair`): a PEM block
 * "ENCRYPTED SIGSTORE PRIVATE KEY" (or "ENCRYPTED COSIGN PRIVATE KEY") whose
 * body is go-securesystemslib's JSON: scrypt-derived key, NaCl secretbox
 * (XSalsa20-Poly1305) around a PKCS#8 DER private key. scrypt comes from
 * node:crypto; secretbox from @noble/ciphers (audited, no dependencies) since
 * node has no XSalsa20.
 */
import { createPrivateKey, scrypt as scryptCb, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { secretbox } from '@noble/ciphers/salsa.js';
import { SignatureError } from './types';

const scrypt = promisify(scryptCb) as (
  password: Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

interface EncryptedKeyJson {
  kdf?: { name?: string; params?: { N?: number; r?: number; p?: number }; salt?: string };
  cipher?: { name?: string; nonce?: string };
  ciphertext?: string;
}

// The parameter sets go-securesystemslib writes; anything else is refused like cosign does.
const allowedScrypt = new Set(['32768/8/1', '65536/8/1', '131072/8/1']);

const pemRe = /-----BEGIN ([A-Z0-9 ]+)-----\s*([\s\S]*?)-----END \1-----/;

/** Decrypts a cosign key file's text; plain PKCS#8 / EC / RSA private key PEM also works. */
export async function loadCosignPrivateKey(pemText: string, password: string, origin: string): Promise<KeyObject> {
  const block = pemRe.exec(pemText);
  if (!block) throw new SignatureError(`${origin} is not a PEM private key; give the cosign.key written by cosign generate-key-pair`);
  const type = block[1]!;
  if (type === 'PRIVATE KEY' || type === 'EC PRIVATE KEY' || type === 'RSA PRIVATE KEY') {
    try {
      return createPrivateKey(block[0]);
    } catch (err) {
      throw new SignatureError(`${origin} cannot be read (${(err as Error).message})`);
    }
  }
  if (type !== 'ENCRYPTED SIGSTORE PRIVATE KEY' && type !== 'ENCRYPTED COSIGN PRIVATE KEY') {
    throw new SignatureError(`${origin} holds a "${type}" PEM block; cosign keys are "ENCRYPTED SIGSTORE PRIVATE KEY"`);
  }
  let json: EncryptedKeyJson;
  try {
    json = JSON.parse(Buffer.from(block[2]!.replace(/\s+/g, ''), 'base64').toString('utf8')) as EncryptedKeyJson;
  } catch {
    throw new SignatureError(`${origin} is damaged: its PEM body is not cosign's encrypted-key JSON`);
  }
  const p = json.kdf?.params;
  if (json.kdf?.name !== 'scrypt' || json.cipher?.name !== 'nacl/secretbox' || !p || !allowedScrypt.has(`${p.N}/${p.r}/${p.p}`)) {
    throw new SignatureError(`${origin} uses an encryption cosign does not write (kdf ${json.kdf?.name}, cipher ${json.cipher?.name})`);
  }
  const salt = Buffer.from(json.kdf.salt ?? '', 'base64');
  const nonce = Buffer.from(json.cipher.nonce ?? '', 'base64');
  const ciphertext = Buffer.from(json.ciphertext ?? '', 'base64');
  if (nonce.length !== 24) throw new SignatureError(`${origin} is damaged: the secretbox nonce is ${nonce.length} bytes, not 24`);
  const boxKey = await scrypt(Buffer.from(password, 'utf8'), salt, 32, { N: p.N!, r: p.r!, p: p.p!, maxmem: 256 * p.N! * p.r! + 1024 * 1024 });
  let der: Uint8Array;
  try {
    der = secretbox(boxKey, nonce).open(ciphertext);
  } catch {
    throw new SignatureError(`cannot decrypt ${origin}: wrong password (set COSIGN_PASSWORD to the password given to cosign generate-key-pair)`);
  }
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new SignatureError(`${origin} decrypted but does not hold a PKCS#8 private key (${(err as Error).message})`);
  }
}
