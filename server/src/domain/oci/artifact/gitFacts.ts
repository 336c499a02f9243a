/**
 * What git says about a working tree, read once for both uses: the annotations a push writes
 * (source and revision, as flux push does) and the defaults the editor prefills (tag, source,
 * revision, branch). `git` runs with a timeout; anything it cannot say is left out.
 */
import { execFile } from 'node:child_process';

export interface GitFacts {
  /** HEAD's commit, when there is one. */
  commit?: string;
  branch?: string;
  /** A tag pointing exactly at HEAD. */
  exactTag?: string;
  /** The `origin` remote, else the first remote, as git has it (credentials included: strip before use). */
  remote?: string;
}

export function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'utf8', timeout: 15_000, windowsHide: true }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr: String(stderr).trim() }));
      else resolve(String(stdout).trim());
    });
  });
}

export async function gitOrUndefined(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await git(cwd, args);
    return out === '' ? undefined : out;
  } catch {
    return undefined;
  }
}

/** Everything at once; undefined when `cwd` is not in a git work tree (or git is missing). */
export async function readGitFacts(cwd: string): Promise<GitFacts | undefined> {
  if ((await gitOrUndefined(cwd, ['rev-parse', '--is-inside-work-tree'])) !== 'true') return undefined;
  const [commit, branch, exactTag, origin] = await Promise.all([
    gitOrUndefined(cwd, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']),
    gitOrUndefined(cwd, ['symbolic-ref', '-q', '--short', 'HEAD']),
    gitOrUndefined(cwd, ['describe', '--tags', '--exact-match', 'HEAD']),
    gitOrUndefined(cwd, ['remote', 'get-url', 'origin']),
  ]);
  let remote = origin;
  if (!remote) {
    const first = (await gitOrUndefined(cwd, ['remote']))?.split('\n')[0];
    if (first) remote = await gitOrUndefined(cwd, ['remote', 'get-url', first]);
  }
  return { ...(commit ? { commit } : {}), ...(branch ? { branch } : {}), ...(exactTag ? { exactTag } : {}), ...(remote ? { remote } : {}) };
}

/**
 * Flux's revision format for a commit: `<ref>@sha1:<commit>`, the ref being the branch, else an
 * exact tag, else (detached HEAD in CI) the ref the runner names; `sha1:<commit>` without one.
 */
export function gitRevision(facts: GitFacts & { commit: string }, env: Record<string, string | undefined> = {}): string {
  const ref = facts.branch ?? facts.exactTag ?? env['GITHUB_HEAD_REF'] ?? env['GITHUB_REF_NAME'] ?? env['CI_COMMIT_REF_NAME'];
  return ref ? `${ref}@sha1:${facts.commit}` : `sha1:${facts.commit}`;
}
