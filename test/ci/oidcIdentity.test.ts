// matchOIDCIdentity regexes for CI workflows (issue 17), judged with the RE2 engine Flux's Go
// regexp agrees with, against identities formed exactly as Fulcio forms them:
// GitHub `{{ .url }}/{{ .job_workflow_ref }}` with issuer https://token.actions.githubusercontent.com,
// GitLab `https://{{ .ci_config_ref_uri }}` with issuer https://gitlab.com.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from '../oci/runCli.ts';

const require = createRequire(import.meta.url);
const domain = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
const { ci, compileRe2 } = domain;

/** Go MatchString on both fields, as Flux's cosign verifier does. */
function accepts(r: { issuer: string; subject: string }, subject: string, issuer: string): boolean {
  const i = compileRe2(r.issuer);
  const s = compileRe2(r.subject);
  assert.ok(i.ok && s.ok);
  return i.regex.test(issuer) && s.regex.test(subject);
}

const gh = { system: 'github' as const, host: 'github.com', repository: 'acme/shop', workflowPath: '.github/workflows/flux-artifact.yml' };
const gl = { system: 'gitlab' as const, host: 'gitlab.com', repository: 'acme/platform/shop', workflowPath: '.gitlab-ci.yml' };
const GH_ISSUER = 'https://token.actions.githubusercontent.com';

test('Fulcio identities: GitHub job_workflow_ref under https://github.com, GitLab ci_config_ref_uri under https://', () => {
  assert.deepEqual(ci.fulcioIdentity(gh, 'refs/heads/main'), {
    subject: 'https://github.com/acme/shop/.github/workflows/flux-artifact.yml@refs/heads/main',
    issuer: GH_ISSUER,
  });
  assert.deepEqual(ci.fulcioIdentity(gl, 'refs/tags/v1.2.0'), {
    subject: 'https://gitlab.com/acme/platform/shop//.gitlab-ci.yml@refs/tags/v1.2.0',
    issuer: 'https://gitlab.com',
  });
});

test('GitHub, main and tags v*: exactly this workflow of this repository on these refs', () => {
  const r = ci.identityRegexes(gh, { branches: ['main'], tagPrefix: 'v' });
  assert.equal(r.issuer, '^https://token\\.actions\\.githubusercontent\\.com$');
  assert.equal(r.subject, '^https://github\\.com/acme/shop/\\.github/workflows/flux-artifact\\.yml@(refs/heads/main|refs/tags/v[^/]*)$');
  const id = (ref: string) => ci.fulcioIdentity(gh, ref).subject;
  for (const ref of ['refs/heads/main', 'refs/tags/v1.2.0', 'refs/tags/v2.0.0-rc.1', 'refs/tags/v']) assert.ok(accepts(r, id(ref), GH_ISSUER), ref);
  const misses: [string, string][] = [
    [id('refs/heads/main2'), GH_ISSUER], // another branch with main as prefix
    [id('refs/heads/feature/main'), GH_ISSUER],
    [id('refs/heads/v1.2.0'), GH_ISSUER], // a branch named like a tag
    [id('refs/tags/release-1'), GH_ISSUER],
    [id('refs/tags/v1/evil'), GH_ISSUER], // GitHub's v* does not cross '/'
    [id('refs/pull/1/merge'), GH_ISSUER],
    ['https://github.com/acme/shop/.github/workflows/other.yml@refs/heads/main', GH_ISSUER], // another workflow
    ['https://github.com/acme/shop/.github/workflows/flux-artifact.yaml@refs/heads/main', GH_ISSUER],
    ['https://github.com/acme/shop/.github/workflows/flux-artifactXyml@refs/heads/main', GH_ISSUER], // '.' escaped
    ['https://github.com/acme/shop-fork/.github/workflows/flux-artifact.yml@refs/heads/main', GH_ISSUER], // another repository
    ['https://github.com/evil/shop/.github/workflows/flux-artifact.yml@refs/heads/main', GH_ISSUER], // another owner
    [
      'https://github.com/evil/x/.github/workflows/a.yml@refs/heads/https://github.com/acme/shop/.github/workflows/flux-artifact.yml@refs/heads/main',
      GH_ISSUER,
    ], // contains it: anchored
    ['https://githubXcom/acme/shop/.github/workflows/flux-artifact.yml@refs/heads/main', GH_ISSUER],
    [id('refs/heads/main'), 'https://token.actions.githubusercontent.com.evil.example'], // issuer anchored at the end
    [id('refs/heads/main'), 'https://tokenXactions.githubusercontent.com'],
    [id('refs/heads/main'), 'https://gitlab.com'],
    [`${id('refs/heads/main')}\n`, GH_ISSUER],
  ];
  for (const [subject, issuer] of misses) assert.equal(accepts(r, subject, issuer), false, `${subject} / ${issuer}`);
});

