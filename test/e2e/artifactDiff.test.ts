// End-to-end story of issue 14 in a real VS Code (code-server + Chromium, our packaged VSIX,
// Debian's docker-registry seeded by our CLI): CI pushed two releases of the app; hovering the
// OCIRepository offers "Compare with the previous version", which opens VS Code's diff editor
// on the changed line (the artifact files come read-only through the flux-oci-artifact: file
// system, served by the language server from its artifact cache) and lists the changed files;
// then "Compare Artifacts…" from the palette compares a release with the workspace folder, a List
// Artifacts result compares itself with the release before it; and on
// a real control plane the Flux Cluster view's "Compare with Registry" shows what the next
// reconcile of an OCIRepository changes after CI pushed a new build to the tag it follows.
// Screenshots go to test-output/e2e/ (artifact-diff.png is the README's). Run with
// `npm run test:e2e` or `npm run test:e2e -- test/e2e/artifactDiff.test.ts` (after `bash scripts/e2e/install.sh`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { startRegistry, type StartedRegistry } from '../peers/registry.ts';
import {
  eventually,
  launchBrowser,
  screenshotDir,
  skipUnlessTools,
  startCodeServer,
  type CodeServer,
  type Page,
  vsixPath,
  runCli,
  screenshot,
  openWorkspaceFile,
} from './harness.ts';
import { headCommit, makeSampleWorkspace } from './sampleWorkspace.ts';

const skip = skipUnlessTools();
let registry: StartedRegistry;
let ws: string;
let release: string;
let server: CodeServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const pushed: Record<string, string> = {};

const cli = (args: string[], env: Record<string, string> = {}): string => runCli(ws, args, env);

const shot = (name: string): Promise<void> => screenshot(page, name);

const openFile = (rel: string): Promise<void> => openWorkspaceFile(page, ws, rel);

/** Moves the cursor, retrying until the status bar says it is there (the first keys may land before the editor has focus). */
async function goTo(line: number, column: number): Promise<void> {
  await eventually(
    `the cursor at ${line}:${column}`,
    async () => {
      await page.keyboard.press('Escape');
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+G');
      await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible', timeout: 3000 });
      await page.keyboard.type(`${line}:${column}`);
      await page.keyboard.press('Enter');
      await page.waitForTimeout(300);
      return (await page.locator('.statusbar').innerText()).includes(`Ln ${line}, Col ${column}`);
    },
    30_000,
    500,
  );
}

async function runCommand(title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible' });
  await page.keyboard.type(title);
  await eventually(`the palette lists ${title}`, async () => (await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).count()) > 0);
  await page.keyboard.press('Enter');
}

/** Picks the quick pick row holding `text` once it is listed. */
async function pickRow(text: string, what: string): Promise<void> {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: text }).first();
  await eventually(what, async () => (await row.count()) > 0 && (await row.isVisible()), 30_000);
  await row.click();
}

/** The diff editor that is showing, with the text of each side. */
async function diffEditor(what: string, test: (original: string, modified: string) => boolean): Promise<{ original: string; modified: string }> {
  return eventually(
    what,
    async () => {
      const editor = page.locator('.monaco-diff-editor').first();
      if ((await editor.count()) === 0) return undefined;
      const original = await editor.locator('.editor.original .view-lines').first().innerText();
      const modified = await editor.locator('.editor.modified .view-lines').first().innerText();
      return test(original, modified) ? { original, modified } : undefined;
    },
    60_000,
    500,
  );
}

function story(body: () => Promise<void>): (t: { name: string }) => Promise<void> {
  return async (t) => {
    try {
      await body();
    } catch (e) {
      await shot(`failed-${t.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}`).catch(() => undefined);
      throw e;
    }
  };
}

