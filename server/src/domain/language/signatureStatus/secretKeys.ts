/**
 * The `*.pub` public keys of a Secret manifest found in the workspace, read
 * the way the kubelet's API server would store them: `data` is base64,
 * `stringData` is plain text and wins on the same key. A SOPS-encrypted or
 * templated Secret cannot be read here; that is said, not guessed.
 */
import { isMap, isScalar, type YAMLMap } from 'yaml';
import type { ParsedDocument } from '../../yaml/parsedDocument';
import { mapAt } from '../../yaml/yamlNodes';
import { isTemplated } from '../../flux/fluxObject';
import { publicKeysOfSecret } from '../../signatures/publicKeys';
import { isCaKey } from '../../signatures/notation/trustStore';
import type { NotationTrust, PublicKeyEntry } from '../../signatures/types';

export type SecretKeys = { ok: true; keys: PublicKeyEntry[] } | { ok: false; problem: string };

const base64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

export function publicKeysOfSecretDocument(doc: ParsedDocument): SecretKeys {
  return doc.memoize('signatureStatus/secretKeys', () => read(doc));
}

function read(doc: ParsedDocument): SecretKeys {
  const root = doc.root;
  if (!root || !isMap(root)) return { ok: false, problem: 'it is not a mapping' };
  if ((root as YAMLMap).has('sops')) return { ok: false, problem: 'it is encrypted with SOPS, so its keys cannot be read here' };
  const values: Record<string, string> = {};
  const data = mapAt(root as YAMLMap, 'data');
  for (const [name, value] of entries(data)) {
    if (!name.endsWith('.pub')) continue;
    if (value.startsWith('ENC[') || isTemplated(value)) return { ok: false, problem: `its ${name} is encrypted or templated, so it cannot be read here` };
    // A value that is not base64 is kept as it is: verification then says the key cannot be read, like Flux would fail.
    values[name] = base64.test(value) ? Buffer.from(value, 'base64').toString('utf8') : value;
  }
  for (const [name, value] of entries(mapAt(root as YAMLMap, 'stringData'))) {
    if (!name.endsWith('.pub')) continue;
    if (value.startsWith('ENC[') || isTemplated(value)) return { ok: false, problem: `its ${name} is encrypted or templated, so it cannot be read here` };
    values[name] = value;
  }
  const keys = publicKeysOfSecret(values);
  if (keys.length === 0) return { ok: false, problem: 'it has no data entry ending in .pub (Flux reads every *.pub entry as a cosign public key)' };
  return { ok: true, keys };
}

export type SecretTrust = { ok: true; trust: NotationTrust } | { ok: false; problem: string };

/**
 * What `provider: notation` reads from the Secret: `trustpolicy.json` and the
 * `*.crt`/`*.pem` CA certificates (source-controller's keys), `data` base64 and
 * `stringData` plain, the latter winning.
 */
export function notationTrustOfSecretDocument(doc: ParsedDocument, source: string): SecretTrust {
  return doc.memoize(`signatureStatus/notationTrust/${source}`, () => readNotation(doc, source));
}

function readNotation(doc: ParsedDocument, source: string): SecretTrust {
  const root = doc.root;
  if (!root || !isMap(root)) return { ok: false, problem: 'it is not a mapping' };
  if ((root as YAMLMap).has('sops')) return { ok: false, problem: 'it is encrypted with SOPS, so its trust policy and certificates cannot be read here' };
  const values = new Map<string, string | Uint8Array>();
  const wanted = (name: string) => name === 'trustpolicy.json' || isCaKey(name);
  for (const [name, value] of entries(mapAt(root as YAMLMap, 'data'))) {
    if (!wanted(name)) continue;
    if (value.startsWith('ENC[') || isTemplated(value)) return { ok: false, problem: `its ${name} is encrypted or templated, so it cannot be read here` };
    values.set(name, base64.test(value) ? Buffer.from(value, 'base64') : value);
  }
  for (const [name, value] of entries(mapAt(root as YAMLMap, 'stringData'))) {
    if (!wanted(name)) continue;
    if (value.startsWith('ENC[') || isTemplated(value)) return { ok: false, problem: `its ${name} is encrypted or templated, so it cannot be read here` };
    values.set(name, value);
  }
  const policy = values.get('trustpolicy.json');
  const certificates = [...values].filter(([k]) => isCaKey(k)).map(([name, data]) => ({ name, data }));
  return {
    ok: true,
    trust: {
      source,
      ...(policy !== undefined ? { trustPolicyJson: typeof policy === 'string' ? policy : Buffer.from(policy).toString('utf8') } : {}),
      certificates,
    },
  };
}

function* entries(map: YAMLMap | undefined): Iterable<[string, string]> {
  for (const p of map?.items ?? []) {
    if (!isScalar(p.key) || typeof p.key.value !== 'string') continue;
    const v = p.value;
    if (isScalar(v) && typeof v.value === 'string') yield [p.key.value, v.value];
  }
}
