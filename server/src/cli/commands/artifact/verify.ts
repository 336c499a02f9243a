import type { CliCommand, CliIO } from '../../command';
import { UsageError } from '../../command';
import { connectionFlags, connectionFrom, connectionHelp, exactlyOneUrl, outputFormat, parseFlags, stringFlag } from '../../flags';
import { printStructured, progressPrinter, step } from './output';
import { policyFromFlags, reportVerification, verifyFlags, verifyHelp, warnUnconstrainedIdentity } from './verifyFlags';

const help = `Usage: flux-oci verify artifact oci://<registry>/<repo>:<tag>|@<digest> [flags]

Checks the artifact's signature the way Flux's source-controller does for an
OCIRepository with spec.verify. cosign (default): Sigstore bundles (cosign v3)
attached as OCI referrers first, else legacy sha256-<hex>.sig signatures.
notation: Notary Project signatures among the referrers, checked against the
trust policy and CA certificates of the verify.secretRef Secret. Exits 0 only
when a signature satisfies the policy; otherwise prints "✗ not verified:
<reason>" and exits 1.

Examples:
  flux-oci verify artifact oci://ghcr.io/org/app:v1 --key cosign.pub
  flux-oci verify artifact oci://ghcr.io/org/app:v1 \\
    --certificate-identity-regexp '^https://github.com/org/app/' \\
    --certificate-oidc-issuer-regexp '^https://token.actions.githubusercontent.com$'
  flux-oci verify artifact oci://ghcr.io/org/app:v1 --verify-provider notation \\
    --trust-policy trustpolicy.json --trust-ca-file ca.crt

Flags:
      --format json|yaml    print the result for scripts
${verifyHelp}
${connectionHelp}`;

async function run(args: string[], io: CliIO): Promise<number> {
  const flags = parseFlags(args, { ...connectionFlags, ...verifyFlags, format: { type: 'string' } }, 'verify artifact');
  const url = exactlyOneUrl(flags, 'verify artifact', 'oci://ghcr.io/org/app:v1 --key cosign.pub');
  const format = outputFormat(stringFlag(flags, 'format'));
  const policy = await policyFromFlags(flags, io);
  if (!policy)
    throw new UsageError(
      'say how to verify: --key cosign.pub (keyed), --certificate-identity-regexp/--certificate-oidc-issuer-regexp (keyless), or --verify-provider notation --trust-policy F --trust-ca-file F',
    );
  warnUnconstrainedIdentity(io, policy);
  step(io, `verifying ${url.replace(/^oci:\/\//, '')}`);
  // Loaded on use: the registry and Sigstore stacks are not needed by other commands.
  const { verifyArtifact } = await import('../../../domain/oci/operations/artifactSignatures');
  const result = await verifyArtifact({ url, policy, connection: connectionFrom(flags, io), onProgress: progressPrinter(io) });
  const code = reportVerification(io, result);
  if (format) await printStructured(io, format, result);
  return code;
}

export const verifyArtifactCommand: CliCommand = {
  words: ['verify', 'artifact'],
  summary: "Verify a Flux artifact's cosign or notation signature as Flux would",
  help,
  run,
};
