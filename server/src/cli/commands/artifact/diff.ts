import path from 'node:path';
import type { CliCommand, CliIO } from '../../command';
import { UsageError } from '../../command';
import type { ArtifactChange, CompareArtifactsResult, CompareSide, SideInfo } from '../../../domain/oci/operations/compareArtifacts';
import { boolFlag, connectionFlags, connectionFrom, connectionHelp, listFlag, outputFormat, parseFlags, stringFlag, type OutputFormat } from '../../flags';
import { count, failure, printStructured, success } from './output';

const help = `Usage: flux-oci diff artifact oci://<registry>/<repo>:<tag> oci://<registry>/<repo>:<tag|@digest> [flags]
       flux-oci diff artifact oci://<registry>/<repo>:<tag> --path <dir|file> [flags]

Compares two artifacts (tag to tag, digest to digest), or an artifact with a local
folder, file by file: content and permission bits. flux only compares layer digests;
this shows what changed, as a unified diff like git's.

With two artifacts the first is the old side ("---") and the second the new ("+++").
With --path the local files are the old side and the artifact the new one (what the
artifact adds to the folder), read with the ignore rules push uses. Binary files and
files over 1 MiB are summarised in one line, not printed.

Artifacts are downloaded once into the artifact cache (by layer digest, outside the
workspace: $FLUX_OCI_ARTIFACT_CACHE, else the OS cache folder, e.g.
~/.cache/flux-oci/artifacts; at most $FLUX_OCI_ARTIFACT_CACHE_SIZE, default 512M, least
recently used dropped first), so comparing them again needs no download, and a digest
already cached needs no registry at all.

Flags:
      --format unified|summary|json
                            unified (default): a unified diff of the changed files;
                            summary: one line per file ("+ path" only on the new side,
                            "- path" only on the old side, "~ path" changed); json: the
                            changes for scripts
  -o, --output json|yaml    print the result for scripts (as --format json)
  -f, --path PATH           folder or file to compare with the artifact (repeatable)
      --ignore-paths LIST   gitignore patterns, ADDED to flux's defaults (folder side)
      --replace-default-ignores
                            let --ignore-paths replace the defaults (flux's behaviour)
      --artifact-cache DIR  the artifact cache folder (default as above)
${connectionHelp}

Exit status: 0 identical, 1 different (or an error), 2 usage error.`;

type Format = 'unified' | 'summary' | OutputFormat;

function summaryLine(c: ArtifactChange): string {
  if (c.kind === 'added') return `+ ${c.path}`;
  if (c.kind === 'removed') return `- ${c.path}`;
  if (c.modeOnly) return `~ ${c.path} (mode ${c.before!.mode.toString(8)} → ${c.after!.mode.toString(8)})`;
  return `~ ${c.path}`;
}

function label(s: SideInfo): string {
  if (s.kind === 'folder') return s.paths.join(', ');
  return s.tag ? `${s.registry}/${s.repository}:${s.tag}` : `${s.registry}/${s.repository}@${s.digest}`;
}