before(async () => {
  if (skip) return;
  mkdirSync(screenshotDir, { recursive: true });
  const vsix = vsixPath();
  registry = await startRegistry();
  ws = makeSampleWorkspace(registry.host);
  // CI pushed 1.0.0, then 1.2.0 with three replicas and an autoscaler (from its own checkout).
  release = mkdtempSync(path.join(tmpdir(), 'flux-oci-e2e-release-'));
  const base = `oci://${registry.host}/flux-oci-demo/app`;
  pushed['1.0.0'] = (JSON.parse(cli(['push', 'artifact', `${base}:1.0.0`, '--path', 'deploy/app', '-o', 'json'])) as { digest: string }).digest;
  cpSync(path.join(ws, 'deploy', 'app'), release, { recursive: true });
  const deployment = path.join(release, 'deployment.yaml');
  writeFileSync(deployment, readFileSync(deployment, 'utf8').replace('replicas: 2', 'replicas: 3'));
  writeFileSync(
    path.join(release, 'hpa.yaml'),
    'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: app\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: app\n  minReplicas: 3\n  maxReplicas: 6\n',
  );
  pushed['1.2.0'] = (JSON.parse(cli(['push', 'artifact', `${base}:1.2.0`, '--path', release, '-o', 'json'])) as { digest: string }).digest;
  server = await startCodeServer({
    vsix,
    workspace: ws,
    settings: { 'flux-oci.diagnosticsDelay': 10, 'workbench.secondarySideBar.defaultVisibility': 'hidden' },
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await registry?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
  if (release) rmSync(release, { recursive: true, force: true });
});

test(
  'the hover compares the release Flux deploys with the previous one in the diff editor',
  { skip, timeout: 180_000 },
  story(async () => {
    await openFile('clusters/dev/app-source.yaml');
    await goTo(9, 16);
    const link = await eventually(
      'a hover with the compare link',
      async () => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
        const hover = page.locator('.monaco-hover:not(.hidden)').first();
        await hover.waitFor({ state: 'visible', timeout: 3000 });
        await page.waitForTimeout(300);
        const a = hover.locator('a').filter({ hasText: 'Compare with the previous version' }).first();
        return (await hover.innerText()).includes(pushed['1.2.0']!.slice(7, 19)) && (await a.count()) > 0 ? a : undefined;
      },
      60_000,
      1000,
    );
    await shot('artifact-diff-hover');
    await link.click();
    // The first changed file opens at once: 1.0.0 on the left, 1.2.0 (what Flux deploys) on the right.
    const sides = await diffEditor('the diff editor on deployment.yaml', (o, m) => /replicas:\s2/.test(o) && /replicas:\s3/.test(m));
    assert.doesNotMatch(sides.original, /replicas:\s3/);
    const tab = await page.locator('.tabs-container .tab.active').first().innerText();
    assert.match(tab, /deployment\.yaml \(1\.0\.0 ↔ 1\.2\.0\)/);
    assert.ok(
      (await page.locator('.monaco-diff-editor .editor.modified .line-insert, .monaco-diff-editor .editor.modified .char-insert').count()) > 0,
      'the changed line is marked as inserted',
    );
    // The changed files are listed; the added one opens against an empty side.
    const list = page.locator('.quick-input-widget .quick-input-list');
    await eventually(
      'the list of changed files',
      async () => /deployment\.yaml/.test(await list.innerText()) && /hpa\.yaml/.test(await list.innerText()),
      20_000,
    );
    await page.waitForTimeout(500);
    await shot('artifact-diff');
    await pickRow('hpa.yaml', 'the added file in the list');
    const added = await diffEditor('the diff editor on the added hpa.yaml', (o, m) => o.trim() === '' && /HorizontalPodAutoscaler/.test(m));
    assert.match(added.modified, /maxReplicas:\s6/);
    await page.keyboard.press('Escape');
  }),
);

test(
  'Compare Artifacts from the palette: a release against the workspace folder',
  { skip, timeout: 180_000 },
  story(async () => {
    await openFile('clusters/dev/app-source.yaml');
    await runCommand('Flux OCI: Compare Artifacts');
    await pickRow(`oci://${registry.host}/flux-oci-demo/app`, 'the repository pick');
    await pickRow('1.2.0', 'the old version pick');
    await pickRow('A workspace folder', 'the new side pick');
    await pickRow('deploy/app', 'the folder pick');
    // The folder side is the workspace's own file: 1.2.0 has three replicas, the folder two.
    await diffEditor('the diff editor on 1.2.0 against deploy/app', (o, m) => /replicas:\s3/.test(o) && /replicas:\s2/.test(m));
    const tab = await page.locator('.tabs-container .tab.active').first().innerText();
    assert.match(tab, /deployment\.yaml \(1\.2\.0 ↔ deploy\/app\)/);
    const list = page.locator('.quick-input-widget .quick-input-list');
    await eventually('hpa.yaml listed as removed', async () => /hpa\.yaml[\s\S]*removed/.test(await list.innerText()), 20_000);
    await shot('artifact-diff-folder');
    await page.keyboard.press('Escape');
    // The artifact files came from the server's cache, outside the workspace.
    const cache = path.join(server.run, 'cache', 'flux-oci', 'artifacts', 'layers');
    assert.equal(readdirSync(cache).length, 2, 'both releases unpacked once into the cache');
    assert.ok(!existsSync(path.join(ws, '.cache')), 'nothing written into the workspace');
  }),
);

test(
  'List Artifacts results compare a release with the one before it',
  { skip, timeout: 120_000 },
  story(async () => {
    await openFile('clusters/dev/app-source.yaml');
    await runCommand('Flux OCI: List Artifacts');
    await pickRow(`oci://${registry.host}/flux-oci-demo/app`, 'the repository pick');
    const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: '1.2.0' }).first();
    await eventually('the listed releases', async () => (await row.count()) > 0 && (await row.isVisible()), 30_000);
    await row.hover();
    await row.locator('.action-label[aria-label="Compare with the previous version"]').click();
    await diffEditor('the diff editor on 1.0.0 against 1.2.0', (o, m) => /replicas:\s2/.test(o) && /replicas:\s3/.test(m));
    assert.match(await page.locator('.tabs-container .tab.active').first().innerText(), /deployment\.yaml \(1\.0\.0 ↔ 1\.2\.0\)/);
    await page.keyboard.press('Escape');
  }),
);

