/**
 * Verifies `repo@digest` with `spec.verify.provider: notation` the way
 * source-controller v1.9.4 does (internal/controller verifySignature +
 * internal/oci/notation, over notation-go v1.3.2's notation.Verify):
 *
 * 1. the Secret must hold `trustpolicy.json` (parsed) and at least one
 *    `*.crt`/`*.pem`; `skip` statements lose their stores/identities; the
 *    policy is validated;
 * 2. the statement for `host/repo` decides the level; `skip` → ignored;
 * 3. Notary referrers of the digest are tried in order, at most three; the
 *    first that passes wins; none → failed with every reason;
 * 4. Flux's reading of the winner: an authenticity failure that the level only
 *    logs (audit) → ignored, otherwise verified.
 *
 * "ignored" means Flux pulls the artifact without setting SourceVerified=True;
 * we report it as not verified with `fluxIgnores`.
 */
import type { RegistryClient } from '../../oci/registry/client';
import type { RepositoryReference } from '../../oci/reference';
import type { NotationTrust, VerificationResult, SignatureFormat } from '../types';
import { applicableStatement, cleanTrustPolicy, parseTrustPolicy, validateTrustPolicy, verificationLevelOf, TrustPolicyError } from './trustPolicy';
import { fetchNotarySignature, listNotarySignatures } from './discovery';
import { verifyNotarySignature, type SignatureOutcome } from './verifySignature';
import { NotationMediaType } from './envelope';
import { describeCertificate } from './certificateChain';

export interface VerifyNotationOptions {
  now?: Date;
}

/** source-controller reads at most this many signatures per artifact. */
const maxSignatureAttempts = 3;

export async function verifyNotation(
  client: RegistryClient,
  repo: RepositoryReference,
  digest: string,
  trust: NotationTrust | undefined,
  options: VerifyNotationOptions = {},
): Promise<VerificationResult> {
  const reference = `${repo.registry}/${repo.repository}@${digest}`;
  const formatsFound: SignatureFormat[] = [];
  const notVerified = (reason: string, fluxIgnores = false): VerificationResult => ({
    outcome: 'not-verified',
    reference,
    digest,
    reason,
    formatsFound,
    ...(fluxIgnores ? { fluxIgnores: true as const } : {}),
  });
  const now = options.now ?? new Date();
  try {
    if (!trust)
      return notVerified(
        'verification secret cannot be empty: provider notation needs spec.verify.secretRef, a Secret with trustpolicy.json and the CA certificates (*.crt or *.pem)',
      );
    if (trust.trustPolicyJson === undefined) {
      return notVerified(`'trustpolicy.json' not found in ${trust.source}: add the Notary trust policy under that key`);
    }
    let doc = parseTrustPolicy(trust.trustPolicyJson);
    const cas = trust.certificates.map((c) => ({ name: c.name, data: typeof c.data === 'string' ? c.data : Buffer.from(c.data) }));
    if (cas.length === 0)
      return notVerified(`no certificates found in ${trust.source}: add the signing CA's root certificate under a key ending in .crt or .pem`);
    doc = cleanTrustPolicy(doc);
    validateTrustPolicy(doc);

    const statement = applicableStatement(doc, reference);
    const level = verificationLevelOf(statement);
    if (level.name === 'skip') {
      return notVerified(
        `the trust policy statement "${statement.name}" sets verification level skip for ${repo.registry}/${repo.repository}: Flux pulls the artifact without checking or marking it verified`,
        true,
      );
    }

    const artifact = await client.getManifest(repo.repository, digest);
    const descriptor = { mediaType: artifact.mediaType, digest: artifact.digest, size: artifact.bytes.length };
    const signatures = await listNotarySignatures(client, repo.repository, digest).catch((err: Error) => {
      throw new Error(`failed to get referrers during ListSignatures due to ${err.message}`);
    });

    const failures: string[] = [];
    let winner: SignatureOutcome | undefined;
    let processed = 0;
    for (const desc of signatures) {
      if (processed >= maxSignatureAttempts) break;
      processed++;
      let fetched;
      try {
        fetched = await fetchNotarySignature(client, repo.repository, desc);
      } catch (err) {
        // notation-go stops the whole verification when a signature cannot be read.
        return notVerified(
          `unable to retrieve digital signature with digest "${desc.digest}" associated with "${reference}" from the Repository, error : ${(err as Error).message}`,
        );
      }
      if (fetched.mediaType === NotationMediaType.jws && !formatsFound.includes('notation-jws')) formatsFound.push('notation-jws');
      if (fetched.mediaType === NotationMediaType.cose && !formatsFound.includes('notation-cose')) formatsFound.push('notation-cose');
      const outcome = await verifyNotarySignature(statement, level, fetched.mediaType, fetched.blob, descriptor, cas, now);
      if (outcome.error === undefined) {
        winner = outcome;
        break;
      }
      failures.push(`signature ${desc.digest}: ${outcome.error}`);
    }
    if (processed === 0) {
      return notVerified(
        `no signature is associated with "${reference}", make sure the artifact was signed successfully (notation sign, then Flux can verify it)`,
      );
    }
    if (!winner) {
      const limit =
        processed >= maxSignatureAttempts && signatures.length > maxSignatureAttempts
          ? ` (signature evaluation stopped: Flux checks at most ${maxSignatureAttempts} signatures per artifact)`
          : '';
      return notVerified(`signature verification failed for all the signatures associated with ${reference}${limit}: ${[...new Set(failures)].join('; ')}`);
    }

    const logged = winner.results.filter((r) => r.error !== undefined).map((r) => `${r.type}: ${r.error}`);
    const authenticity = winner.results.find((r) => r.type === 'authenticity' && r.error !== undefined);
    if (authenticity) {
      return notVerified(
        `the trust policy statement "${statement.name}" (level ${level.name}) only logs this authenticity failure, so Flux pulls the artifact without marking it verified: ${authenticity.error}`,
        true,
      );
    }
    const leaf = winner.content!.certificateChain[0]!;
    return {
      outcome: 'verified',
      reference,
      digest,
      format: winner.content!.envelope === 'jws' ? 'notation-jws' : 'notation-cose',
      signer: { subject: describeCertificate(leaf), issuer: leaf.issuer.split('\n').reverse().join(','), trustPolicy: `${statement.name} (${level.name})` },
      formatsFound,
      ...(logged.length ? { logged } : {}),
    };
  } catch (err) {
    const message =
      err instanceof TrustPolicyError
        ? `${trust?.source ? `trustpolicy.json of ${trust.source}: ` : ''}${err.message}`
        : `verification could not run: ${(err as Error).message ?? String(err)}`;
    return notVerified(message);
  }
}