/** The structured result; with --path, in the shape `diff artifact` always printed (local = old, remote = artifact). */
function structured(result: CompareArtifactsResult, folderMode: boolean): unknown {
  if (!folderMode) return { before: result.before, after: result.after, identical: result.identical, changes: result.changes };
  const artifact = result.after.kind === 'artifact' ? result.after : undefined;
  return {
    url: artifact ? `${artifact.registry}/${artifact.repository}@${artifact.digest}` : '',
    digest: artifact?.digest,
    identical: result.identical,
    changes: result.changes.map(({ before, after, ...rest }) => ({
      ...rest,
      ...(before ? { local: before } : {}),
      ...(after ? { remote: after } : {}),
      ...(rest.kind === 'modified' ? { modeOnly: rest.modeOnly === true } : {}),
    })),
    localFiles: result.before.files,
    remoteFiles: result.after.files,
    before: result.before,
    after: result.after,
  };
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
      format: { type: 'string' },
      'artifact-cache': { type: 'string' },
    },
    'diff artifact',
  );
  const urls = flags.positionals;
  const paths = listFlag(flags, 'path', false);
  if (urls.length === 0 || urls.length > 2) {
    throw new UsageError(
      'expected one or two artifact URLs, e.g. flux-oci diff artifact oci://ghcr.io/org/app:v1 oci://ghcr.io/org/app:v2, or one URL with --path ./deploy',
    );
  }
  if (urls.length === 2 && paths.length > 0) throw new UsageError('give a second artifact URL or --path, not both');
  if (urls.length === 1 && paths.length === 0)
    throw new UsageError('--path is required with one URL: the local folder or file to compare (or give a second artifact URL)');
  const output = outputFormat(stringFlag(flags, 'output'));
  const formatFlag = stringFlag(flags, 'format');
  if (formatFlag !== undefined && !['unified', 'summary', 'json'].includes(formatFlag))
    throw new UsageError(`--format must be unified, summary or json (got "${formatFlag}")`);
  if (output && formatFlag && formatFlag !== 'json')
    throw new UsageError('--output prints the result for scripts; it cannot be combined with --format unified or summary');
  const format: Format = output ?? (formatFlag as Format | undefined) ?? 'unified';
  const ignorePaths = listFlag(flags, 'ignore-paths');
  const folderMode = paths.length > 0;

  // Loaded on use: the registry stack is not needed by other commands.
  const { compareArtifacts, renderUnifiedDiff } = await import('../../../domain/oci/operations/compareArtifacts');
  const { ArtifactContentCache, artifactCacheBytes, defaultArtifactCacheDir } = await import('../../../domain/oci/artifact/contentCache');
  const cacheDir = stringFlag(flags, 'artifact-cache');
  const maxBytes = artifactCacheBytes(io.env);
  if (maxBytes === undefined)
    throw new UsageError(`FLUX_OCI_ARTIFACT_CACHE_SIZE must be a size such as 536870912, 512M or 2G (got "${io.env['FLUX_OCI_ARTIFACT_CACHE_SIZE']}")`);
  const cache = new ArtifactContentCache({ root: cacheDir ? path.resolve(io.cwd, cacheDir) : defaultArtifactCacheDir(io.env), maxBytes });
  const folder: CompareSide = {
    paths,
    cwd: io.cwd,
    ...(ignorePaths.length ? { ignorePaths } : {}),
    ...(boolFlag(flags, 'replace-default-ignores') ? { replaceDefaultIgnores: true } : {}),
  };
  const result = await compareArtifacts({
    before: folderMode ? folder : { url: urls[0]! },
    after: folderMode ? { url: urls[0]! } : { url: urls[1]! },
    cache,
    connection: connectionFrom(flags, io),
  });
  for (const side of [result.before, result.after]) {
    if (side.kind === 'artifact' && side.staleSince) {
      io.stderr.write(`! the registry cannot be reached: ${label(side)} is read as it was on ${side.staleSince} (${side.digest})\n`);
    }
  }

  if (format === 'json' || format === 'yaml') await printStructured(io, format, structured(result, folderMode));
  else if (format === 'summary') for (const c of result.changes) io.stdout.write(`${summaryLine(c)}\n`);
  else io.stdout.write(await renderUnifiedDiff(result.changes, result.sides));

  const files = result.after.files;
  if (result.identical) {
    success(
      io,
      folderMode
        ? `no changes: ${count(files, 'file')} identical to ${label(result.after)}`
        : `no changes: ${label(result.before)} and ${label(result.after)} hold the same ${count(files, 'file')}`,
    );
    return 0;
  }
  const changed = count(result.changes.length, 'file');
  failure(
    io,
    folderMode
      ? `the remote artifact contents differ from the local ones: ${changed} changed`
      : `${label(result.before)} and ${label(result.after)} differ: ${changed} changed`,
  );
  return 1;
}

export const diffArtifactCommand: CliCommand = {
  words: ['diff', 'artifact'],
  summary: 'Show what changed between two artifacts, or between a folder and an artifact',
  help,
  run,
};