test('the Flux Cluster view shows what the next reconcile changes', { skip, timeout: 8 * 60_000 }, async (t) => {
  if (!requireControlPlane(t, ['source-controller'])) return;
  let cp: ControlPlane | undefined;
  try {
    cp = await startControlPlane({ controllers: ['source-controller'] });
    const kube = { KUBECONFIG: cp.kubeconfig };
    const url = `oci://${registry.host}/flux-oci-demo/cluster-app`;
    // CI pushed a build of the workspace to the tag the cluster follows; source-controller has it.
    const first = (
      JSON.parse(
        cli([
          'push',
          'artifact',
          `${url}:v1.0.0`,
          '--path',
          'deploy/app',
          '--source',
          'https://github.com/flux-oci/sample-app',
          '--revision',
          `main@sha1:${headCommit(ws)}`,
          '-o',
          'json',
        ]),
      ) as { digest: string }
    ).digest;
    const manifest = path.join(server.run, 'cluster-app.yaml');
    writeFileSync(
      manifest,
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: cluster-app\n  namespace: flux-system\nspec:\n  interval: 10m\n  url: ${url}\n  insecure: true\n  ref:\n    tag: v1.0.0\n`,
    );
    assert.match(cli(['apply', '-f', manifest], kube), /applied 1 of 1 object\(s\)/);
    const sourcePath = '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/ocirepositories/cluster-app';
    await eventually(
      'source-controller pulls the first build',
      async () => {
        const r = await cp!.api('GET', sourcePath);
        return (r.body as { status?: { artifact?: { revision?: string } } }).status?.artifact?.revision === `v1.0.0@${first}`;
      },
      120_000,
      500,
    );

    // The editor gets the cluster; the view lists the source at the first build.
    mkdirSync(path.join(server.run, '.kube'), { recursive: true });
    cpSync(cp.kubeconfig, path.join(server.run, '.kube', 'config'));
    await page.keyboard.press('Escape');
    await runCommand('Flux OCI: Refresh Cluster View');
    const header = page.locator('.pane-header').filter({ hasText: 'Flux Cluster' }).first();
    await header.waitFor({ state: 'visible', timeout: 20_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const pane = page.locator('.pane:has(.pane-header:has-text("Flux Cluster"))').first();
    const row = pane.locator('.monaco-list-row').filter({ hasText: 'cluster-app' }).first();
    await eventually('the tree lists the OCIRepository at the first build', async () => (await row.innerText()).includes(first.slice(0, 14)), 60_000, 500);

    // CI pushes a new build (three replicas, an autoscaler) to the same tag: what would the next reconcile bring?
    const second = (JSON.parse(cli(['push', 'artifact', `${url}:v1.0.0`, '--path', release, '-o', 'json'])) as { digest: string }).digest;
    assert.notEqual(second, first);
    await row.click({ button: 'right' });
    const item = page.locator('.context-view .action-label, .monaco-menu .action-label').filter({ hasText: 'Compare with Registry' }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForTimeout(300); // the menu settles before it takes a click
    await item.hover();
    await item.click();
    // A click that landed while the menu was still opening leaves it open with the item under the pointer.
    await page.waitForTimeout(500);
    if (await item.isVisible().catch(() => false)) await page.keyboard.press('Enter');
    await diffEditor('the diff editor on what the cluster runs and what the registry has now', (o, m) => /replicas:\s2/.test(o) && /replicas:\s3/.test(m));
    const tab = await page.locator('.tabs-container .tab.active').first().innerText();
    assert.match(tab, new RegExp(`deployment\\.yaml \\(v1\\.0\\.0@${first.slice(7, 14)} ↔ v1\\.0\\.0@${second.slice(7, 14)}\\)`));
    const list = page.locator('.quick-input-widget .quick-input-list');
    await eventually('hpa.yaml listed as added', async () => /hpa\.yaml[\s\S]*added/.test(await list.innerText()), 20_000);
    await shot('artifact-diff-cluster');
    await page.keyboard.press('Escape');
  } catch (e) {
    await shot('failed-artifact-diff-cluster').catch(() => undefined);
    if (cp) t.diagnostic(`source-controller log:\n${cp.logTail('source-controller', 1500)}`);
    throw e;
  } finally {
    await cp?.stop();
  }
});
