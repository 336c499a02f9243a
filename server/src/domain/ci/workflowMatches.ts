/**
 * Which GitHub workflows of a repository an OCIRepository's `spec.verify.matchOIDCIdentity`
 * accepts: each workflow's push triggers (branches, tags) give the refs its jobs run on; the
 * identity Fulcio would certify for each (`fulcioIdentity`) is matched with the RE2 engine as
 * Flux matches it (Go MatchString). Glob triggers are judged by a sample ref (`v*` → `v1.0.0`),
 * said as the glob.
 */
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import type { Range } from '../text/lineIndex';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { compileRe2 } from '../regex/re2';
import { fulcioIdentity, type CiIdentityTarget } from './fulcioIdentity';

export interface WorkflowText {
  /** Repository-relative, `.github/workflows/release.yml`. */
  path: string;
  text: string;
}

/** One way a workflow runs: a branch or tag filter as written, and a concrete ref standing for it. */
export interface WorkflowRun {
  /** `branch main`, `tags v*`, `any branch`. */
  label: string;
  ref: string;
}

/** The push runs of a GitHub workflow: its branches and tags filters (globs kept for the label). */
export function workflowRuns(text: string): WorkflowRun[] {
  let on: unknown;
  try {
    const doc = parseDocument(text);
    if (!isMap(doc.contents)) return [];
    on = doc.contents.get('on', true); // YAML 1.2: `on` is a string key, as GitHub reads it
  } catch {
    return [];
  }
  const events = new Set<string>();
  let push: YAMLMap | undefined;
  if (isScalar(on) && typeof on.value === 'string') {
    events.add(on.value);
  } else if (isSeq(on)) {
    for (const i of on.items) if (isScalar(i) && typeof i.value === 'string') events.add(i.value);
  } else if (isMap(on)) {
    for (const p of on.items) if (isScalar(p.key)) events.add(String(p.key.value));
    const v = on.get('push', true);
    if (isMap(v)) push = v;
  }
  const runs: WorkflowRun[] = [];
  const list = (key: string): string[] | undefined => {
    const v = push?.get(key, true);
    if (!isSeq(v)) return isScalar(v) && typeof v.value === 'string' ? [v.value] : undefined;
    return v.items.filter(isScalar).map((i) => String(i.value));
  };
  if (events.has('push')) {
    const branches = list('branches');
    const tags = list('tags');
    for (const b of branches ?? [])
      if (!b.startsWith('!')) runs.push({ label: /[*?[]/.test(b) ? `branches ${b}` : `branch ${b}`, ref: `refs/heads/${sample(b)}` });
    for (const t of tags ?? []) if (!t.startsWith('!')) runs.push({ label: `tags ${t}`, ref: `refs/tags/${sample(t)}` });
    if (!branches && !tags && !list('branches-ignore') && !list('tags-ignore')) runs.push({ label: 'any branch', ref: 'refs/heads/main' });
  }
  if (events.has('workflow_dispatch') && !runs.some((r) => r.ref === 'refs/heads/main')) runs.push({ label: 'a manual run on main', ref: 'refs/heads/main' });
  return runs;
}

/**
 * The runs of a GitLab `.gitlab-ci.yml` as its `workflow: rules` say, in the simple forms
 * `init ci` writes and people commonly use: `$CI_COMMIT_BRANCH == "main"`,
 * `$CI_COMMIT_TAG =~ /^v.../`, `$CI_COMMIT_TAG`. Without workflow rules: any branch and any tag.
 */
export function gitlabRuns(text: string): WorkflowRun[] {
  let rules: unknown;
  try {
    const doc = parseDocument(text);
    if (!isMap(doc.contents)) return [];
    const workflow = doc.contents.get('workflow', true);
    rules = isMap(workflow) ? workflow.get('rules', true) : undefined;
  } catch {
    return [];
  }
  if (!isSeq(rules))
    return [
      { label: 'any branch', ref: 'refs/heads/main' },
      { label: 'any tag', ref: 'refs/tags/v1.0.0' },
    ];
  const runs: WorkflowRun[] = [];
  for (const rule of rules.items) {
    if (!isMap(rule)) continue;
    if (rule.get('when') === 'never') continue;
    const cond = rule.get('if');
    if (typeof cond !== 'string') continue;
    const branch = /^\s*\$CI_COMMIT_BRANCH\s*==\s*["']([^"']+)["']\s*$/.exec(cond);
    const tagRe = /^\s*\$CI_COMMIT_TAG\s*=~\s*\/(.*)\/\s*$/.exec(cond);
    if (branch) runs.push({ label: `branch ${branch[1]}`, ref: `refs/heads/${branch[1]}` });
    else if (tagRe) {
      const re = tagRe[1]!.replace(/\\\//g, '/');
      const prefix = /^\^([A-Za-z0-9_.-]*)/.exec(re)?.[1]?.replace(/\\/g, '') ?? '';
      runs.push({ label: `tags /${tagRe[1]}/`, ref: `refs/tags/${prefix}1.0.0` });
    } else if (/^\s*\$CI_COMMIT_TAG\s*$/.test(cond)) runs.push({ label: 'any tag', ref: 'refs/tags/v1.0.0' });
  }
  return runs;
}

/** A ref name matching a GitHub filter glob: `*` / `**` → digits-and-dots a semver-ish tag would have. */
function sample(glob: string): string {
  return glob
    .replace(/\*\*/g, 'x')
    .replace(/\*/g, (_m, i: number) => (i > 0 && glob[i - 1] === 'v' ? '1.0.0' : 'x'))
    .replace(/\?/g, '1')
    .replace(/\[([^\]])[^\]]*\]/g, '$1');
}