test('GitHub, one branch only, and a branch with a slash', () => {
  const r = ci.identityRegexes(gh, { branches: ['release/v1'] });
  assert.equal(r.subject, '^https://github\\.com/acme/shop/\\.github/workflows/flux-artifact\\.yml@refs/heads/release/v1$');
  assert.ok(accepts(r, ci.fulcioIdentity(gh, 'refs/heads/release/v1').subject, GH_ISSUER));
  assert.equal(accepts(r, ci.fulcioIdentity(gh, 'refs/heads/release/v10').subject, GH_ISSUER), false);
  assert.equal(accepts(r, ci.fulcioIdentity(gh, 'refs/tags/v1.0.0').subject, GH_ISSUER), false);
});

test('GitLab: the project path with subgroups, the // before .gitlab-ci.yml, the instance as issuer', () => {
  const r = ci.identityRegexes(gl, { branches: ['main'], tagPrefix: 'v' });
  assert.equal(r.issuer, '^https://gitlab\\.com$');
  assert.equal(r.subject, '^https://gitlab\\.com/acme/platform/shop//\\.gitlab-ci\\.yml@(refs/heads/main|refs/tags/v[^/]*)$');
  const id = (ref: string) => ci.fulcioIdentity(gl, ref);
  for (const ref of ['refs/heads/main', 'refs/tags/v0.1.0']) {
    const x = id(ref);
    assert.ok(accepts(r, x.subject, x.issuer), ref);
  }
  const misses: [string, string][] = [
    ['https://gitlab.com/acme/platform/shop/.gitlab-ci.yml@refs/heads/main', 'https://gitlab.com'], // one slash
    ['https://gitlab.com/acme/shop//.gitlab-ci.yml@refs/heads/main', 'https://gitlab.com'], // another project
    ['https://gitlab.com/acme/platform/shop/sub//.gitlab-ci.yml@refs/heads/main', 'https://gitlab.com'],
    ['https://gitlab.com/acme/platform/shop//ci/other.yml@refs/heads/main', 'https://gitlab.com'], // another config
    [id('refs/heads/develop').subject, 'https://gitlab.com'],
    [id('refs/heads/main').subject, 'https://gitlab.example.com'], // a self-managed instance
    [id('refs/heads/main').subject, 'https://gitlab.com/'],
    [id('refs/heads/main').subject, GH_ISSUER],
  ];
  for (const [subject, issuer] of misses) assert.equal(accepts(r, subject, issuer), false, `${subject} / ${issuer}`);
  // A self-managed instance is its own issuer.
  const own = { ...gl, host: 'gitlab.example.com' };
  const o = ci.identityRegexes(own, { branches: ['main'] });
  assert.ok(accepts(o, ci.fulcioIdentity(own, 'refs/heads/main').subject, 'https://gitlab.example.com'));
  assert.equal(accepts(o, ci.fulcioIdentity(own, 'refs/heads/main').subject, 'https://gitlab.com'), false);
});

test('metacharacters in names are escaped; names that cannot be matched exactly are refused', () => {
  const odd = { ...gh, repository: 'a.b/c+d', workflowPath: '.github/workflows/re(lease).yml' };
  assert.throws(() => ci.identityRegexes(odd, { branches: ['main'] }), /not a repository path/);
  assert.throws(() => ci.identityRegexes({ ...gh, workflowPath: '.github/workflows/re(lease).yml' }, { branches: ['main'] }), /workflow/);
  const plus = { ...gh, repository: 'a.b/c_d.e' };
  const r = ci.identityRegexes(plus, { branches: ['main'] });
  assert.ok(r.subject.startsWith('^https://github\\.com/a\\.b/c_d\\.e/'));
  assert.ok(accepts(r, ci.fulcioIdentity(plus, 'refs/heads/main').subject, GH_ISSUER));
  assert.equal(accepts(r, 'https://github.com/aXb/c_d.e/.github/workflows/flux-artifact.yml@refs/heads/main', GH_ISSUER), false);
  assert.throws(() => ci.identityRegexes(gh, { branches: ['ma*n'] }), /not a branch/);
  assert.throws(() => ci.identityRegexes(gh, { branches: [] }), /no branch and no tag/);
  assert.throws(() => ci.identityRegexes({ ...gh, repository: 'acme' }, { branches: ['main'] }), /OWNER\/REPO/);
});

