import type { CliCommand, CliIO } from '../../command';
import { connectionFlags, connectionFrom, connectionHelp, exactlyOneUrl, outputFormat, parseFlags, stringFlag } from '../../flags';
import { formatTable, printStructured } from './output';

const help = `Usage: flux-oci list artifacts oci://<registry>/<repo> [flags]

Lists the tags of a repository with their digest, source, revision and
creation time. Signature, attestation and SBOM tags are left out.

Flags:
      --filter-semver RANGE  keep tags matching a semver range, with Flux's (Masterminds)
                             rules; results are ordered highest version first
      --filter-regex RE      keep tags matching a Go RE2 regular expression (unanchored)
  -o, --output json|yaml     print the result for scripts
${connectionHelp}`;

async function run(args: string[], io: CliIO): Promise<number> {
  const flags = parseFlags(
    args,
    { ...connectionFlags, 'filter-semver': { type: 'string' }, 'filter-regex': { type: 'string' }, output: { type: 'string', short: 'o' } },
    'list artifacts',
  );
  const url = exactlyOneUrl(flags, 'list artifacts', 'oci://ghcr.io/org/app');
  const format = outputFormat(stringFlag(flags, 'output'));
  const semver = stringFlag(flags, 'filter-semver');
  const regex = stringFlag(flags, 'filter-regex');
  // Loaded on use: the registry stack is not needed by other commands.
  const { listArtifacts } = await import('../../../domain/oci/operations/listArtifacts');
  const result = await listArtifacts({
    url,
    ...(semver ? { filterSemver: semver } : {}),
    ...(regex ? { filterRegex: regex } : {}),
    connection: connectionFrom(flags, io),
  });
  if (format) {
    await printStructured(io, format, result.artifacts);
    return 0;
  }
  io.stdout.write(
    formatTable(
      ['ARTIFACT', 'DIGEST', 'SOURCE', 'REVISION', 'CREATED'],
      result.artifacts.map((a) => [a.url, a.digest, a.source ?? '', a.revision ?? '', a.created ?? '']),
    ),
  );
  return 0;
}

export const listArtifactsCommand: CliCommand = {
  words: ['list', 'artifacts'],
  summary: 'List Flux OCI artifacts with digest, source and revision',
  help,
  run,
};
