import type { CliCommand, CliIO } from '../../command';
import { UsageError } from '../../command';
import { connectionFlags, connectionFrom, connectionHelp, exactlyOneUrl, outputFormat, parseFlags, stringFlag } from './flags';
import { printStructured, progressPrinter, step, success } from './output';

const help = `Usage: flux-oci sign artifact oci://<registry>/<repo>:<tag>|@<digest> --key cosign.key [flags]

Signs the artifact with a cosign key pair, as cosign sign --key does with the
transparency log off, so that Flux (spec.verify.secretRef with cosign.pub) and
cosign verify accept it. The password of the key is read from COSIGN_PASSWORD.

Flags:
      --key FILE            cosign private key (cosign generate-key-pair writes cosign.key)
      --new-bundle-format   true (default): cosign v3 Sigstore bundle attached as an OCI
                            referrer; Flux verifies these from v2.8 on.
                            false: legacy sha256-<hex>.sig tag, verified by every Flux
      --format json|yaml    print the result for scripts
${connectionHelp}`;

async function run(args: string[], io: CliIO): Promise<number> {
  // --new-bundle-format takes a value like cosign's (--new-bundle-format=false).
  const normalised = args.map((a) => (a === '--new-bundle-format' ? '--new-bundle-format=true' : a));
  const flags = parseFlags(normalised, { ...connectionFlags, key: { type: 'string' }, 'new-bundle-format': { type: 'string' }, format: { type: 'string' } }, 'sign artifact');
  const url = exactlyOneUrl(flags, 'sign artifact', 'oci://ghcr.io/org/app:v1 --key cosign.key');
  const keyFile = stringFlag(flags, 'key');
  if (!keyFile) throw new UsageError('--key is required: the cosign private key (cosign generate-key-pair writes cosign.key)');
  const bundleFlag = stringFlag(flags, 'new-bundle-format') ?? 'true';
  if (bundleFlag !== 'true' && bundleFlag !== 'false') throw new UsageError(`--new-bundle-format must be true or false (got "${bundleFlag}")`);
  const format = outputFormat(stringFlag(flags, 'format'));
  const password = io.env['COSIGN_PASSWORD'];
  if (password === undefined) throw new UsageError('set COSIGN_PASSWORD to the password of the key (an empty value for a key without one)');
  step(io, `signing ${url.replace(/^oci:\/\//, '')}`);
  const { signArtifact } = await import('../../../domain/oci/operations/artifactSignatures');
  const result = await signArtifact({
    url,
    keyFile,
    password,
    format: bundleFlag === 'false' ? 'legacy' : 'bundle',
    cwd: io.cwd,
    connection: connectionFrom(flags, io),
    onProgress: progressPrinter(io),
  });
  success(io, `signed ${result.reference} (${result.format === 'bundle' ? `Sigstore bundle ${result.signatureManifest} attached as a referrer` : `legacy signature in tag ${result.location}`})`);
  if (format) printStructured(io, format, result);
  return 0;
}

export const signArtifactCommand: CliCommand = { words: ['sign', 'artifact'], summary: 'Sign a Flux artifact with a cosign key pair', help, run };
