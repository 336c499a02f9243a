import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { boolFlag, listFlag, parseFlags, stringFlag } from '../flags';
import { ciDefaults } from '../../domain/ci/defaults';
import { githubPipeline, type RenderStep } from '../../domain/ci/pipeline';
import { gitlabPipeline } from '../../domain/ci/gitlabPipeline';
import { FilesExistError, writeGeneratedFiles } from '../../domain/ci/writeFiles';
import { version } from '../../version';

const help = `Usage: flux-oci init ci [FOLDER] [flags]

Writes a Gitless GitOps pipeline for a folder of manifests: a GitHub Actions workflow (or a
GitLab CI pipeline) that renders them (the folder as it is, a kustomize overlay or a Helm
chart), runs flux-oci check on the result, pushes it as a Flux artifact tagged with the commit
SHA and the git tag or branch (--source/--revision from the CI environment) and signs the
pushed digest keyless with the job's OIDC identity; and the cluster side: an OCIRepository whose
spec.verify.matchOIDCIdentity accepts exactly that workflow's signatures (anchored, escaped
regexes: this workflow file, this repository, these refs), with a Kustomization.
Repository, branch and artifact are prefilled from git. GitHub certifies the repository's name
as GitHub spells it: if the remote's case differs, give --repository as GitHub shows it.
Existing files are never replaced without --force; every file is written to a temp name and
renamed into place.

Flags:
      --ci github|gitlab        the CI system (default from the git remote): GitHub Actions writes
                                .github/workflows/FILE, GitLab CI writes .gitlab-ci.yml
      --repository OWNER/REPO   default: the git remote's (GitLab: GROUP/SUBGROUP/PROJECT)
      --gitlab-host HOST        a self-managed GitLab instance (default: the remote's, else gitlab.com)
      --artifact REPO           oci://registry/path for the artifact (default: ghcr.io/OWNER/REPO-manifests,
                                GitLab: the project's registry, registry.gitlab.com/GROUP/PROJECT/manifests)
      --kustomize DIR           render this kustomize overlay (instead of pushing FOLDER as is)
      --helm-chart DIR          render this Helm chart with helm template
      --helm-values FILE        values file for the chart (repeatable)
      --helm-release NAME       release name for helm template (default: --name)
      --helm-namespace NS       namespace for helm template
      --policy DIR              policy gate: the rendered manifests must pass conftest test with
                                the Rego policies of DIR before anything is pushed
      --branch NAME             branch the workflow runs on (repeatable; default: the current branch)
      --tag-prefix P            also run on tags P* and let Flux follow their semver (default v)
      --no-tags                 branches only; Flux follows the tag named after the first branch
      --workflow FILE           file name under .github/workflows (default flux-artifact.yml)
      --name NAME               Flux object name (default: the repository's name)
      --namespace NS            Flux objects' namespace (default flux-system)
      --sync-file PATH          where the OCIRepository and Kustomization go
                                (default flux/NAME-sync.yaml)
      --registry-username-secret NAME, --registry-password-secret NAME
                                repository secrets with credentials for a registry other than ghcr.io
      --dry-run                 print the files instead of writing them
      --force                   replace files that exist

Example:
  flux-oci init ci ./deploy --branch main --tag-prefix v`;

