// flux-oci init ci (issue 17): the generated GitHub workflow passes the real actionlint (built from
// the Go module proxy), pins every action by commit SHA and uses no secret nobody named; existing
// files are kept without --force. Then the rendered-and-pushed half runs for real: the workflow's own
// render, check and push scripts under bash with a GitHub-like environment against docker-registry,
// the digest they output signed (keyless with a test Fulcio-like certificate carrying the identity
// Fulcio would give this workflow on a tag, and with a cosign key), and the real cosign verifies it
// with the regexes of the generated OCIRepository (and refuses a signature made on a branch).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot, runCli } from '../oci/runCli.ts';
import { peerBinary, requirePeer } from '../peers/goPeers.ts';
import { dockerRegistryAvailable, startRegistry } from '../peers/registry.ts';
import { cosign, cosignSign, generateKeyPair, makeKeylessPki } from '../signatures/signingPeers.ts';

const require = createRequire(import.meta.url);
const domain = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');

/** A git repository with a GitHub remote and a deploy/ folder, like a user's checkout. */
function makeRepo(remote = 'git@github.com:acme/shop.git'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-ci-'));
  const files: Record<string, string> = {
    'deploy/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
    'deploy/deployment.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.29\n',
    'overlays/prod/kustomization.yaml': 'resources:\n  - ../../deploy\n',
    'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
    'chart/values-prod.yaml': 'replicas: 2\n',
    'policy/deny.rego': 'package main\n\ndeny contains msg if {\n  input.kind == "Secret"\n  msg := "no Secrets in the artifact"\n}\n',
  };
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', HOME: dir } });
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', remote);
  return dir;
}

