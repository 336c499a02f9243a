// End-to-end story in a real VS Code (code-server + Chromium) with our packaged VSIX: someone
// writes a HelmRelease's spec.values for a chart the real helm pushed to a local docker-registry;
// completion offers the chart's values with their defaults, accepting one writes the default, and
// the hover explains it. Screenshots go to test-output/e2e/ (helm-values-*.png; the README shows
// one). Run with `npm run test:e2e -- test/e2e/helmValues.test.ts`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { peerBinary, peerVersions } from '../peers/goPeers.ts';
import {
  eventually,
  launchBrowser,
  screenshotDir,
  skipUnlessTools,
  startCodeServer,
  type CodeServer,
  type Page,
  vsixPath,
  screenshot,
  goToLine,
} from './harness.ts';
import { repoRoot } from './sampleWorkspace.ts';

const helm = peerBinary('helm');
const skip =
  skipUnlessTools() || (helm ? false : process.env['CI'] === 'true' ? false : `helm ${peerVersions.helm} is not built (bash scripts/peers/build.sh helm)`);
let registry: StartedRegistry;
let ws: string;
let server: CodeServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

function runHelm(args: string[]): string {
  const home = path.join(ws, '.helm');
  const r = spawnSync(helm!, args, {
    cwd: ws,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'],
      HOME: home,
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_DATA_HOME: path.join(home, 'data'),
    },
  });
  assert.equal(r.status, 0, `helm ${args.join(' ')}: ${r.stderr}`);
  return r.stdout + r.stderr;
}

const releaseFile = (host: string): string => `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: webapp
  namespace: apps
spec:
  interval: 10m
  url: oci://${host}/charts/webapp
  ref:
    semver: ">=1.0.0"
  layerSelector:
    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip
    operation: copy
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: webapp
  namespace: apps
spec:
  interval: 10m
  chartRef:
    kind: OCIRepository
    name: webapp
  values:
    replicaCount: 3
    image:
      
`;

const shot = (name: string): Promise<void> => screenshot(page, name);

const goTo = (line: number, column: number): Promise<void> => goToLine(page, line, column);

before(async () => {
  if (skip) return;
  mkdirSync(screenshotDir, { recursive: true });
  const vsix = vsixPath();
  registry = await startRegistry();
  ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-e2e-helm-'));
  const out = path.join(ws, '.charts');
  mkdirSync(out, { recursive: true });
  const [archive] = runHelm(['package', path.join(repoRoot, 'test/fixtures/helm-values/webapp'), '-d', out]).match(/\/\S+\.tgz/) ?? [];
  runHelm(['push', archive!, `oci://${registry.host}/charts`, '--plain-http']);
  mkdirSync(path.join(ws, 'apps'), { recursive: true });
  writeFileSync(path.join(ws, 'apps', 'webapp.yaml'), releaseFile(registry.host));
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
});

test(
  "writing spec.values: completion shows the chart's values with their defaults, accepting one writes the default, hover explains it",
  { skip, timeout: 150_000 },
  async (t) => {
    try {
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible' });
      await page.keyboard.insertText(path.join(ws, 'apps', 'webapp.yaml'));
      await eventually(
        'quick open lists webapp.yaml',
        async () => (await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'webapp.yaml' }).count()) > 0,
      );
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab.active[data-resource-name$="webapp.yaml"]').first().waitFor({ state: 'visible', timeout: 15_000 });
      await page.waitForTimeout(500);
      await page.locator('.monaco-editor .view-lines').first().click();
      // The empty line under `image:` (line 28), after its six spaces.
      await goTo(28, 7);
      const labels = await eventually(
        "completion with the chart's image values",
        async () => {
          await page.keyboard.press('Escape');
          await page.keyboard.press('Control+Space');
          await page.locator('.suggest-widget.visible .monaco-list-row').first().waitFor({ state: 'visible', timeout: 3000 });
          const l = await page.locator('.suggest-widget.visible .monaco-list-row .label-name').allInnerTexts();
          return l.includes('pullPolicy') ? l : undefined;
        },
        60_000,
        1000,
      );
      assert.deepEqual([...labels].sort(), ['pullPolicy', 'repository', 'tag']);
      // The required repository comes first; move to pullPolicy and open its details (the chart's description, allowed values, default).
      const details = page.locator('.suggest-details-container .suggest-details');
      if (!(await details.isVisible())) await page.keyboard.press('Control+Space');
      const detailText = await eventually('the suggestion details of pullPolicy', async () => {
        const d = await details.innerText().catch(() => '');
        if (d.includes('When the kubelet pulls the image')) return d;
        await page.keyboard.press('ArrowDown');
        await page.waitForTimeout(300);
        return undefined;
      });
      assert.match(detailText, /string · default "IfNotPresent"/);
      assert.match(detailText, /Allowed: "Always", "IfNotPresent", "Never"/);
      await shot('helm-values-completion');
      await page.keyboard.type('pull');
      await page.waitForTimeout(300);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+S');
      const saved = await eventually('the accepted value on disk', async () => {
        const c = readFileSync(path.join(ws, 'apps', 'webapp.yaml'), 'utf8');
        return c.includes('pullPolicy: IfNotPresent') ? c : undefined;
      });
      assert.match(saved, /^ {6}pullPolicy: IfNotPresent$/m);

      await goTo(28, 9);
      const hover = await eventually(
        "a hover with the value's description and default",
        async () => {
          await page.keyboard.press('Escape');
          await page.keyboard.press('Control+K');
          await page.keyboard.press('Control+I');
          const h = page.locator('.monaco-hover:not(.hidden)').first();
          await h.waitFor({ state: 'visible', timeout: 3000 });
          await page.waitForTimeout(300);
          const text = await h.innerText();
          return text.includes('When the kubelet pulls the image') ? text : undefined;
        },
        45_000,
        1000,
      );
      assert.match(hover, /image\.pullPolicy/);
      assert.match(hover, /"IfNotPresent"/);
      assert.match(hover, /From chart webapp 1\.2\.0/);
      await shot('helm-values-hover');
      await page.keyboard.press('Escape');
    } catch (e) {
      await shot(`failed-${t.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}`).catch(() => undefined);
      throw e;
    }
  },
);
