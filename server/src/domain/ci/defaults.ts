/**
 * What `init ci` (CLI and editor) prefills from git: the repository root, the CI system and
 * `owner/repo` from the remote, the current branch.
 */
import { gitOrUndefined, readGitFacts } from '../oci/artifact/gitFacts';
import type { CiSystem } from './fulcioIdentity';
import { repositoryOfRemote } from './gitRemote';

export interface CiDefaults {
  /** The git work tree's root, else the folder asked about. */
  root: string;
  inGit: boolean;
  system?: CiSystem;
  host?: string;
  repository?: string;
  branch?: string;
  /** Suggested artifact repository: ghcr.io/<owner>/<repo>-manifests for GitHub. */
  artifact?: string;
  /** Suggested Flux object name: the repository's name. */
  name?: string;
}

export async function ciDefaults(folder: string): Promise<CiDefaults> {
  const facts = await readGitFacts(folder);
  const root = (facts && (await gitOrUndefined(folder, ['rev-parse', '--show-toplevel']))) || folder;
  const remote = facts?.remote ? repositoryOfRemote(facts.remote) : undefined;
  const repoName = remote?.repository.split('/').pop();
  const name = repoName
    ? repoName
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 63) || undefined
    : undefined;
  return {
    root,
    inGit: facts !== undefined,
    ...(remote?.system ? { system: remote.system } : {}),
    ...(remote ? { host: remote.host, repository: remote.repository } : {}),
    ...(facts?.branch ? { branch: facts.branch } : {}),
    ...(remote?.system === 'github' ? { artifact: `ghcr.io/${remote.repository.toLowerCase()}-manifests` } : {}),
    ...(name ? { name } : {}),
  };
}
