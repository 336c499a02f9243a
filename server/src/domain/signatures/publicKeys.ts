/**
 * PEM public keys from a `verify.secretRef` Secret's `*.pub` entries or key
 * files. Like source-controller, one unparsable key aborts the whole
 * verification (it is not skipped), so a typo cannot silently weaken the policy.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SignatureError, type PublicKeyEntry } from './types';

export interface ParsedPublicKey {
  name: string;
  key: KeyObject;
}

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/;

export function parsePublicKey(entry: PublicKeyEntry): ParsedPublicKey {
  const block = pemBlock.exec(entry.pem);
  if (!block) {
    throw new SignatureError(
      `public key ${entry.name} is not PEM (no "-----BEGIN PUBLIC KEY-----" block); fix or remove it: one unreadable key makes Flux fail every verification`,
    );
  }
  if (block[1] !== 'PUBLIC KEY') {
    throw new SignatureError(
      `public key ${entry.name} holds a "${block[1]}" PEM block, not "PUBLIC KEY"; use the cosign.pub written by cosign generate-key-pair`,
    );
  }
  try {
    return { name: entry.name, key: createPublicKey({ key: block[0], format: 'pem' }) };
  } catch (err) {
    throw new SignatureError(
      `public key ${entry.name} cannot be read (${(err as Error).message}); fix or remove it: one unreadable key makes Flux fail every verification`,
    );
  }
}

export function parsePublicKeys(entries: readonly PublicKeyEntry[]): ParsedPublicKey[] {
  return entries.map(parsePublicKey);
}

/** Secret entries Flux reads as keys: every key name ending in `.pub`. */
export function publicKeysOfSecret(data: Record<string, string>): PublicKeyEntry[] {
  return Object.keys(data)
    .filter((k) => k.endsWith('.pub'))
    .sort()
    .map((k) => ({ name: k, pem: data[k]! }));
}