test('the generated regexes pass the over-broad identity lint', () => {
  const r = ci.identityRegexes(gh, { branches: ['main'], tagPrefix: 'v' });
  const text = `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: shop\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: oci://ghcr.io/acme/shop\n  ref:\n    semver: '>=0.0.0'\n  verify:\n    provider: cosign\n    matchOIDCIdentity:\n      - issuer: '${r.issuer}'\n        subject: '${r.subject}'\n`;
  const diagnostics = domain.analyzeFile(text);
  assert.deepEqual(
    diagnostics.map((d) => `${d.code}: ${d.message}`),
    [],
  );
});

test('git remotes name the CI system and repository', () => {
  assert.deepEqual(ci.repositoryOfRemote('https://user:token@github.com/acme/shop.git'), { host: 'github.com', repository: 'acme/shop', system: 'github' });
  assert.deepEqual(ci.repositoryOfRemote('git@github.com:acme/shop.git'), { host: 'github.com', repository: 'acme/shop', system: 'github' });
  assert.deepEqual(ci.repositoryOfRemote('ssh://git@gitlab.com/acme/platform/shop.git'), {
    host: 'gitlab.com',
    repository: 'acme/platform/shop',
    system: 'gitlab',
  });
  assert.deepEqual(ci.repositoryOfRemote('https://git.example.com/a/b'), { host: 'git.example.com', repository: 'a/b' });
  assert.equal(ci.repositoryOfRemote('/srv/git/shop.git'), undefined);
});

test('the push runs of a workflow, as its triggers say', () => {
  const runs = (text: string) => ci.workflowRuns(text).map((r) => `${r.label} → ${r.ref}`);
  assert.deepEqual(runs("on:\n  push:\n    branches: [main, 'release/**']\n    tags: ['v*']\n"), [
    'branch main → refs/heads/main',
    'branches release/** → refs/heads/release/x',
    'tags v* → refs/tags/v1.0.0',
  ]);
  assert.deepEqual(runs('on: push\n'), ['any branch → refs/heads/main']);
  assert.deepEqual(runs('on: [pull_request]\n'), []);
  assert.deepEqual(runs("on:\n  push:\n    branches: ['!main', dev]\n"), ['branch dev → refs/heads/dev']);
  assert.deepEqual(runs('not: [valid\n'), []);
});

test('the runs of a .gitlab-ci.yml, as its workflow rules say', () => {
  const runs = (text: string) => ci.gitlabRuns(text).map((r) => `${r.label} → ${r.ref}`);
  assert.deepEqual(runs('workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH == "main"\n    - if: $CI_COMMIT_TAG =~ /^v[^\\/]*$/\n'), [
    'branch main → refs/heads/main',
    'tags /^v[^\\/]*$/ → refs/tags/v1.0.0',
  ]);
  assert.deepEqual(runs('job:\n  script: [echo]\n'), ['any branch → refs/heads/main', 'any tag → refs/tags/v1.0.0']);
  assert.deepEqual(runs('workflow:\n  rules:\n    - if: $CI_COMMIT_TAG\n    - if: $CI_COMMIT_BRANCH == "dev"\n      when: never\n'), [
    'any tag → refs/tags/v1.0.0',
  ]);
  // The pipeline init ci writes is accepted by the policy it writes, on tags only.
  const gl = { system: 'gitlab' as const, host: 'gitlab.com', repository: 'acme/platform/shop' };
  const pipeline = ci.gitlabPipeline({
    ...gl,
    workflowFile: '',
    artifact: 'registry.gitlab.com/acme/platform/shop/manifests',
    render: { kind: 'plain', path: 'deploy' },
    refs: { branches: ['main'], tagPrefix: 'v' },
    name: 'shop',
    namespace: 'flux-system',
    syncFile: 'flux/shop.yaml',
    fluxOciVersion: '0.1.0',
  });
  const result = ci.acceptedWorkflows(pipeline.identity, gl, [{ path: '.gitlab-ci.yml', text: pipeline.files[0]!.content }]);
  assert.deepEqual(result?.accepted, [{ path: '.gitlab-ci.yml', runs: ['tags /^v[^\\/]*$/'] }]);
});
