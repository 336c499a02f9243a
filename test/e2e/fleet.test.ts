// The fleet story in a real VS Code (code-server + Chromium, our packaged VSIX): a person runs the
// same source on two clusters ("east" and "west", two real control planes) and sees in the Flux
// Cluster view that west still runs an older build of the tag the registry serves now; a third
// context is down and says so without holding up the view. She selects the source and a second
// one and suspends them on every cluster at once, and the view and a summary follow.
// Screenshots: test-output/e2e/fleet-view.png and fleet-suspended.png (docs/screenshots/fleet.png in the README).
// Run with `node scripts/e2e/run.mjs test/e2e/fleet.test.ts` (after `bash scripts/e2e/install.sh`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markReconciled, requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { freePort } from '../peers/loopback.ts';
import { eventually, launchBrowser, screenshotDir, skipUnlessTools, startCodeServer, type CodeServer, vsixPath } from './harness.ts';
import { repoRoot } from './sampleWorkspace.ts';

const skip = skipUnlessTools();
const ns = 'flux-system';
const ociPath = (name = '') => `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories${name ? `/${name}` : ''}`;
const oldBuild = `sha256:${'b2'.repeat(32)}`;

async function source(cp: ControlPlane, name: string, tag: string, digest: string, url: string): Promise<void> {
  const created = await cp.api('POST', ociPath(), {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'OCIRepository',
    metadata: { name, namespace: ns },
    spec: { interval: '10m', url, ref: { tag } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await markReconciled(cp, { namespace: ns, name, revision: `${tag}@${digest}`, digest });
}

test('the Flux Cluster view over two clusters: drift per cluster, a dead one, suspend a selection everywhere', { skip, timeout: 10 * 60_000 }, async (t) => {
  if (!requireControlPlane(t, [], ['source-controller', 'kustomize-controller'])) return;
  mkdirSync(screenshotDir, { recursive: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-e2e-fleet-'));
  let east: ControlPlane | undefined;
  let west: ControlPlane | undefined;
  let registry: StartedRegistry | undefined;
  let server: CodeServer | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  try {
    const vsix = vsixPath();
    [east, west, registry] = await Promise.all([
      startControlPlane({ controllers: [], crds: ['source-controller', 'kustomize-controller'] }),
      startControlPlane({ controllers: [], crds: ['source-controller', 'kustomize-controller'] }),
      startRegistry(),
    ]);
    const [e, w] = [east, west];
    // CI pushed team/app:v1.0.0; east runs it, west still runs the build before it.
    mkdirSync(path.join(dir, 'ws', 'deploy'), { recursive: true });
    writeFileSync(path.join(dir, 'ws', 'deploy', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\n');
    const push = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'bin', 'flux-oci'),
        'push',
        'artifact',
        `oci://${registry.host}/team/app:v1.0.0`,
        '-f',
        'deploy',
        '--source',
        's',
        '--revision',
        'r',
        '-o',
        'json',
      ],
      { cwd: path.join(dir, 'ws'), encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: dir } },
    );
    assert.equal(push.status, 0, push.stderr);
    const now = (JSON.parse(push.stdout) as { digest: string }).digest;
    const pushWeb = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'bin', 'flux-oci'),
        'push',
        'artifact',
        `oci://${registry.host}/team/web:v2.1.0`,
        '-f',
        'deploy',
        '--source',
        's',
        '--revision',
        'web',
        '-o',
        'json',
      ],
      { cwd: path.join(dir, 'ws'), encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: dir } },
    );
    assert.equal(pushWeb.status, 0, pushWeb.stderr);
    const web = (JSON.parse(pushWeb.stdout) as { digest: string }).digest;
    const url = `oci://${registry.host}/team/app`;
    await source(e, 'app', 'v1.0.0', now, url);
    await source(w, 'app', 'v1.0.0', oldBuild, url);
    await source(e, 'web', 'v2.1.0', web, `oci://${registry.host}/team/web`);
    await source(w, 'web', 'v2.1.0', web, `oci://${registry.host}/team/web`);

    const field = (cp: ControlPlane, key: string): string =>
      readFileSync(cp.kubeconfig, 'utf8')
        .match(new RegExp(`${key}: (.+)`))![1]!
        .trim();
    const entry = (cp: ControlPlane, name: string) => ({
      cluster: `- name: ${name}\n  cluster:\n    server: ${cp.server}\n    certificate-authority: ${field(cp, 'certificate-authority')}`,
      user: `- name: ${name}\n  user:\n    client-certificate: ${field(cp, 'client-certificate')}\n    client-key: ${field(cp, 'client-key')}`,
      context: `- name: ${name}\n  context: {cluster: ${name}, user: ${name}, namespace: ${ns}}`,
    });
    const [ee, we] = [entry(e, 'east'), entry(w, 'west')];
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        ee.cluster,
        we.cluster,
        `- name: staging\n  cluster:\n    server: https://127.0.0.1:${await freePort()}\n    certificate-authority: ${field(e, 'certificate-authority')}`,
        'users:',
        ee.user,
        we.user,
        'contexts:',
        ee.context,
        we.context,
        `- name: staging\n  context: {cluster: staging, user: east, namespace: ${ns}}`,
        'current-context: east',
        '',
      ].join('\n'),
    );

    server = await startCodeServer({
      vsix,
      workspace: path.join(dir, 'ws'),
      env: { KUBECONFIG: kubeconfig },
      settings: {
        'flux-oci.cluster.contexts': ['east', 'west', 'staging'],
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'workbench.tree.expandMode': 'doubleClick',
      },
    });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const shot = (name: string) => page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
    try {
      await page.goto(`${server.url}/?folder=${encodeURIComponent(path.join(dir, 'ws'))}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
      const header = page.locator('.pane-header').filter({ hasText: 'Flux Cluster' }).first();
      await header.waitFor({ state: 'visible', timeout: 30_000 });
      if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
      // A wider side bar, dragged by its edge as a person would.
      const box = await page.locator('.part.sidebar').first().boundingBox();
      if (box && box.width < 820) {
        await page.mouse.move(box.x + box.width + 1, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + 820, box.y + box.height / 2, { steps: 8 });
        await page.mouse.up();
      }
      // Room for the view: the folder's own section folds away.
      const folder = page.locator('.pane-header').filter({ hasText: /^ws/ }).first();
      if ((await folder.getAttribute('aria-expanded')) === 'true') await folder.click();
      const pane = page.locator('.pane:has(.pane-header:has-text("Flux Cluster"))').first();
      const rows = pane.locator('.monaco-list-row');
      const appRow = rows.filter({ hasText: /^app/ }).filter({ hasText: 'OCIRepository' }).first();
      // One row for the source on both clusters; each cluster's build; the registry's verdict.
      const text = await eventually(
        'the view shows app on east and west, west behind the registry',
        async () => {
          const all = (await pane.innerText()).replace(/\s+/g, ' ');
          return /east v1\.0\.0@sha256:[a-f0-9]{7} · west v1\.0\.0@sha256:b2b2b2b · 1 behind the registry/.test(all) &&
            /staging/.test(all) &&
            /unreachable/.test(all)
            ? all
            : undefined;
        },
        90_000,
        500,
      );
      t.diagnostic(`view: ${text}`);
      assert.match(await page.locator('.statusbar').innerText(), /east \+2/, 'the status bar names the current context and how many more');
      await eventually('the west row says it drifted', async () => /registry resolves v1\.0\.0/.test(await pane.innerText()), 30_000, 500);
      await shot('fleet-view');

      // Select the two sources (rows across clusters) and suspend them everywhere.
      await appRow.click();
      const webRow = rows.filter({ hasText: /^web/ }).filter({ hasText: 'OCIRepository' }).first();
      // Ctrl+click adds to the selection (the harness types only what the other stories use).
      await (webRow as unknown as { click(o: { modifiers: string[] }): Promise<void> }).click({ modifiers: ['Control'] });
      await webRow.click({ button: 'right' });
      const suspend = page
        .locator('.context-view .action-label, .monaco-menu .action-label')
        .filter({ hasText: /^Suspend$/ })
        .first();
      await suspend.waitFor({ state: 'visible', timeout: 10_000 });
      await page.waitForTimeout(300); // the menu settles before it takes a click
      await suspend.hover();
      await suspend.click();
      // A click that landed while the menu was still opening leaves it open with Suspend under the pointer.
      await page.waitForTimeout(500);
      if (await suspend.isVisible().catch(() => false)) await page.keyboard.press('Enter');
      const toast = await eventually(
        'the summary of the batch',
        async () => {
          const texts = (await page.locator('.notifications-toasts .notification-toast').allInnerTexts()).join('\n');
          return /Flux: suspend 4 of 4 done/.test(texts) ? texts : undefined;
        },
        60_000,
        300,
      );
      assert.match(toast, /suspend 4 of 4 done/);
      for (const cp of [e, w])
        for (const name of ['app', 'web']) assert.equal((await cp.api('GET', ociPath(name))).body.spec.suspend, true, `${name} suspended`);
      await eventually('the view shows the clusters suspended', async () => ((await pane.innerText()).match(/suspended/g) ?? []).length >= 4, 30_000, 500);
      await eventually(
        'the batch progress closes',
        async () => !(await page.locator('.notifications-toasts .notification-toast').allInnerTexts()).some((x) => x.includes('Suspend 4 objects')),
        15_000,
        300,
      );
      await page.mouse.move(1000, 300);
      await shot('fleet-suspended');
    } catch (err) {
      await shot('failed-fleet').catch(() => undefined);
      throw err;
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await Promise.all([east?.stop(), west?.stop(), registry?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