async function run(args: string[], io: CliIO): Promise<number> {
  const flags = parseFlags(
    args,
    {
      ci: { type: 'string' },
      'gitlab-host': { type: 'string' },
      repository: { type: 'string' },
      artifact: { type: 'string' },
      kustomize: { type: 'string' },
      'helm-chart': { type: 'string' },
      'helm-values': { type: 'string', multiple: true },
      'helm-release': { type: 'string' },
      'helm-namespace': { type: 'string' },
      branch: { type: 'string', multiple: true },
      'tag-prefix': { type: 'string' },
      'no-tags': { type: 'boolean' },
      workflow: { type: 'string' },
      name: { type: 'string' },
      namespace: { type: 'string' },
      'sync-file': { type: 'string' },
      'registry-username-secret': { type: 'string' },
      'registry-password-secret': { type: 'string' },
      policy: { type: 'string' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
    },
    'init ci',
  );
  if (flags.positionals.length > 1) throw new UsageError('give at most one FOLDER');
  const defaults = await ciDefaults(io.cwd);
  const root = defaults.root;
  /** A path the user gave (relative to where they are) as the workflow sees it (relative to the repository root). */
  const inRepo = (p: string, what: string): string => {
    const abs = path.resolve(io.cwd, p);
    if (what !== 'the sync file' && !existsSync(abs)) throw new UsageError(`${what} ${p} does not exist (paths are relative to ${io.cwd})`);
    const rel = path.relative(root, abs).split(path.sep).join('/');
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new UsageError(`${what} ${p} is outside the repository (${root})`);
    return rel || '.';
  };
  const system = stringFlag(flags, 'ci') ?? defaults.system ?? 'github';
  if (system !== 'github' && system !== 'gitlab') throw new UsageError(`--ci must be github or gitlab (got "${system}")`);
  const repository = stringFlag(flags, 'repository') ?? (defaults.system === system ? defaults.repository : undefined);
  if (!repository)
    throw new UsageError(
      system === 'github'
        ? 'no GitHub remote in this repository: give --repository OWNER/REPO'
        : 'no GitLab remote in this repository: give --repository GROUP/PROJECT',
    );
  const host =
    system === 'github' ? 'github.com' : (stringFlag(flags, 'gitlab-host') ?? (defaults.system === 'gitlab' ? defaults.host : undefined) ?? 'gitlab.com');
  const artifact =
    stringFlag(flags, 'artifact') ??
    (system === 'github' ? `ghcr.io/${repository.toLowerCase()}-manifests` : `registry.${host}/${repository.toLowerCase()}/manifests`);

  const kustomize = stringFlag(flags, 'kustomize');
  const chart = stringFlag(flags, 'helm-chart');
  const folder = flags.positionals[0];
  if ([kustomize, chart, folder].filter((x) => x !== undefined).length > 1) throw new UsageError('give one of FOLDER, --kustomize DIR or --helm-chart DIR');
  const name =
    stringFlag(flags, 'name') ??
    (repository.split('/').pop() ?? 'app')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '');
  let render: RenderStep;
  if (kustomize !== undefined) render = { kind: 'kustomize', path: inRepo(kustomize, 'the overlay') };
  else if (chart !== undefined) {
    const ns = stringFlag(flags, 'helm-namespace');
    render = {
      kind: 'helm',
      chart: inRepo(chart, 'the chart'),
      values: listFlag(flags, 'helm-values', false).map((v) => inRepo(v, 'the values file')),
      releaseName: stringFlag(flags, 'helm-release') ?? name,
      ...(ns ? { namespace: ns } : {}),
    };
  } else render = { kind: 'plain', path: inRepo(folder ?? '.', 'the folder') };
  if (render.kind !== 'helm' && (flags.values['helm-values'] || stringFlag(flags, 'helm-release') || stringFlag(flags, 'helm-namespace')))
    throw new UsageError('--helm-values, --helm-release and --helm-namespace go with --helm-chart');

  const branches = listFlag(flags, 'branch');
  const noTags = boolFlag(flags, 'no-tags');
  const tagPrefix = stringFlag(flags, 'tag-prefix');
  if (noTags && tagPrefix !== undefined) throw new UsageError('--no-tags and --tag-prefix contradict each other');
  const user = stringFlag(flags, 'registry-username-secret');
  const pass = stringFlag(flags, 'registry-password-secret');
  if ((user === undefined) !== (pass === undefined)) throw new UsageError('give both --registry-username-secret and --registry-password-secret');

  let pipeline;
  try {
    pipeline = (system === 'github' ? githubPipeline : gitlabPipeline)({
      host,
      repository,
      workflowFile: stringFlag(flags, 'workflow') ?? 'flux-artifact.yml',
      artifact,
      render,
      refs: { branches: branches.length ? branches : [defaults.branch ?? 'main'], ...(noTags ? {} : { tagPrefix: tagPrefix ?? 'v' }) },
      ...(user && pass ? { registrySecrets: { username: user, password: pass } } : {}),
      name,
      namespace: stringFlag(flags, 'namespace') ?? 'flux-system',
      syncFile: stringFlag(flags, 'sync-file') !== undefined ? inRepo(stringFlag(flags, 'sync-file')!, 'the sync file') : `flux/${name}-sync.yaml`,
      ...(stringFlag(flags, 'policy') !== undefined ? { policyGate: inRepo(stringFlag(flags, 'policy')!, 'the policy folder') } : {}),
      fluxOciVersion: /^\d+\.\d+\.\d+/.test(version) && !version.includes('unbundled') ? version : '0.1.0',
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (boolFlag(flags, 'dry-run')) {
    for (const f of pipeline.files) io.stdout.write(`# ---- ${f.path} (${f.purpose})\n${f.content}`);
  } else {
    try {
      const r = await writeGeneratedFiles(root, pipeline.files, { force: boolFlag(flags, 'force') });
      for (const f of pipeline.files) io.stderr.write(`✔ ${r.replaced.includes(f.path) ? 'replaced' : 'wrote'} ${f.path}: ${f.purpose}\n`);
    } catch (err) {
      if (err instanceof FilesExistError) {
        io.stderr.write(`✗ ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  }
  io.stderr.write(`► signatures accepted: issuer ${pipeline.identity.issuer}, subject ${pipeline.identity.subject}\n`);
  for (const n of pipeline.notes) io.stderr.write(`! ${n}\n`);
  return 0;
}

export const initCiCommand: CliCommand = {
  words: ['init', 'ci'],
  summary: 'Write a Gitless CI pipeline (render, check, push, sign) and its signature-checking OCIRepository',
  help,
  run,
};
