import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { walkFiles } from '../../domain/workspace/walkFiles';
import { migrateFile } from '../../domain/migration/migrate';
import { bundledFluxVersions } from '../../domain/schema/schemaSet';
import { chooseSchemas, describeChoice, fluxFactsOfText, type WorkspaceFluxFacts } from '../../domain/workspace/fluxVersion';

const help = `Usage: flux-oci migrate [paths...] [--dry-run] [--flux-version X.Y]

Rewrites Flux objects on a removed or deprecated apiVersion to the version the target Flux
serves, and the fields that changed with it, like flux migrate does for stored objects:
Kustomization patchesStrategicMerge/patchesJson6902 → patches (validation dropped),
HelmRelease chart valuesFile → valuesFiles and post-renderer patches → patches,
HelmChart valuesFile → valuesFiles, sources' accessFrom and gitImplementation dropped.
Only the documents that change are rewritten; their comments are kept.

The target is the Flux the files show (their Flux CRDs, a FluxInstance), else the newest
bundled (BUNDLED); --flux-version picks one.

Flags:
  --dry-run          print what would change as a unified diff; write nothing
  --flux-version X.Y  migrate to what that bundled release serves

Exit status: 0 done (or nothing to do), 1 with --dry-run when something would change, 2 usage error.
`;

async function run(args: string[], io: CliIO): Promise<number> {
  const paths: string[] = [];
  let dryRun = false;
  let fluxVersion: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--dry-run') dryRun = true;
    else if (a === '--flux-version' || a.startsWith('--flux-version=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (!v || !/^v?\d+\.\d+(\.\d+)?$/.test(v))
        throw new UsageError(`--flux-version must look like 2.8 (got ${v === undefined ? 'nothing' : `"${v}"`}); bundled: ${bundledFluxVersions().join(', ')}`);
      fluxVersion = v;
    } else if (a.startsWith('-')) throw new UsageError(`unknown flag ${a}; see flux-oci migrate --help`);
    else paths.push(a);
  }
  let files: string[];
  try {
    files = await walkFiles(paths.length ? paths : ['.'], { cwd: io.cwd, signal: io.signal });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const texts = new Map<string, string>();
  const facts: WorkspaceFluxFacts = { crds: [], instances: [] };
  for (const f of files) {
    const text = await readFile(f, 'utf8');
    texts.set(f, text);
    const found = fluxFactsOfText(text, rel(io.cwd, f));
    facts.crds.push(...found.crds);
    facts.instances.push(...found.instances);
  }
  const choice = chooseSchemas({ ...(fluxVersion ? { fluxVersion } : {}), facts });
  const target = fluxVersion ? { ...choice, reason: '--flux-version' } : choice;
  let changedFiles = 0;
  let changedObjects = 0;
  for (const [f, text] of texts) {
    if (io.signal.aborted) break;
    const m = migrateFile(text, target.set);
    if (!m.documents.length) continue;
    changedFiles++;
    changedObjects += m.documents.length;
    const name = rel(io.cwd, f);
    for (const d of m.documents) io.stderr.write(`${name}:${d.line + 1}: ${d.kind}: ${d.changes.join('; ')}\n`);
    if (dryRun) io.stdout.write(createTwoFilesPatch(`a/${name}`, `b/${name}`, text, m.text, '', '', { context: 3 }));
    else {
      // written beside the file and renamed over it: never half a file
      const tmp = path.join(path.dirname(f), `.${path.basename(f)}.flux-oci-migrate-${process.pid}`);
      await writeFile(tmp, m.text);
      await rename(tmp, f);
    }
  }
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  io.stderr.write(
    changedObjects
      ? `${dryRun ? 'would migrate' : '✓ migrated'} ${plural(changedObjects, 'object')} in ${plural(changedFiles, 'file')} to ${describeChoice(target)}\n`
      : `✓ nothing to migrate for ${describeChoice(target)} (${plural(files.length, 'file')} checked)\n`,
  );
  return dryRun && changedObjects ? 1 : 0;
}

function rel(cwd: string, abs: string): string {
  const r = path.relative(cwd, abs);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r.split(path.sep).join('/') : abs;
}

export const migrateCommand: CliCommand = {
  words: ['migrate'],
  summary: 'Rewrite Flux objects on removed or deprecated APIs (apiVersion and the fields that changed)',
  get help() {
    return help.replace('BUNDLED', bundledFluxVersions().join(', '));
  },
  run,
};
