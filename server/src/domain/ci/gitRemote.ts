/**
 * Which CI system and repository a git remote names, for prefilling `init ci`:
 * `https://github.com/org/app.git`, `git@github.com:org/app.git`,
 * `ssh://git@gitlab.com/group/sub/project.git`. Credentials in the URL are dropped.
 */
import type { CiSystem } from './fulcioIdentity';

export interface RemoteRepository {
  host: string;
  /** `owner/repo`, `group/subgroup/project`. */
  repository: string;
  /** The CI system the host suggests; undefined for other hosts. */
  system?: CiSystem;
}

export function repositoryOfRemote(remote: string): RemoteRepository | undefined {
  let host: string;
  let pathPart: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(remote.trim());
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remote.trim())) {
    let url: URL;
    try {
      url = new URL(remote.trim());
    } catch {
      return undefined;
    }
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol)) return undefined;
    host = url.protocol === 'ssh:' || url.protocol === 'git:' ? url.hostname : url.host;
    pathPart = url.pathname;
  } else if (scp) {
    host = scp[1]!;
    pathPart = scp[2]!;
  } else return undefined;
  const repository = pathPart
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  if (!repository.includes('/')) return undefined;
  const lower = host.toLowerCase();
  const system: CiSystem | undefined = lower === 'github.com' ? 'github' : lower === 'gitlab.com' || lower.startsWith('gitlab.') ? 'gitlab' : undefined;
  return { host: lower, repository, ...(system ? { system } : {}) };
}
