import type { CliCommand, CliIO } from '../../command';
import { UsageError } from '../../command';
import { boolFlag, connectionFlags, connectionFrom, connectionHelp, exactlyOneUrl, listFlag, outputFormat, parseFlags, stringFlag } from '../../flags';
import { printStructured, progressPrinter, step, success } from './output';

const help = `Usage: flux-oci push artifact oci://<registry>/<repo>:<tag> --path <dir|file> [flags]

Packs files into a Flux artifact (tar+gzip layer, Flux config and annotations)
and pushes it. Every blob is uploaded before the manifest, so the tag never
points at missing content; a failed push leaves the tag as it was.

Flags:
  -f, --path PATH           folder or file to pack (repeatable)
      --source URL          org.opencontainers.image.source (default: the git remote, credentials removed)
      --revision REV        org.opencontainers.image.revision (default: <branch>@sha1:<HEAD>)
  -a, --annotations k=v     extra manifest annotations (repeatable)
      --ignore-paths LIST   gitignore patterns to leave out, ADDED to flux's defaults
                            (.git/, *.jpg, *.tar.gz, ...); comma-separated or repeated
      --replace-default-ignores
                            let --ignore-paths replace the defaults (flux's own behaviour)
      --reproducible        use the Unix epoch as creation time: same input, same digest
  -o, --output json|yaml    print the result for scripts
${connectionHelp}

Examples:
  flux-oci push artifact oci://ghcr.io/org/app:$(git rev-parse --short HEAD) -f ./deploy
  flux-oci push artifact oci://127.0.0.1:5000/app:v1 -f ./deploy --source https://github.com/org/app --revision main@sha1:abc -o json`;

async function run(args: string[], io: CliIO): Promise<number> {
  const flags = parseFlags(
    args,
    {
      ...connectionFlags,
      path: { type: 'string', short: 'f', multiple: true },
      source: { type: 'string' },
      revision: { type: 'string' },
      annotations: { type: 'string', short: 'a', multiple: true },
      'ignore-paths': { type: 'string', multiple: true },
      'replace-default-ignores': { type: 'boolean' },
      reproducible: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    },
    'push artifact',
  );
  const url = exactlyOneUrl(flags, 'push artifact', 'oci://ghcr.io/org/app:v1 --path ./deploy');
  const paths = listFlag(flags, 'path', false);
  if (paths.length === 0) throw new UsageError('--path is required: the folder or file to pack');
  const format = outputFormat(stringFlag(flags, 'output'));
  const source = stringFlag(flags, 'source');
  const revision = stringFlag(flags, 'revision');
  const ignorePaths = listFlag(flags, 'ignore-paths');
  step(io, `pushing artifact to ${url.replace(/^oci:\/\//, '')}`);
  // Loaded on use: the registry stack is not needed by other commands.
  const { pushArtifact } = await import('../../../domain/oci/operations/pushArtifact');
  const result = await pushArtifact({
    url,
    paths,
    cwd: io.cwd,
    ...(source !== undefined ? { source } : {}),
    ...(revision !== undefined ? { revision } : {}),
    annotations: listFlag(flags, 'annotations', false),
    ...(ignorePaths.length ? { ignorePaths } : {}),
    replaceDefaultIgnores: boolFlag(flags, 'replace-default-ignores'),
    reproducible: boolFlag(flags, 'reproducible'),
    connection: connectionFrom(flags, io),
    onProgress: progressPrinter(io),
  });
  success(io, `artifact successfully pushed to ${result.repository}@${result.digest}`);
  if (format)
    await printStructured(io, format, {
      url: result.url,
      repository: result.repository,
      tag: result.tag,
      digest: result.digest,
      layer: result.layer,
      annotations: result.annotations,
    });
  return 0;
}

export const pushArtifactCommand: CliCommand = { words: ['push', 'artifact'], summary: 'Build and push a Flux OCI artifact', help, run };
