import type { CliCommand, CliIO } from '../../command';
import { UsageError } from '../../command';
import { connectionFlags, connectionFrom, connectionHelp, exactlyOneUrl, outputFormat, parseFlags, stringFlag, type ParsedFlags } from '../../flags';
import { printStructured, progressPrinter, step, success } from './output';

const help = `Usage: flux-oci sign artifact oci://<registry>/<repo>:<tag>|@<digest> --key cosign.key [flags]
       flux-oci sign artifact oci://... --sign-provider notation --key leaf.key --certificate-chain chain.pem [flags]

Signs the artifact with a cosign key pair, as cosign sign --key does with the
transparency log off, so that Flux (spec.verify.secretRef with cosign.pub) and
cosign verify accept it. The password of the key is read from COSIGN_PASSWORD.
With --sign-provider notation it makes a Notary Project signature instead, as
notation sign does, which Flux's verify.provider: notation accepts when the
chain's root CA and a trust policy are in the verify.secretRef Secret.

Flags:
      --key FILE            cosign private key (cosign generate-key-pair writes cosign.key);
                            notation: the signing certificate's PEM private key
      --new-bundle-format   true (default): cosign v3 Sigstore bundle attached as an OCI
                            referrer; Flux verifies these from v2.8 on.
                            false: legacy sha256-<hex>.sig tag, verified by every Flux
      --sign-provider cosign|notation
                            notation: a Notary Project signature (default cosign)
      --certificate-chain FILE
                            notation: PEM signing certificate, its CAs, the root last
      --signature-format jws|cose
                            notation: the envelope (default jws, as notation sign)
      --expiry DURATION     notation: signature expiry, e.g. 24h, 30m (default none)
      --timestamp-url URL   notation: countersign with this RFC 3161 timestamping authority
      --timestamp-root-cert FILE
                            notation: the TSA's root certificate (PEM), to check its answer
      --format json|yaml    print the result for scripts
${connectionHelp}`;

async function run(args: string[], io: CliIO): Promise<number> {
  // --new-bundle-format takes a value like cosign's (--new-bundle-format=false).
  const normalised = args.map((a) => (a === '--new-bundle-format' ? '--new-bundle-format=true' : a));
  const flags = parseFlags(
    normalised,
    {
      ...connectionFlags,
      key: { type: 'string' },
      'new-bundle-format': { type: 'string' },
      format: { type: 'string' },
      'sign-provider': { type: 'string' },
      'certificate-chain': { type: 'string' },
      'signature-format': { type: 'string' },
      expiry: { type: 'string' },
      'timestamp-url': { type: 'string' },
      'timestamp-root-cert': { type: 'string' },
    },
    'sign artifact',
  );
  const url = exactlyOneUrl(flags, 'sign artifact', 'oci://ghcr.io/org/app:v1 --key cosign.key');
  const keyFile = stringFlag(flags, 'key');
  const provider = stringFlag(flags, 'sign-provider') ?? 'cosign';
  if (provider !== 'cosign' && provider !== 'notation') throw new UsageError(`--sign-provider must be cosign or notation (got "${provider}")`);
  if (provider === 'notation') return signNotationCommand(flags, url, keyFile, io);
  for (const f of ['certificate-chain', 'signature-format', 'expiry', 'timestamp-url', 'timestamp-root-cert']) {
    if (stringFlag(flags, f) !== undefined) throw new UsageError(`--${f} is for --sign-provider notation`);
  }
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
  success(
    io,
    `signed ${result.reference} (${result.format === 'bundle' ? `Sigstore bundle ${result.signatureManifest} attached as a referrer` : `legacy signature in tag ${result.location}`})`,
  );
  if (format) await printStructured(io, format, result);
  return 0;
}

/** notation sign's --expiry values: Go durations of h, m, s (e.g. 24h, 1h30m). */
function parseExpiry(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  const seconds = m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : 0;
  if (!m || seconds <= 0) throw new UsageError(`--expiry must be a duration such as 24h, 90m or 1h30m (got "${text}")`);
  return seconds;
}

async function signNotationCommand(flags: ParsedFlags, url: string, keyFile: string | undefined, io: CliIO): Promise<number> {
  if (!keyFile) throw new UsageError('--key is required: the PEM private key of the signing certificate');
  const chainFile = stringFlag(flags, 'certificate-chain');
  if (!chainFile) throw new UsageError('--certificate-chain is required: the signing certificate, its CA certificates, the root last (PEM)');
  if (stringFlag(flags, 'new-bundle-format') !== undefined)
    throw new UsageError('--new-bundle-format is a cosign flag; notation takes --signature-format jws|cose');
  const envelope = stringFlag(flags, 'signature-format') ?? 'jws';
  if (envelope !== 'jws' && envelope !== 'cose') throw new UsageError(`--signature-format must be jws or cose (got "${envelope}")`);
  const expiry = stringFlag(flags, 'expiry');
  const timestampUrl = stringFlag(flags, 'timestamp-url');
  const timestampRoot = stringFlag(flags, 'timestamp-root-cert');
  if ((timestampUrl === undefined) !== (timestampRoot === undefined))
    throw new UsageError('give --timestamp-url and --timestamp-root-cert together (the TSA and its root certificate)');
  const format = outputFormat(stringFlag(flags, 'format'));
  step(io, `signing ${url.replace(/^oci:\/\//, '')}`);
  const { signArtifactNotation } = await import('../../../domain/oci/operations/artifactSignatures');
  const result = await signArtifactNotation({
    url,
    keyFile,
    chainFile,
    envelope,
    ...(expiry !== undefined ? { expirySeconds: parseExpiry(expiry) } : {}),
    ...(timestampUrl !== undefined && timestampRoot !== undefined ? { timestampUrl, timestampRootCertFile: timestampRoot } : {}),
    cwd: io.cwd,
    connection: connectionFrom(flags, io),
    onProgress: progressPrinter(io),
  });
  success(io, `signed ${result.reference} (Notary Project ${result.envelope.toUpperCase()} signature ${result.signatureManifest} attached as a referrer)`);
  if (format) await printStructured(io, format, result);
  return 0;
}

export const signArtifactCommand: CliCommand = {
  words: ['sign', 'artifact'],
  summary: 'Sign a Flux artifact with a cosign key pair or a Notary Project certificate',
  help,
  run,
};