export interface IdentityAcceptance {
  /** The workflow files and the runs of each whose signatures the policy accepts. */
  accepted: Array<{ path: string; runs: string[] }>;
  /** How many workflows were looked at. */
  considered: number;
}

export function acceptedWorkflows(
  policy: { issuer: string; subject: string },
  repo: Omit<CiIdentityTarget, 'workflowPath'>,
  workflows: WorkflowText[],
): IdentityAcceptance | undefined {
  const issuer = compileRe2(policy.issuer);
  const subject = compileRe2(policy.subject);
  if (!issuer.ok || !subject.ok) return undefined;
  const accepted: IdentityAcceptance['accepted'] = [];
  for (const w of workflows) {
    const runs = (repo.system === 'gitlab' ? gitlabRuns(w.text) : workflowRuns(w.text)).filter((r) => {
      const id = fulcioIdentity({ ...repo, workflowPath: w.path }, r.ref);
      return issuer.regex.test(id.issuer) && subject.regex.test(id.subject);
    });
    if (runs.length) accepted.push({ path: w.path, runs: runs.map((r) => r.label) });
  }
  return { accepted, considered: workflows.length };
}

/** The `matchOIDCIdentity` entries of an OCIRepository (provider cosign) and where each sits. */
export function identityPolicies(doc: ParsedDocument): Array<{ issuer: string; subject: string; range: Range }> {
  const root = doc.root;
  if (!isMap(root)) return [];
  const kind = root.get('kind');
  if (kind !== 'OCIRepository') return [];
  const spec = root.get('spec', true);
  const verify = isMap(spec) ? spec.get('verify', true) : undefined;
  if (!isMap(verify) || (verify.get('provider') ?? 'cosign') !== 'cosign') return [];
  const list = verify.get('matchOIDCIdentity', true);
  if (!isSeq(list)) return [];
  const out: Array<{ issuer: string; subject: string; range: Range }> = [];
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const issuer = item.get('issuer');
    const subject = item.get('subject');
    const range = doc.rangeOfNode(item);
    if (typeof issuer === 'string' && typeof subject === 'string' && range) out.push({ issuer, subject, range });
  }
  return out;
}

/** Hover text for one policy: the workflows it accepts, or a warning that it accepts none. */
export function acceptanceMarkdown(
  policy: { issuer: string; subject: string },
  repository: string,
  result: IdentityAcceptance,
  system: 'github' | 'gitlab' = 'github',
): string {
  if (result.accepted.length) {
    return `**matchOIDCIdentity** accepts signatures from ${result.accepted.map((a) => `\`${a.path}\` on ${a.runs.join(', ')}`).join('; ')} (${repository}, keyless, as Fulcio certifies ${system === 'github' ? 'GitHub Actions jobs' : 'GitLab CI jobs'}).`;
  }
  // A policy for another repository's workflows (the Flux manifests often live in a fleet repository) is no mistake here.
  const unescaped = policy.subject.replace(/\\(.)/g, '$1').toLowerCase();
  if (!unescaped.includes(`/${repository.toLowerCase()}/`)) {
    return `**matchOIDCIdentity** names no ${system === 'github' ? 'workflow' : 'pipeline'} of ${repository} (the repository of this file): it accepts none of its ${result.considered}, so its signer lives elsewhere.`;
  }
  return `⚠ **matchOIDCIdentity** accepts none of the ${result.considered} ${system === 'github' ? 'workflow' : 'pipeline'}${result.considered === 1 ? '' : 's'} in ${repository}: no run of them would carry an identity matching issuer \`${policy.issuer}\` and subject \`${policy.subject}\`, so Flux would refuse their signatures. \`flux-oci init ci\` writes a workflow and a matching policy.`;
}
