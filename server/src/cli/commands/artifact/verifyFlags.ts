/**
 * The signature-policy flags shared by `verify artifact` and `pull artifact
 * --verify`, named like cosign's (--key, --certificate-identity-regexp,
 * --certificate-oidc-issuer-regexp, --trusted-root, --insecure-ignore-tlog,
 * --insecure-ignore-sct), turned into the domain's VerificationPolicy.
 * Notation: --verify-provider notation (flux create source oci's flag; --provider
 * is already the registry's cloud provider, as in flux) with --trust-policy and
 * --trust-ca-file, the two things Flux reads from the verify.secretRef Secret.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { UsageError, type CliIO } from '../../command';
import type { VerificationPolicy, VerificationResult } from '../../../domain/signatures/types';
import { boolFlag, listFlag, stringFlag, type ParsedFlags } from '../../flags';
import { failure, step, success } from './output';

export const verifyFlags: NonNullable<ParseArgsConfig['options']> = {
  key: { type: 'string', multiple: true },
  'certificate-identity-regexp': { type: 'string', multiple: true },
  'certificate-oidc-issuer-regexp': { type: 'string', multiple: true },
  'trusted-root': { type: 'string' },
  'insecure-ignore-tlog': { type: 'boolean' },
  'insecure-ignore-sct': { type: 'boolean' },
  'verify-provider': { type: 'string' },
  'trust-policy': { type: 'string' },
  'trust-ca-file': { type: 'string', multiple: true },
};

export const verifyHelp = `Signature flags (cosign's names; the policy of OCIRepository spec.verify):
  --key FILE                PEM public key (cosign.pub); repeat for several keys, any one
                            may match (a Secret's *.pub entries). Keyed mode runs offline
                            and ignores the transparency log, like Flux.
  --certificate-identity-regexp RE
  --certificate-oidc-issuer-regexp RE
                            keyless: the signer's certificate identity and OIDC issuer
                            (Go RE2, unanchored); repeat the pair for matchOIDCIdentity
                            entries (any may match; v3 bundles accept only one, like Flux)
  --trusted-root FILE       keyless: trusted_root.json for private or air-gapped Sigstore
                            (default: Sigstore's public-good root, fetched through TUF)
  --insecure-ignore-tlog    keyless: accept signatures without a transparency-log entry
                            (Flux does not)
  --insecure-ignore-sct     keyless: do not require an embedded SCT (Flux does)
  --verify-provider cosign|notation
                            notation: check Notary Project signatures (JWS or COSE)
                            like Flux's provider: notation (default cosign)
  --trust-policy FILE       notation: the trustpolicy.json of the verify.secretRef Secret
  --trust-ca-file FILE      notation: a CA certificate of that Secret (*.crt/*.pem);
                            repeat for several (only the first PEM block of each file
                            is read, as Flux does)`;

async function readText(io: CliIO, file: string, what: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
  try {
    return await readFile(path.resolve(io.cwd, file), encoding);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The policy the flags describe; `undefined` when no signature flag was given. */
