// The editor's side of the Gitless CI pipeline (issue 17), over stdio like an editor: the
// defaults "Create CI Pipeline for This Folder" prefills from git, the files it has the server
// write (never replacing one unless told), and the hover on matchOIDCIdentity saying which
// workflows of the repository it accepts, with a warning when none.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LspClient, fileUri } from '../helpers/lspClient.ts';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ciDefaultsCommand, createCiPipelineCommand } = require('../../dist/protocol.js') as typeof import('../../server/src/protocol/ciMessages.ts');

function hoverText(h: unknown): string {
  const c = (h as { contents?: { value?: string } } | null)?.contents;
  return c?.value ?? '';
}

describe('Create CI Pipeline and the matchOIDCIdentity hover', () => {
  let repo = '';
  let client: LspClient;
  before(async () => {
    repo = mkdtempSync(path.join(tmpdir(), 'flux-oci-ci-lsp-'));
    mkdirSync(path.join(repo, 'deploy'));
    writeFileSync(path.join(repo, 'deploy/kustomization.yaml'), 'resources:\n  - app.yaml\n');
    writeFileSync(path.join(repo, 'deploy/app.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', HOME: repo } });
    git('init', '-q', '-b', 'trunk');
    git('remote', 'add', 'origin', 'https://github.com/acme/shop.git');
    client = await LspClient.start({ workspaceFolders: [repo] });
  });
  after(async () => {
    await client?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('prefills from git and the folder, writes the pipeline, and asks before replacing', async () => {
    const d = await client.executeCommand<any>(ciDefaultsCommand.command, [{ folder: fileUri(path.join(repo, 'deploy')) }]);
    assert.equal(d.ok, true, d.error);
    assert.equal(d.system, 'github');
    assert.equal(d.repository, 'acme/shop');
    assert.equal(d.branch, 'trunk');
    assert.equal(d.folder, 'deploy');
    assert.equal(d.render, 'kustomize');
    assert.equal(d.artifact, 'ghcr.io/acme/shop-manifests');
    const args = { folder: fileUri(path.join(repo, 'deploy')), render: 'kustomize', artifact: d.artifact, branch: d.branch, tagPrefix: 'v' };
    const created = await client.executeCommand<any>(createCiPipelineCommand.command, [args]);
    assert.equal(created.ok, true, created.error);
    assert.deepEqual(created.written, [path.join(repo, '.github/workflows/flux-artifact.yml'), path.join(repo, 'flux/shop-sync.yaml')]);
    assert.equal(created.identity.subject, '^https://github\\.com/acme/shop/\\.github/workflows/flux-artifact\\.yml@refs/tags/v[^/]*$');
    assert.match(readFileSync(path.join(repo, '.github/workflows/flux-artifact.yml'), 'utf8'), /kustomize\/v5@v[\d.]+ build 'deploy'/);
    const again = await client.executeCommand<any>(createCiPipelineCommand.command, [args]);
    assert.equal(again.ok, false);
    assert.equal(again.code, 'exists');
    assert.equal(again.existing.length, 2);
    const forced = await client.executeCommand<any>(createCiPipelineCommand.command, [{ ...args, tagPrefix: undefined, force: true }]);
    assert.equal(forced.ok, true, forced.error);
    assert.equal(forced.replaced.length, 2);
    assert.equal(forced.identity.subject, '^https://github\\.com/acme/shop/\\.github/workflows/flux-artifact\\.yml@refs/heads/trunk$');
  });

  it('hover on matchOIDCIdentity names the workflows and refs it accepts, and warns when it accepts none', async () => {
    writeFileSync(
      path.join(repo, '.github/workflows/release.yml'),
      "name: release\non:\n  push:\n    tags: ['v*']\n  workflow_dispatch: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo\n",
    );
    const file = path.join(repo, 'flux/shop-sync.yaml');
    const uri = fileUri(file);
    const text = readFileSync(file, 'utf8');
    client.open(uri, text);
    const line = text.split('\n').findIndex((l) => l.includes('subject:'));
    const ours = hoverText(await client.hover(uri, { line, character: 12 }));
    assert.match(ours, /accepts signatures from `\.github\/workflows\/flux-artifact\.yml` on branch trunk/);
    assert.doesNotMatch(ours, /release\.yml/);

    // Any workflow of the repository on tags: release.yml's tag runs only.
    const broad = text.replace(/subject: '.*'/, "subject: '^https://github\\.com/acme/shop/\\.github/workflows/[^/]+@refs/tags/v[^/]*$'");
    client.replaceAll(uri, broad);
    const b = hoverText(await client.hover(uri, { line, character: 12 }));
    assert.match(b, /`\.github\/workflows\/release\.yml` on tags v\*/);
    assert.doesNotMatch(b, /flux-artifact\.yml/);

    // A policy naming another repository: said, without a warning (its signer lives elsewhere).
    const wrong = text.replace('github\\.com/acme/shop/', 'github\\.com/acme/shop-old/');
    assert.notEqual(wrong, text);
    client.replaceAll(uri, wrong);
    const w = hoverText(await client.hover(uri, { line, character: 12 }));
    assert.match(w, /names no workflow of acme\/shop \(the repository of this file\)/);
    assert.doesNotMatch(w, /⚠/);

    // A policy for this repository whose ref part matches no run: the warning.
    const typo = text.replace('refs/heads/trunk', 'refs/heads/main');
    assert.notEqual(typo, text);
    client.replaceAll(uri, typo);
    const t = hoverText(await client.hover(uri, { line, character: 12 }));
    assert.match(t, /⚠ \*\*matchOIDCIdentity\*\* accepts none of the 2 workflows in acme\/shop/);
  });

  it('GitLab: prefilled from a GitLab remote, writes .gitlab-ci.yml with the project identity', async () => {
    const gl = mkdtempSync(path.join(tmpdir(), 'flux-oci-ci-lsp-gl-'));
    try {
      mkdirSync(path.join(gl, 'chart'));
      writeFileSync(path.join(gl, 'chart/Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 0.1.0\n');
      writeFileSync(path.join(gl, 'chart/values-prod.yaml'), 'replicas: 2\n');
      const git = (...args: string[]) => execFileSync('git', args, { cwd: gl, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', HOME: gl } });
      git('init', '-q', '-b', 'main');
      git('remote', 'add', 'origin', 'git@gitlab.com:acme/platform/shop.git');
      const d = await client.executeCommand<any>(ciDefaultsCommand.command, [{ folder: path.join(gl, 'chart') }]);
      assert.equal(d.ok, true, d.error);
      assert.equal(d.system, 'gitlab');
      assert.equal(d.repository, 'acme/platform/shop');
      assert.equal(d.artifact, 'registry.gitlab.com/acme/platform/shop/manifests');
      assert.equal(d.render, 'helm');
      assert.deepEqual(d.valuesFiles, ['chart/values-prod.yaml']);
      const created = await client.executeCommand<any>(createCiPipelineCommand.command, [
        { folder: path.join(gl, 'chart'), system: 'gitlab', render: 'helm', artifact: d.artifact, branch: 'main', tagPrefix: 'v', valuesFiles: d.valuesFiles },
      ]);
      assert.equal(created.ok, true, created.error);
      assert.deepEqual(created.written, [path.join(gl, '.gitlab-ci.yml'), path.join(gl, 'flux/shop-sync.yaml')]);
      assert.equal(created.identity.subject, '^https://gitlab\\.com/acme/platform/shop//\\.gitlab-ci\\.yml@refs/tags/v[^/]*$');
      assert.match(readFileSync(path.join(gl, '.gitlab-ci.yml'), 'utf8'), /template 'shop' 'chart' --values 'chart\/values-prod\.yaml'/);
      // The hover reads the project's .gitlab-ci.yml.
      const sync = path.join(gl, 'flux/shop-sync.yaml');
      const text = readFileSync(sync, 'utf8');
      client.open(fileUri(sync), text);
      const line = text.split('\n').findIndex((l) => l.includes('subject:'));
      assert.match(
        hoverText(await client.hover(fileUri(sync), { line, character: 12 })),
        /accepts signatures from `\.gitlab-ci\.yml` on tags \/\^v\[\^\\\/\]\*\$\/ \(acme\/platform\/shop, keyless, as Fulcio certifies GitLab CI jobs\)/,
      );
    } finally {
      rmSync(gl, { recursive: true, force: true });
    }
  });
});
