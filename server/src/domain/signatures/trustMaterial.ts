/**
 * Trust material for @sigstore/verify: a single public key (keyed mode, as
 * Flux runs it: offline, no transparency log), a `trusted_root.json` given by
 * the user (air-gapped or private Sigstore), or Sigstore's public-good root
 * fetched through TUF (needs the network).
 */
import type { KeyObject } from 'node:crypto';
import { homedir } from 'node:os';
import path from 'node:path';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { SignatureError } from './types';

/** Keyed verification: the bundle's key hint is ignored, the given key is the only trust. */
export function keyTrustMaterial(key: KeyObject): TrustMaterial {
  return {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: () => ({ publicKey: key, validFor: () => true }),
  };
}

/** Parses a `trusted_root.json` (e.g. from `cosign trusted-root create`). */
export function trustMaterialFromJson(json: string, origin: string): TrustMaterial {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new SignatureError(`${origin} is not JSON (${(err as Error).message}); give a trusted_root.json as written by cosign trusted-root create`);
  }
  try {
    const root = TrustedRoot.fromJSON(parsed);
    if (root.certificateAuthorities.length === 0) {
      throw new SignatureError(
        `${origin} lists no certificate authority, so no keyless signature can be trusted; add your Fulcio CA (cosign trusted-root create --certificate-chain ...)`,
      );
    }
    return toTrustMaterial(root);
  } catch (err) {
    if (err instanceof SignatureError) throw err;
    throw new SignatureError(`${origin} is not a valid Sigstore trusted root (${(err as Error).message})`);
  }
}

/** Where the public-good root's TUF repository is served from (what an offline gate must refuse). */
export const sigstoreTufHost = 'tuf-repo-cdn.sigstore.dev';

/** Sigstore's public-good trusted root through TUF, cached like cosign does under ~/.sigstore. */
export async function publicGoodTrustMaterial(env: NodeJS.ProcessEnv = process.env): Promise<TrustMaterial> {
  const { getTrustedRoot } = await import('@sigstore/tuf');
  const cachePath = env['TUF_ROOT'] || path.join(homedir(), '.sigstore', 'flux-oci-tuf');
  try {
    const root = await getTrustedRoot({ cachePath, retry: false, timeout: 15_000 });
    return toTrustMaterial(root);
  } catch (err) {
    throw new SignatureError(
      `cannot fetch Sigstore's public-good trusted root through TUF (${(err as Error).message}); ` +
        'keyless verification needs network access to tuf-repo-cdn.sigstore.dev, or pass --trusted-root trusted_root.json for offline use',
    );
  }
}
