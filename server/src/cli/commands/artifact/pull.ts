import type { CliCommand, CliIO } from '../../command';
import { UsageError } from '../../command';
import type { LayerOperation } from '../../../domain/oci/operations/pullArtifact';
import { connectionFlags, connectionFrom, connectionHelp, exactlyOneUrl, outputFormat, parseFlags, stringFlag } from '../../flags';
import { count, printStructured, progressPrinter, step, success } from './output';
import { policyFromFlags, reportVerification, verifyFlags, verifyHelp, warnUnconstrainedIdentity } from './verifyFlags';

const help = `Usage: flux-oci pull artifact oci://<registry>/<repo>:<tag>|@<digest> --output <dir> [flags]

Downloads a Flux artifact and extracts its layer, checking every byte against
its digest. The layer is unpacked into a temporary folder that is renamed into
place, so a failure leaves nothing half-written. --output must not exist or be
an empty folder (nothing is merged into existing files).

Flags:
  -o, --output PATH         folder to extract into (or file, with --layer-operation copy)
      --layer-media-type T  the layer to take, as OCIRepository spec.layerSelector.mediaType
                            (default: the first layer)
      --layer-operation extract|copy
                            extract (tar+gzip) or store the blob as it is (default: extract
                            when the layer is gzip, else copy)
      --format json|yaml    print the result for scripts
      --verify              check the signature first (cosign, or notation with
                            --verify-provider notation; flags below) and pull the
                            verified digest only; nothing is written when it fails
${verifyHelp}
${connectionHelp}`;

async function run(args: string[], io: CliIO): Promise<number> {
  const flags = parseFlags(
    args,
    {
      ...connectionFlags,
      output: { type: 'string', short: 'o' },
      'layer-media-type': { type: 'string' },
      'layer-operation': { type: 'string' },
      format: { type: 'string' },
      verify: { type: 'boolean' },
      ...verifyFlags,
    },
    'pull artifact',
  );
  const url = exactlyOneUrl(flags, 'pull artifact', 'oci://ghcr.io/org/app:v1 --output ./out');
  const output = stringFlag(flags, 'output');
  if (!output) throw new UsageError('--output is required: the folder to extract into');
  const operation = stringFlag(flags, 'layer-operation');
  if (operation !== undefined && operation !== 'extract' && operation !== 'copy')
    throw new UsageError(`--layer-operation must be extract or copy (got "${operation}")`);
  const format = outputFormat(stringFlag(flags, 'format'));
  const mediaType = stringFlag(flags, 'layer-media-type');
  let pullUrl = url;
  const policy = await policyFromFlags(flags, io);
  if (flags.values['verify'] === true || policy) {
    if (!policy)
      throw new UsageError(
        '--verify needs a policy: --key cosign.pub, --certificate-identity-regexp with --certificate-oidc-issuer-regexp, or --verify-provider notation --trust-policy F --trust-ca-file F',
      );
    warnUnconstrainedIdentity(io, policy);
    step(io, `verifying ${url.replace(/^oci:\/\//, '')}`);
    const { verifyArtifact } = await import('../../../domain/oci/operations/artifactSignatures');
    const verified = await verifyArtifact({ url, policy, connection: connectionFrom(flags, io), onProgress: progressPrinter(io) });
    if (reportVerification(io, verified) !== 0) return 1;
    // Pull exactly the digest that was verified, even if the tag moves meanwhile.
    pullUrl = `oci://${verified.reference}`;
  }
  step(io, `pulling artifact from ${pullUrl.replace(/^oci:\/\//, '')}`);
  // Loaded on use: the registry stack is not needed by other commands.
  const { pullArtifact } = await import('../../../domain/oci/operations/pullArtifact');
  const result = await pullArtifact({
    url: pullUrl,
    output,
    cwd: io.cwd,
    ...(mediaType ? { layerMediaType: mediaType } : {}),
    ...(operation ? { operation: operation as LayerOperation } : {}),
    connection: connectionFrom(flags, io),
    onProgress: progressPrinter(io),
  });
  if (result.source) step(io, `source ${result.source}`);
  if (result.revision) step(io, `revision ${result.revision}`);
  step(io, `digest ${result.digest}`);
  success(
    io,
    result.operation === 'extract'
      ? `artifact content (${count(result.files ?? 0, 'file')}) extracted to ${result.output}`
      : `artifact layer (${result.bytes} bytes) copied to ${result.output}`,
  );
  if (format) await printStructured(io, format, result);
  return 0;
}

export const pullArtifactCommand: CliCommand = { words: ['pull', 'artifact'], summary: 'Pull a Flux OCI artifact and extract it safely', help, run };
