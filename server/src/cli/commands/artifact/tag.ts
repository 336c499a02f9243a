import type { CliCommand, CliIO } from '../../command';
import { connectionFlags, connectionFrom, connectionHelp, exactlyOneUrl, listFlag, outputFormat, parseFlags, stringFlag } from '../../flags';
import { printStructured, progressPrinter, step, success } from './output';
import { UsageError } from '../../command';

const help = `Usage: flux-oci tag artifact oci://<registry>/<repo>:<tag>|@<digest> --tag <new tag> [flags]

Adds tags to an existing artifact. The manifest bytes are re-used as they are,
so the digest never changes.

Flags:
  -t, --tag TAG             tag to add (repeatable or comma-separated)
  -o, --output json|yaml    print the result for scripts
${connectionHelp}`;

async function run(args: string[], io: CliIO): Promise<number> {
  const flags = parseFlags(
    args,
    { ...connectionFlags, tag: { type: 'string', short: 't', multiple: true }, output: { type: 'string', short: 'o' } },
    'tag artifact',
  );
  const url = exactlyOneUrl(flags, 'tag artifact', 'oci://ghcr.io/org/app:v1 --tag latest');
  const tags = listFlag(flags, 'tag');
  if (tags.length === 0) throw new UsageError('--tag is required: the tag(s) to add');
  const format = outputFormat(stringFlag(flags, 'output'));
  step(io, `tagging artifact ${url.replace(/^oci:\/\//, '')}`);
  // Loaded on use: the registry stack is not needed by other commands.
  const { tagArtifact } = await import('../../../domain/oci/operations/tagArtifact');
  const result = await tagArtifact({ url, tags, connection: connectionFrom(flags, io), onProgress: progressPrinter(io) });
  for (const t of result.tags) success(io, `artifact tagged as ${result.repository}:${t}`);
  if (format) await printStructured(io, format, result);
  return 0;
}

export const tagArtifactCommand: CliCommand = { words: ['tag', 'artifact'], summary: 'Add tags to a Flux OCI artifact (digest unchanged)', help, run };