function actionlint(bin: string, file: string, cwd: string): { code: number; out: string } {
  const r = spawnSync(bin, ['-no-color', file], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

interface Workflow {
  on: { push: { branches?: string[]; tags?: string[] } };
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: { publish: { steps: Array<{ id?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, string> }> } };
}

describe('flux-oci init ci: the generated workflow', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const variants: Array<[string, string[], (w: Workflow) => void]> = [
    ['a plain folder, main and tags v*', ['deploy'], (w) => assert.equal(w.env['RENDERED'], 'deploy')],
    [
      'a kustomize overlay with a policy gate',
      ['--kustomize', 'overlays/prod', '--policy', 'policy'],
      (w) => {
        const steps = w.jobs.publish.steps;
        assert.match(steps.find((s) => s.id === 'render')!.run!, /go run sigs\.k8s\.io\/kustomize\/kustomize\/v5@v\d+\.\d+\.\d+ build 'overlays\/prod'/);
        assert.match(
          steps.find((s) => s.id === 'policy')!.run!,
          /^go run github\.com\/open-policy-agent\/conftest@v\d+\.\d+\.\d+ test --policy 'policy' "\$RENDERED"$/,
        );
        // The gate sits between render and check, before anything is pushed.
        assert.deepEqual(
          steps.filter((s) => s.id).map((s) => s.id),
          ['render', 'policy', 'check', 'push'],
        );
      },
    ],
    [
      'a Helm chart with values',
      ['--helm-chart', 'chart', '--helm-values', 'chart/values-prod.yaml', '--helm-namespace', 'shop'],
      (w) =>
        assert.match(
          w.jobs.publish.steps.find((s) => s.id === 'render')!.run!,
          /helm\/v4\/cmd\/helm@v\d+\.\d+\.\d+ template 'shop' 'chart' --values 'chart\/values-prod\.yaml' --namespace 'shop'/,
        ),
    ],
    [
      'another registry with named secrets, branches only',
      [
        'deploy',
        '--artifact',
        'oci://registry.example.com/team/shop',
        '--registry-username-secret',
        'REG_USER',
        '--registry-password-secret',
        'REG_PASS',
        '--no-tags',
        '--branch',
        'main',
        '--branch',
        'release/v1',
      ],
      (w) => {
        assert.deepEqual(w.on.push, { branches: ['main', 'release/v1'] });
        assert.equal(w.permissions['packages'], undefined);
      },
    ],
  ];
  for (const [title, args, extra] of variants) {
    it(`${title}: passes actionlint, pins actions by SHA, names no secret it was not given`, async (t) => {
      const bin = requirePeer(t, 'actionlint');
      if (!bin) return;
      const repo = makeRepo();
      dirs.push(repo);
      const r = await runCli(['init', 'ci', ...args], { cwd: repo });
      assert.equal(r.code, 0, r.stderr);
      const file = '.github/workflows/flux-artifact.yml';
      const lint = actionlint(bin, file, repo);
      assert.equal(lint.code, 0, lint.out);
      const text = readFileSync(path.join(repo, file), 'utf8');
      const w = parse(text) as Workflow;
      for (const s of w.jobs.publish.steps.filter((x) => x.uses)) assert.match(s.uses!, /^[\w-]+\/[\w-]+@[0-9a-f]{40}$/, `${s.uses} is not pinned to a commit`);
      assert.match(text, /npm install --global flux-oci@\d+\.\d+\.\d+\n/);
      assert.match(text, /cosign-release: 'v\d+\.\d+\.\d+'/);
      assert.match(text, /node-version: '\d+\.\d+\.\d+'/);
      const secrets = [...text.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
      assert.deepEqual(secrets, args.includes('REG_USER') ? ['REG_USER', 'REG_PASS'] : []);
      assert.equal(w.permissions['id-token'], 'write');
      extra(w);
      // The cluster side passes flux-oci check (schemas, CEL, the over-broad identity lint).
      const check = await runCli(['check', 'flux/shop-sync.yaml', '--format', 'json'], { cwd: repo });
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.doesNotMatch(check.stdout, /verify-identity-regex/);
    });
  }

  it('prefills owner/repo from the remote; keeps existing files unless --force; writes nothing half', async () => {
    const repo = makeRepo('https://user:secret@github.com/Acme/Shop.git');
    dirs.push(repo);
    const first = await runCli(['init', 'ci', 'deploy'], { cwd: path.join(repo, 'deploy') });
    assert.equal(first.code, 2, 'deploy/deploy does not exist... the folder is relative to where the user is');
    const r = await runCli(['init', 'ci', '.'], { cwd: path.join(repo, 'deploy') });
    assert.equal(r.code, 0, r.stderr);
    const sync = readFileSync(path.join(repo, 'flux/shop-sync.yaml'), 'utf8');
    assert.match(sync, /subject: '\^https:\/\/github\\\.com\/Acme\/Shop\/\\\.github\/workflows\/flux-artifact\\\.yml@refs\/tags\/v\[\^\/\]\*\$'/);
    assert.match(sync, /url: 'oci:\/\/ghcr\.io\/acme\/shop-manifests'/);
    assert.doesNotMatch(sync + readFileSync(path.join(repo, '.github/workflows/flux-artifact.yml'), 'utf8'), /secret@|user:/);
    writeFileSync(path.join(repo, 'flux/shop-sync.yaml'), 'mine\n');
    const again = await runCli(['init', 'ci', 'deploy'], { cwd: repo });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exist; nothing was written \(use --force to replace\)/);
    assert.equal(readFileSync(path.join(repo, 'flux/shop-sync.yaml'), 'utf8'), 'mine\n');
    const forced = await runCli(['init', 'ci', 'deploy', '--force'], { cwd: repo });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /replaced flux\/shop-sync\.yaml/);
    assert.notEqual(readFileSync(path.join(repo, 'flux/shop-sync.yaml'), 'utf8'), 'mine\n');
    // No temp files left beside the targets.
    const leftovers = spawnSync('find', [repo, '-name', '.*flux-oci-*'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(leftovers, '');
  });

  it('refuses what cannot be matched exactly, with the reason', async () => {
    const repo = makeRepo();
    dirs.push(repo);
    const bad = await runCli(['init', 'ci', 'deploy', '--branch', 'feat*'], { cwd: repo });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"feat\*" is not a branch/);
    const noRemote = await runCli(['init', 'ci', 'deploy'], { cwd: mkdtempSync(path.join(tmpdir(), 'flux-oci-ci-')) });
    assert.equal(noRemote.code, 2);
    assert.match(noRemote.stderr, /--repository OWNER\/REPO/);
  });
});

describe('flux-oci init ci --ci gitlab: the generated .gitlab-ci.yml', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** GitLab's published CI schema, checked with ajv by gitlab-ci-local (an npm peer, scripts/peers/build.sh). */
  function gitlabSchemaCheck(t: { skip(m?: string): void }, repo: string): { code: number; out: string } | undefined {
    const bin = requirePeer(t, 'gitlab-ci-local');
    if (!bin) return undefined;
    const r = spawnSync(process.execPath, [path.join(path.dirname(bin), '..', 'lib', 'index.mjs'), '--list'], {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], HOME: repo },
      timeout: 120_000,
    });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  }

  const variants: Array<[string, string[]]> = [
    ['a plain folder, the project registry', ['deploy']],
    ['a kustomize overlay with a policy gate, branches only', ['--kustomize', 'overlays/prod', '--policy', 'policy', '--no-tags', '--branch', 'main']],
    [
      'a Helm chart, another registry with named variables',
      [
        '--helm-chart',
        'chart',
        '--helm-values',
        'chart/values-prod.yaml',
        '--artifact',
        'oci://registry.example.com/team/shop',
        '--registry-username-secret',
        'REG_USER',
        '--registry-password-secret',
        'REG_PASS',
      ],
    ],
  ];
  for (const [title, args] of variants) {
    it(`${title}: passes GitLab's CI schema; the policy names the project's //.gitlab-ci.yml identity`, async (t) => {
      const repo = makeRepo('git@gitlab.com:acme/platform/shop.git');
      dirs.push(repo);
      const r = await runCli(['init', 'ci', ...args], { cwd: repo });
      assert.equal(r.code, 0, r.stderr);
      const text = readFileSync(path.join(repo, '.gitlab-ci.yml'), 'utf8');
      assert.match(text, /id_tokens:\n    SIGSTORE_ID_TOKEN:.*\n      aud: sigstore/);
      assert.match(text, /cosign@v\d+\.\d+\.\d+ sign --yes "\$ARTIFACT@\$DIGEST"/);
      for (const m of text.matchAll(/image: '([^']+)'/g)) assert.match(m[1]!, /:\d+\.\d+\.\d+-bookworm$/, `${m[1]} is not pinned to an exact version`);
      const vars = [...text.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)]
        .map((m) => m[1]!)
        .filter((v) => !/^(CI_|ARTIFACT$|RENDERED$|DIGEST$|SIGSTORE_ID_TOKEN$)/.test(v));
      assert.deepEqual([...new Set(vars)].sort(), args.includes('REG_USER') ? ['REG_PASS', 'REG_USER'] : []);
      const sync = readFileSync(path.join(repo, 'flux/shop-sync.yaml'), 'utf8');
      assert.match(sync, /issuer: '\^https:\/\/gitlab\\\.com\$'/);
      assert.match(sync, /subject: '\^https:\/\/gitlab\\\.com\/acme\/platform\/shop\/\/\\\.gitlab-ci\\\.yml@refs\//);
      const check = gitlabSchemaCheck(t, repo);
      if (!check) return;
      assert.equal(check.code, 0, check.out);
      assert.match(check.out, /json schema validated/);
    });
  }

  it('the schema check is real: a job key GitLab does not know fails it', async (t) => {
    const repo = makeRepo('git@gitlab.com:acme/platform/shop.git');
    dirs.push(repo);
    assert.equal((await runCli(['init', 'ci', 'deploy'], { cwd: repo })).code, 0);
    writeFileSync(
      path.join(repo, '.gitlab-ci.yml'),
      readFileSync(path.join(repo, '.gitlab-ci.yml'), 'utf8').replace('  needs: [render]', '  needs: [render]\n  neds: [render]'),
    );
    const check = gitlabSchemaCheck(t, repo);
    if (!check) return;
    assert.notEqual(check.code, 0);
    assert.match(check.out, /'neds' property is not expected/);
  });
});

