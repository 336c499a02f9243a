import type { CliCommand, CliIO } from '../../command';
import { UsageError } from '../../command';
import { boolFlag, listFlag, parseFlags, stringFlag, outputFormat } from '../../flags';
import { count, printStructured, step, success } from './output';

const help = `Usage: flux-oci build artifact --path <dir|file> [--output artifact.tgz] [flags]

Builds the artifact's content layer (tar+gzip) locally, exactly as push would
upload it. No registry is contacted.

Flags:
  -p, --path PATH           folder or file to pack (repeatable)
  -o, --output FILE         where to write the .tgz (default artifact.tgz)
      --ignore-paths LIST   gitignore patterns to leave out, ADDED to flux's defaults
      --replace-default-ignores
                            let --ignore-paths replace the defaults (flux's behaviour)
      --format json|yaml    print the result for scripts`;

async function run(args: string[], io: CliIO): Promise<number> {
  const flags = parseFlags(
    args,
    {
      path: { type: 'string', short: 'p', multiple: true },
      output: { type: 'string', short: 'o' },
      'ignore-paths': { type: 'string', multiple: true },
      'replace-default-ignores': { type: 'boolean' },
      format: { type: 'string' },
    },
    'build artifact',
  );
  if (flags.positionals.length > 0) throw new UsageError(`unexpected argument "${flags.positionals[0]}"; pass the folder with --path`);
  const paths = listFlag(flags, 'path', false);
  if (paths.length === 0) throw new UsageError('--path is required: the folder or file to pack');
  const format = outputFormat(stringFlag(flags, 'format'));
  const ignorePaths = listFlag(flags, 'ignore-paths');
  const output = stringFlag(flags, 'output');
  step(io, `building artifact from ${paths.join(', ')}`);
  // Loaded on use: the registry stack is not needed by other commands.
  const { buildArtifact } = await import('../../../domain/oci/operations/buildArtifact');
  const result = await buildArtifact({
    paths,
    cwd: io.cwd,
    ...(output ? { output } : {}),
    ...(ignorePaths.length ? { ignorePaths } : {}),
    replaceDefaultIgnores: boolFlag(flags, 'replace-default-ignores'),
    signal: io.signal,
  });
  success(io, `artifact (${count(result.files, 'file')}, ${result.digest}) written to ${result.path}`);
  if (format) await printStructured(io, format, result);
  return 0;
}

export const buildArtifactCommand: CliCommand = { words: ['build', 'artifact'], summary: 'Build a Flux artifact .tgz locally', help, run };
