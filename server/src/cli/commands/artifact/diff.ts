import type { CliCommand, CliIO } from '../../command';
import { UsageError } from '../../command';
import type { FileChange } from '../../../domain/oci/artifact/contract';
import { boolFlag, connectionFlags, connectionFrom, connectionHelp, exactlyOneUrl, listFlag, outputFormat, parseFlags, stringFlag } from './flags';
import { count, failure, printStructured, success } from './output';

const help = `Usage: flux-oci diff artifact oci://<registry>/<repo>:<tag> --path <dir|file> [flags]

Compares a local folder with a remote artifact file by file (content and
permission bits), with the same ignore rules push uses. flux only compares
layer digests; this says which files differ.

Lines: "+ path" only in the artifact, "- path" only local, "~ path" changed
(mode only when marked so).

Flags:
  -f, --path PATH           folder or file to compare (repeatable)
      --ignore-paths LIST   gitignore patterns, ADDED to flux's defaults
      --replace-default-ignores
                            let --ignore-paths replace the defaults (flux's behaviour)
  -o, --output json|yaml    print the changes for scripts
${connectionHelp}

Exit status: 0 identical, 1 different (or an error), 2 usage error.`;

function describe(c: FileChange): string {
  if (c.kind === 'added') return `+ ${c.path}`;
  if (c.kind === 'removed') return `- ${c.path}`;
  if (c.modeOnly) return `~ ${c.path} (mode ${c.local.mode.toString(8)} → ${c.remote.mode.toString(8)})`;
  return `~ ${c.path}`;
}

async function run(args: string[], io: CliIO): Promise<number> {
  const flags = parseFlags(
    args,
    {
      ...connectionFlags,
      path: { type: 'string', short: 'f', multiple: true },
      'ignore-paths': { type: 'string', multiple: true },
      'replace-default-ignores': { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    },
    'diff artifact',
  );
  const url = exactlyOneUrl(flags, 'diff artifact', 'oci://ghcr.io/org/app:v1 --path ./deploy');
  const paths = listFlag(flags, 'path', false);
  if (paths.length === 0) throw new UsageError('--path is required: the local folder or file to compare');
  const format = outputFormat(stringFlag(flags, 'output'));
  const ignorePaths = listFlag(flags, 'ignore-paths');
  // Loaded on use: the registry stack (undici) is not needed by other commands.
  const { diffArtifact } = await import('../../../domain/oci/operations/diffArtifact');
  const result = await diffArtifact({
    url,
    paths,
    cwd: io.cwd,
    ...(ignorePaths.length ? { ignorePaths } : {}),
    replaceDefaultIgnores: boolFlag(flags, 'replace-default-ignores'),
    connection: connectionFrom(flags, io),
  });
  if (format) printStructured(io, format, result);
  else for (const c of result.changes) io.stdout.write(`${describe(c)}\n`);
  if (result.identical) {
    success(io, `no changes: ${count(result.localFiles, 'file')} identical to ${result.url}`);
    return 0;
  }
  failure(io, `the remote artifact contents differ from the local ones: ${count(result.changes.length, 'file')} changed`);
  return 1;
}

export const diffArtifactCommand: CliCommand = { words: ['diff', 'artifact'], summary: 'Show file-by-file differences between a folder and an artifact', help, run };