describe(
  'the rendered-and-pushed half, run for real, then signed and verified by cosign',
  { skip: !dockerRegistryAvailable() ? 'docker-registry is not installed (apt-get install docker-registry)' : false },
  () => {
    let registry: Awaited<ReturnType<typeof startRegistry>>;
    let repo = '';
    let work = '';
    const sha = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';
    before(async () => {
      registry = await startRegistry();
      repo = makeRepo();
      work = mkdtempSync(path.join(tmpdir(), 'flux-oci-ci-run-'));
    });
    after(async () => {
      await registry?.stop();
      for (const d of [repo, work]) if (d) rmSync(d, { recursive: true, force: true });
    });

    /** Runs the workflow's own scripts under bash as the runner does (bash -eo pipefail), with a GitHub-like environment. */
    function runSteps(w: Workflow, ids: string[], env: Record<string, string>): void {
      for (const id of ids) {
        const step = w.jobs.publish.steps.find((s) => s.id === id);
        assert.ok(step?.run, `no step ${id}`);
        const script = path.join(work, `${id}.sh`);
        writeFileSync(script, step.run);
        const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
          cwd: repo,
          env: { ...env, ...(step.env ?? {}) },
          encoding: 'utf8',
        });
        assert.equal(r.status, 0, `step ${id} failed:\n${r.stdout}${r.stderr}`);
      }
    }

    it('render → check → push (--source/--revision from the CI environment, SHA and tag) → sign → cosign verify with the generated identity', async (t) => {
      const cosignBin = requirePeer(t, 'cosign');
      if (!cosignBin) return;
      const gen = await runCli(['init', 'ci', 'deploy', '--branch', 'main', '--tag-prefix', 'v'], { cwd: repo });
      assert.equal(gen.code, 0, gen.stderr);
      const w = parse(readFileSync(path.join(repo, '.github/workflows/flux-artifact.yml'), 'utf8')) as Workflow;
      const [source] = parseAllDocuments(readFileSync(path.join(repo, 'flux/shop-sync.yaml'), 'utf8')).map((d) => d.toJS()) as Array<{
        spec: { url: string; verify: { matchOIDCIdentity: Array<{ issuer: string; subject: string }> } };
      }>;
      const identity = source!.spec.verify.matchOIDCIdentity[0]!;

      // `flux-oci` on the PATH is this build, as `npm install --global` would put it there.
      const shims = path.join(work, 'bin');
      mkdirSync(shims);
      writeFileSync(path.join(shims, 'flux-oci'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(repoRoot, 'bin', 'flux-oci')}" "$@"\n`);
      chmodSync(path.join(shims, 'flux-oci'), 0o755);
      const output = path.join(work, 'github_output');
      writeFileSync(output, '');
      const artifact = `${registry.host}/acme/shop-manifests`;
      assert.equal(source!.spec.url, `oci://ghcr.io/acme/shop-manifests`);
      runSteps(w, ['render', 'check', 'push'], {
        PATH: `${shims}:${process.env['PATH']}`,
        HOME: work,
        ...w.env,
        ARTIFACT: artifact, // the local registry instead of ghcr.io
        GITHUB_SHA: sha,
        GITHUB_REF: 'refs/tags/v1.2.0',
        GITHUB_REF_NAME: 'v1.2.0',
        GITHUB_REF_TYPE: 'tag',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_OUTPUT: output,
        RUNNER_TEMP: work,
      });
      const digest = /^digest=(sha256:[0-9a-f]{64})$/m.exec(readFileSync(output, 'utf8'))?.[1];
      assert.ok(digest, readFileSync(output, 'utf8'));

      // What the registry holds: the SHA and the git tag on the one digest, Flux's annotations.
      const tags = (await (await fetch(`${registry.baseUrl}/v2/acme/shop-manifests/tags/list`)).json()) as { tags: string[] };
      assert.deepEqual(tags.tags.sort(), [sha, 'v1.2.0'].sort());
      const res = await fetch(`${registry.baseUrl}/v2/acme/shop-manifests/manifests/v1.2.0`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(res.headers.get('docker-content-digest'), digest);
      const manifest = (await res.json()) as { annotations: Record<string, string> };
      assert.equal(manifest.annotations['org.opencontainers.image.source'], 'https://github.com/acme/shop');
      assert.equal(manifest.annotations['org.opencontainers.image.revision'], `v1.2.0@sha1:${sha}`);

      // Keyless: a certificate carrying exactly what Fulcio gives this workflow on refs/tags/v1.2.0.
      const target = { system: 'github' as const, host: 'github.com', repository: 'acme/shop', workflowPath: '.github/workflows/flux-artifact.yml' };
      const onTag = domain.ci.fulcioIdentity(target, 'refs/tags/v1.2.0');
      const tagPki = path.join(work, 'pki-tag');
      mkdirSync(tagPki);
      const pki = await makeKeylessPki(cosignBin, tagPki, onTag);
      await cosignSign(cosignBin, tagPki, `${artifact}@${digest}`, { key: pki.leafKey, bundle: true, certificate: pki.leafCert, chain: pki.chain });
      const verifyKeyless = (root: string, ref: string) =>
        cosign(
          cosignBin,
          [
            'verify',
            '--trusted-root',
            root,
            '--insecure-ignore-tlog',
            '--insecure-ignore-sct',
            '--allow-http-registry',
            '--certificate-identity-regexp',
            identity.subject,
            '--certificate-oidc-issuer-regexp',
            identity.issuer,
            ref,
          ],
          work,
        );
      const ok = await verifyKeyless(pki.trustedRoot, `${artifact}@${digest}`);
      assert.equal(ok.code, 0, ok.out);

      // Near miss: the same workflow signing on a branch is not what a semver-following OCIRepository accepts.
      const other = await runCli(
        [
          'push',
          'artifact',
          `oci://${artifact}:branch-build`,
          '--path',
          'deploy',
          '--source',
          'https://github.com/acme/shop',
          '--revision',
          `main@sha1:${sha}`,
          '-a',
          'x=1',
        ],
        { cwd: repo },
      );
      assert.equal(other.code, 0, other.stderr);
      const otherDigest = /@(sha256:[0-9a-f]{64})/.exec(other.stderr)![1]!;
      const mainPki = path.join(work, 'pki-main');
      mkdirSync(mainPki);
      const pkiMain = await makeKeylessPki(cosignBin, mainPki, domain.ci.fulcioIdentity(target, 'refs/heads/main'));
      await cosignSign(cosignBin, mainPki, `${artifact}@${otherDigest}`, {
        key: pkiMain.leafKey,
        bundle: true,
        certificate: pkiMain.leafCert,
        chain: pkiMain.chain,
      });
      const refused = await verifyKeyless(pkiMain.trustedRoot, `${artifact}@${otherDigest}`);
      assert.notEqual(refused.code, 0, refused.out);
      assert.match(
        refused.out,
        /expected SAN value to match regex .*got "https:\/\/github\.com\/acme\/shop\/\.github\/workflows\/flux-artifact\.yml@refs\/heads\/main"/,
      );

      // With a test key: flux-oci sign artifact on the pushed digest, cosign verify --key.
      const keys = await generateKeyPair(cosignBin, work, 'ci');
      const signed = await runCli(['sign', 'artifact', `oci://${artifact}@${digest}`, '--key', keys.key], {
        cwd: work,
        env: { COSIGN_PASSWORD: 'correct horse battery staple' },
      });
      assert.equal(signed.code, 0, signed.stderr);
      const keyed = await cosign(cosignBin, ['verify', '--key', keys.pub, '--insecure-ignore-tlog', '--allow-http-registry', `${artifact}@${digest}`], work);
      assert.equal(keyed.code, 0, keyed.out);
      assert.ok(existsSync(output));
      assert.ok(peerBinary('cosign'));
    });
  },
);
