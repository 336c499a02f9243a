/**
 * The trust store source-controller builds from the `verify.secretRef` Secret:
 * every `*.crt` / `*.pem` entry, all in one store that answers for any
 * `ca:`, `signingAuthority:` or `tsa:` name in the trust policy. Like its Go
 * code, each entry is read as its FIRST PEM block (or as DER when it is not
 * PEM), so a bundle of several PEM certificates in one key trusts only the first.
 */
import { X509Certificate } from 'node:crypto';

export interface CaEntry {
  /** Secret key or file path, for messages. */
  name: string;
  data: Buffer | string;
}

/** True for the Secret keys Flux reads as CA certificates. */
export function isCaKey(key: string): boolean {
  return key.endsWith('.crt') || key.endsWith('.pem');
}

function firstPemBlock(text: string): Buffer | undefined {
  const m = /-----BEGIN ([^-\n]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  return m ? Buffer.from(m[2]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64') : undefined;
}

/**
 * The certificates, or an error worded like Flux's ("failed to parse
 * certificate '<store>'") naming the entry; the verifier turns it into an
 * authenticity failure, as notation-go does.
 */
export function loadTrustStore(entries: CaEntry[], storeName: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const entry of entries) {
    const raw = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data;
    const der = firstPemBlock(raw.toString('latin1')) ?? raw;
    try {
      out.push(new X509Certificate(der));
    } catch (err) {
      throw new Error(`failed to parse certificate '${storeName}' (from ${entry.name}): ${(err as Error).message}`);
    }
  }
  return out;
}
