/**
 * The manifest annotations of a Flux artifact (source, revision, created, plus
 * the user's `k=v` pairs, which may override the first three as in flux).
 *
 * Missing source/revision are taken from the workspace's git repository:
 * source = URL of the `origin` remote with any credentials removed (a CI token in
 * `https://x-access-token:TOKEN@host/...` must never end up in a registry),
 * revision = `<branch or tag>@sha1:<HEAD>`, flux's documented convention.
 */
import { git, gitRevision, readGitFacts } from './gitFacts';
import { ArtifactError } from './artifactError.ts';
import { AnnotationKey } from '../mediaTypes.ts';

export interface AnnotationOptions {
  source?: string;
  revision?: string;
  /** Extra annotations as `key=value`; they override the defaults of the same key. */
  annotations?: string[];
  /** Default: now. */
  created?: Date | string;
  /** Folder inside the git work tree to read the remote and HEAD from. */
  cwd: string;
  /** Where CI ref names are read from for a detached HEAD (default: process.env). */
  env?: Record<string, string | undefined>;
}

/** RFC 3339 date-time (what Go's time.Parse(time.RFC3339) accepts, fraction allowed). */
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function isRfc3339(value: string): boolean {
  return rfc3339.test(value) && !Number.isNaN(Date.parse(value));
}

/** UTC, whole seconds, `Z`: the shape flux writes (Go's time.RFC3339). */
export function formatRfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Removes credentials from a remote URL: all user info of http(s) URLs (tokens are
 * often passed as the user name), the password of other URLs (ssh://git@host keeps
 * its user). scp-like `git@host:org/repo` has no secret and stays as it is.
 */
export function stripUrlCredentials(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (!m) return url;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not parseable: drop anything that looks like user info rather than risk a leak.
    return url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@]*@/, '$1');
  }
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    u.username = '';
    u.password = '';
  } else {
    u.password = '';
  }
  return u.toString();
}

/** Parses one `key=value`; the value may itself contain `=` (flux refuses that, needlessly). */
export function parseAnnotation(kv: string): [string, string] {
  const i = kv.indexOf('=');
  const key = i < 0 ? '' : kv.slice(0, i);
  if (i <= 0 || /\s/.test(key)) {
    throw new ArtifactError(
      'bad-annotation',
      `annotation "${kv}" is not of the form key=value (key without spaces), e.g. org.opencontainers.image.description=web app`,
    );
  }
  return [key, kv.slice(i + 1)];
}

async function requireGitRepo(cwd: string, wanted: string): Promise<void> {
  try {
    await git(cwd, ['rev-parse', '--is-inside-work-tree']);
  } catch (e) {
    const notFound = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ArtifactError(
      'not-a-git-repo',
      notFound
        ? `git is not installed, so ${wanted} cannot be read from the repository; pass ${wanted} explicitly`
        : `${cwd} is not inside a git repository, so ${wanted} cannot be guessed; pass ${wanted} explicitly`,
      { cause: e },
    );
  }
}

async function sourceFromGit(cwd: string): Promise<string> {
  await requireGitRepo(cwd, '--source');
  const url = (await readGitFacts(cwd))?.remote;
  if (!url) {
    throw new ArtifactError(
      'not-a-git-repo',
      `the git repository at ${cwd} has no remote to use as the artifact source; pass --source (e.g. https://github.com/org/repo)`,
    );
  }
  return stripUrlCredentials(url);
}

async function revisionFromGit(cwd: string, env: Record<string, string | undefined>): Promise<string> {
  await requireGitRepo(cwd, '--revision');
  const facts = await readGitFacts(cwd);
  if (!facts?.commit) {
    throw new ArtifactError('not-a-git-repo', `the git repository at ${cwd} has no commit yet; commit first or pass --revision`);
  }
  return gitRevision({ ...facts, commit: facts.commit }, env);
}

/** The annotations to put on the manifest, keys sorted (as Go serialises maps). */
export async function artifactAnnotations(opts: AnnotationOptions): Promise<Record<string, string>> {
  const extra = (opts.annotations ?? []).map(parseAnnotation);
  const overridden = new Set(extra.map(([k]) => k));
  const created = opts.created instanceof Date ? formatRfc3339(opts.created) : (opts.created ?? formatRfc3339(new Date()));
  const out: Record<string, string> = {
    [AnnotationKey.created]: created,
    [AnnotationKey.source]:
      opts.source !== undefined ? stripUrlCredentials(opts.source) : overridden.has(AnnotationKey.source) ? '' : await sourceFromGit(opts.cwd),
    [AnnotationKey.revision]: opts.revision ?? (overridden.has(AnnotationKey.revision) ? '' : await revisionFromGit(opts.cwd, opts.env ?? process.env)),
  };
  for (const [k, v] of extra) out[k] = k === AnnotationKey.source ? stripUrlCredentials(v) : v;
  if (!isRfc3339(out[AnnotationKey.created]!)) {
    throw new ArtifactError(
      'bad-annotation',
      `${AnnotationKey.created} must be an RFC 3339 date-time such as 2025-01-31T12:00:00Z, got "${out[AnnotationKey.created]}"`,
    );
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