export async function policyFromFlags(flags: ParsedFlags, io: CliIO): Promise<VerificationPolicy | undefined> {
  const keys = listFlag(flags, 'key', false);
  const subjects = listFlag(flags, 'certificate-identity-regexp', false);
  const issuers = listFlag(flags, 'certificate-oidc-issuer-regexp', false);
  const provider = stringFlag(flags, 'verify-provider') ?? 'cosign';
  if (provider !== 'cosign' && provider !== 'notation') throw new UsageError(`--verify-provider must be cosign or notation (got "${provider}")`);
  const trustPolicy = stringFlag(flags, 'trust-policy');
  const caFiles = listFlag(flags, 'trust-ca-file', false);
  if (provider === 'notation') {
    if (keys.length > 0 || subjects.length > 0 || issuers.length > 0 || stringFlag(flags, 'trusted-root') !== undefined) {
      throw new UsageError('--verify-provider notation takes --trust-policy and --trust-ca-file; --key, --certificate-* and --trusted-root are cosign flags');
    }
    if (trustPolicy === undefined)
      throw new UsageError('--verify-provider notation needs --trust-policy trustpolicy.json (the trust policy of the verify.secretRef Secret)');
    if (caFiles.length === 0)
      throw new UsageError(
        '--verify-provider notation needs --trust-ca-file with the signing CA certificate (a *.crt or *.pem of the verify.secretRef Secret)',
      );
    // Bytes, not text: a .crt may be DER.
    const certificates = await Promise.all(
      caFiles.map(async (f) => ({ name: f, data: new Uint8Array(Buffer.from(await readText(io, f, 'CA certificate', 'latin1'), 'latin1')) })),
    );
    return {
      provider: 'notation',
      notation: { source: `${trustPolicy} and ${caFiles.join(', ')}`, trustPolicyJson: await readText(io, trustPolicy, 'trust policy'), certificates },
    };
  }
  if (trustPolicy !== undefined || caFiles.length > 0) throw new UsageError('--trust-policy and --trust-ca-file are for --verify-provider notation');
  const trustedRoot = stringFlag(flags, 'trusted-root');
  const keylessFlags =
    subjects.length > 0 || issuers.length > 0 || trustedRoot !== undefined || boolFlag(flags, 'insecure-ignore-tlog') || boolFlag(flags, 'insecure-ignore-sct');
  if (keys.length === 0 && !keylessFlags) return undefined;
  if (keys.length > 0 && keylessFlags) {
    throw new UsageError(
      '--key selects keyed verification; it cannot be combined with the keyless flags (--certificate-*, --trusted-root, --insecure-ignore-*)',
    );
  }
  if (keys.length > 0) {
    const publicKeys = await Promise.all(keys.map(async (k) => ({ name: k, pem: await readText(io, k, 'public key') })));
    return { provider: 'cosign', publicKeys };
  }
  if (subjects.length !== issuers.length) {
    throw new UsageError('give --certificate-identity-regexp and --certificate-oidc-issuer-regexp in pairs (each matchOIDCIdentity entry needs both)');
  }
  return {
    provider: 'cosign',
    matchOIDCIdentity: subjects.map((subject, i) => ({ subject, issuer: issuers[i]! })),
    ...(trustedRoot !== undefined ? { trustedRootJson: await readText(io, trustedRoot, 'trusted root') } : {}),
    ...(boolFlag(flags, 'insecure-ignore-tlog') ? { ignoreTlog: true } : {}),
    ...(boolFlag(flags, 'insecure-ignore-sct') ? { ignoreSct: true } : {}),
  };
}

export function warnUnconstrainedIdentity(io: CliIO, policy: VerificationPolicy): void {
  if (policy.provider === 'cosign' && policy.publicKeys === undefined && (policy.matchOIDCIdentity ?? []).length === 0) {
    step(
      io,
      'warning: no --certificate-identity-regexp/--certificate-oidc-issuer-regexp: any certificate from the trusted CA is accepted (set matchOIDCIdentity in Flux too)',
    );
  }
}

const formatNames: Record<VerificationResult['formatsFound'][number], string> = {
  'cosign-bundle': 'cosign v3 Sigstore bundle',
  'cosign-legacy': 'cosign legacy .sig signature',
  'notation-jws': 'Notary Project JWS signature',
  'notation-cose': 'Notary Project COSE signature',
};

/** Prints ✔/✗ lines; returns the exit code (0 verified, 1 not). */
export function reportVerification(io: CliIO, result: VerificationResult): number {
  if (result.outcome === 'verified') {
    const who = result.signer.keyName
      ? `key ${result.signer.keyName}`
      : `${result.signer.subject ?? 'unknown identity'} (issuer ${result.signer.issuer ?? 'unknown'})`;
    const format = formatNames[result.format];
    success(io, `verified ${result.reference}: ${format} signed by ${who}${result.signer.trustPolicy ? `, trust policy ${result.signer.trustPolicy}` : ''}`);
    for (const l of result.logged ?? []) step(io, `logged by the trust policy, not enforced: ${l}`);
    if (result.format === 'cosign-bundle' && !result.formatsFound.includes('cosign-legacy')) {
      step(io, 'note: only Sigstore bundle signatures exist; Flux verifies them from v2.8 on (older Flux needs cosign sign --new-bundle-format=false)');
    }
    return 0;
  }
  failure(io, `not verified: ${result.reason}`);
  if (result.fluxIgnores) step(io, 'note: Flux would still deploy this artifact, without marking it verified (SourceVerified is not set True)');
  return 1;
}
