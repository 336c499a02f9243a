/**
 * The certificate identity Fulcio gives a CI job's keyless signature, and the
 * `matchOIDCIdentity` regexes that accept exactly that identity.
 *
 * Fulcio's public-instance configuration (config/identity/config.yaml) builds the
 * certificate's Subject Alternative Name from the job's OIDC token:
 * - GitHub Actions (issuer `https://token.actions.githubusercontent.com`):
 *   `{{ .url }}/{{ .job_workflow_ref }}`, i.e.
 *   `https://github.com/OWNER/REPO/.github/workflows/FILE@refs/heads/main`;
 * - GitLab CI (issuer `https://gitlab.com`): `https://{{ .ci_config_ref_uri }}`, i.e.
 *   `https://gitlab.com/GROUP/PROJECT//.gitlab-ci.yml@refs/heads/main` (two slashes
 *   before the configuration file's path).
 *
 * Flux matches `issuer` and `subject` with Go's `regexp.MatchString`, which is
 * unanchored, so the regexes generated here are anchored at both ends and every
 * literal is escaped; refs are alternatives over the exact branch names and the
 * tag prefix the workflow triggers on.
 */
import { compileRe2 } from '../regex/re2';

export type CiSystem = 'github' | 'gitlab';

/** The refs a pipeline runs on: exact branch names, and tags starting with a prefix (`v` for `v*`). */
export interface RefPattern {
  branches: string[];
  /** Tags whose name starts with this prefix; undefined: no tags. `''` is every tag. */
  tagPrefix?: string;
}

export interface CiIdentityTarget {
  system: CiSystem;
  /** `github.com` or `gitlab.com` (a GitLab instance may be self-managed: its host is its issuer). */
  host: string;
  /** `owner/repo` (GitHub) or `group/subgroup/project` (GitLab). */
  repository: string;
  /** Path of the workflow in the repository: `.github/workflows/release.yml`, `.gitlab-ci.yml`. */
  workflowPath: string;
}

export interface CertificateIdentity {
  subject: string;
  issuer: string;
}

export const githubIssuer = 'https://token.actions.githubusercontent.com';

export function issuerOf(system: CiSystem, host: string): string {
  return system === 'github' ? githubIssuer : `https://${host}`;
}

/** The identity Fulcio puts in the certificate of a job of `target` running on `ref` (`refs/heads/main`, `refs/tags/v1.2.0`). */
export function fulcioIdentity(target: CiIdentityTarget, ref: string): CertificateIdentity {
  const separator = target.system === 'gitlab' ? '//' : '/';
  return { subject: `https://${target.host}/${target.repository}${separator}${target.workflowPath}@${ref}`, issuer: issuerOf(target.system, target.host) };
}

/** Escapes every RE2 metacharacter, like Go's `regexp.QuoteMeta`. */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

export interface IdentityRegexes {
  issuer: string;
  subject: string;
}

/**
 * Anchored, escaped regexes accepting the identity of `target` on exactly the refs of `refs`:
 * each branch by name, tags by prefix with the rest of the name free of `/` (what GitHub's `v*`
 * filter and the generated GitLab rule accept).
 */
export function identityRegexes(target: CiIdentityTarget, refs: RefPattern): IdentityRegexes {
  validateTarget(target);
  const alternatives = refAlternatives(refs);
  if (alternatives.length === 0) throw new Error('the pipeline runs on no branch and no tag: name a branch or a tag prefix');
  const prefix = fulcioIdentity(target, '').subject; // ends with '@'
  const refsPart = alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join('|')})`;
  const out = { issuer: `^${quoteMeta(issuerOf(target.system, target.host))}$`, subject: `^${quoteMeta(prefix)}${refsPart}$` };
  for (const r of [out.issuer, out.subject]) {
    const c = compileRe2(r);
    if (!c.ok) throw new Error(`generated an invalid regex ${r}: ${c.error}`);
  }
  return out;
}

function refAlternatives(refs: RefPattern): string[] {
  const out = refs.branches.map((b) => {
    validateRefName(b, 'branch');
    return `refs/heads/${quoteMeta(b)}`;
  });
  if (refs.tagPrefix !== undefined) {
    if (refs.tagPrefix !== '') validateRefName(refs.tagPrefix, 'tag prefix');
    out.push(`refs/tags/${quoteMeta(refs.tagPrefix)}[^/]${refs.tagPrefix === '' ? '+' : '*'}`);
  }
  return out;
}

const segment = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Throws with a reason when the target could not be a real repository and workflow. */
export function validateTarget(target: CiIdentityTarget): void {
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(target.host)) throw new Error(`"${target.host}" is not a host name`);
  const parts = target.repository.split('/');
  if (target.system === 'github' ? parts.length !== 2 : parts.length < 2) {
    throw new Error(
      target.system === 'github'
        ? `the repository must be OWNER/REPO (got "${target.repository}")`
        : `the project must be GROUP/PROJECT (got "${target.repository}")`,
    );
  }
  if (!parts.every((p) => segment.test(p))) throw new Error(`"${target.repository}" is not a repository path`);
  if (target.system === 'github' && !/^\.github\/workflows\/[A-Za-z0-9_.-]+\.ya?ml$/.test(target.workflowPath)) {
    throw new Error(`a GitHub workflow lives at .github/workflows/NAME.yml (got "${target.workflowPath}")`);
  }
  if (target.system === 'gitlab' && !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\.ya?ml$/.test(target.workflowPath)) {
    throw new Error(`"${target.workflowPath}" is not a GitLab CI configuration path`);
  }
}

/** A branch name or tag prefix as git allows it, without the characters that make globs. */
export function validateRefName(name: string, what: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(name) || name.includes('..') || name.endsWith('/') || name.endsWith('.lock') || name.includes('//')) {
    throw new Error(`"${name}" is not a ${what} flux-oci can match exactly (letters, digits, '_', '.', '-', '/')`);
  }
}
