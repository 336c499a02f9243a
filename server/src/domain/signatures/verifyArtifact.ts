/**
 * Verifies `repo@digest` against a `spec.verify` policy the way
 * source-controller does (facts §d). Notation goes to notation/. For cosign: if any Sigstore bundle is attached, only
 * bundles count; otherwise legacy `.sig` signatures. Keys are tried until one
 * matches. Every failure, including ones we did not foresee, ends as
 * `not-verified` with a reason; nothing but a checked signature says `verified`.
 */
import type { RegistryClient } from '../oci/registry/client';
import type { RepositoryReference } from '../oci/reference';
import { discoverSignatures, type DiscoveredSignatures } from './discovery';
import { legacySignatureTag } from './cosignLayout';
import { parsePublicKeys } from './publicKeys';
import { publicGoodTrustMaterial, trustMaterialFromJson } from './trustMaterial';
import { checkEntity, legacyHasTlogEntry, prepareBundle, prepareLegacy, type VerificationMode } from './signatureChecks';
import { SignatureError, type SignatureFormat, type VerificationPolicy, type VerificationResult } from './types';
import { verifyNotation } from './notation/verifyNotation';

export interface VerifySignaturesOptions {
  env?: NodeJS.ProcessEnv;
  /** Clock for certificate validity when the transparency log is ignored (tests). */
  now?: Date;
}

async function modeOf(policy: VerificationPolicy, env: NodeJS.ProcessEnv): Promise<VerificationMode> {
  if (policy.publicKeys !== undefined) return { kind: 'keyed', keys: parsePublicKeys(policy.publicKeys) };
  const trust = policy.trustedRootJson !== undefined ? trustMaterialFromJson(policy.trustedRootJson, 'the trusted root') : await publicGoodTrustMaterial(env);
  return { kind: 'keyless', trust, identities: policy.matchOIDCIdentity ?? [], ignoreTlog: policy.ignoreTlog === true, ignoreSct: policy.ignoreSct === true };
}

function formatsOf(found: DiscoveredSignatures): SignatureFormat[] {
  const out: SignatureFormat[] = [];
  if (found.bundles.length) out.push('cosign-bundle');
  if (found.legacy.length) out.push('cosign-legacy');
  return out;
}

/** Distinct reasons, joined; several signatures often fail the same way. */
function joinReasons(reasons: string[]): string {
  return [...new Set(reasons)].join('; ');
}

export async function verifySignatures(
  client: RegistryClient,
  repo: RepositoryReference,
  digest: string,
  policy: VerificationPolicy,
  options: VerifySignaturesOptions = {},
): Promise<VerificationResult> {
  const reference = `${repo.registry}/${repo.repository}@${digest}`;
  let formatsFound: SignatureFormat[] = [];
  const notVerified = (reason: string): VerificationResult => ({ outcome: 'not-verified', reference, digest, reason, formatsFound });
  try {
    if (policy.provider === 'notation') return await verifyNotation(client, repo, digest, policy.notation, options.now ? { now: options.now } : {});
    if (policy.provider !== 'cosign') return notVerified(`unsupported verification provider: ${String(policy.provider)} (Flux knows cosign and notation)`);
    const keyless = policy.publicKeys === undefined;
    const mode = await modeOf(policy, options.env ?? process.env);
    const found = await discoverSignatures(client, repo.repository, digest);
    formatsFound = formatsOf(found);
    const label = keyless ? 'keyless' : 'keyed';

    if (found.bundles.length > 0) {
      if (mode.kind === 'keyless' && mode.identities.length > 1) {
        return notVerified(
          'unsupported: multiple identities are not supported at this time (cosign v3 bundles accept one matchOIDCIdentity entry; Flux fails the same way): keep a single entry',
        );
      }
      const reasons: string[] = [];
      for (const b of found.bundles) {
        const prepared = prepareBundle(b, digest);
        if (!prepared.ok) {
          reasons.push(prepared.reason);
          continue;
        }
        const outcome = checkEntity(prepared.entity, mode, options.now);
        if (outcome.ok) return { outcome: 'verified', reference, digest, format: 'cosign-bundle', signer: outcome.signer, formatsFound };
        reasons.push(outcome.reason);
      }
      return notVerified(`no Sigstore bundle passes ${label} verification: ${joinReasons(reasons)}`);
    }

    if (found.legacy.length === 0) {
      const lookup = [found.bundleLookupError, found.legacyLookupError].filter(Boolean).join('; ');
      return notVerified(
        `no cosign signature found for ${reference}: no Sigstore bundle among its referrers and no ${legacySignatureTag(digest)} tag` +
          (lookup ? ` (${lookup})` : '') +
          '; sign it (flux-oci sign artifact or cosign sign) before Flux can deploy it',
      );
    }
    const reasons: string[] = [];
    for (const sig of found.legacy) {
      const prepared = prepareLegacy(sig, digest, keyless);
      if (!prepared.ok) {
        reasons.push(prepared.reason);
        continue;
      }
      if (mode.kind === 'keyless' && !mode.ignoreTlog && legacyHasTlogEntry(sig)) {
        reasons.push('checking the Rekor entry of legacy keyless signatures is not supported by flux-oci yet; verify with cosign verify');
        continue;
      }
      const outcome = checkEntity(prepared.entity, mode, options.now);
      if (outcome.ok) return { outcome: 'verified', reference, digest, format: 'cosign-legacy', signer: outcome.signer, formatsFound };
      reasons.push(outcome.reason);
    }
    return notVerified(`no .sig signature passes ${label} verification: ${joinReasons(reasons)}`);
  } catch (err) {
    // Fail closed: a bad key, a bad trusted root, an unreachable registry all end here.
    const message = err instanceof SignatureError ? err.message : `verification could not run: ${(err as Error).message ?? String(err)}`;
    return notVerified(message);
  }
}
