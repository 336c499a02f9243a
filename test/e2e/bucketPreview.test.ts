// End-to-end story in a real VS Code (code-server + Chromium) with our packaged VSIX, against a
// real MinIO on 127.0.0.1: hovering a Bucket shows what source-controller would pack and the size
// warning is in the Problems; "Flux OCI: Preview Bucket Artifact" opens the tree with sizes, and
// its ignore-rule helper writes the folder picked in a list into spec.ignore. Screenshots go to
// test-output/e2e/ (bucket-*.png). Run with `npm run test:e2e -- test/e2e/bucketPreview.test.ts`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { peerBinary } from '../peers/goPeers.ts';
import { startS3Server, type StartedS3Server } from '../peers/s3Server.ts';
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

const skip =
  skipUnlessTools() || (peerBinary('minio') ? false : process.env['CI'] === 'true' ? false : 'minio is not built (bash scripts/peers/build.sh minio)');
let s3: StartedS3Server;
let ws: string;
let server: CodeServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

const bucketFile = (endpoint: string): string => `apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: site
  namespace: flux-system
spec:
  interval: 10m
  provider: generic
  bucketName: site-config
  endpoint: ${endpoint}
  insecure: true
  secretRef:
    name: site-s3
  ignore: |
    *.mp4
`;

const shot = (name: string): Promise<void> => screenshot(page, name);

const goTo = (line: number, column: number): Promise<void> => goToLine(page, line, column);

async function editorTexts(): Promise<string[]> {
  // Monaco renders spaces as no-break spaces.
  return (await page.locator('.monaco-editor .view-lines').allInnerTexts()).map((x) => x.replace(/\u00a0/g, ' '));
}

before(async () => {
  if (skip) return;
  mkdirSync(screenshotDir, { recursive: true });
  const vsix = vsixPath();
  s3 = await startS3Server();
  await s3.makeBucket('site-config');
  const objects: [string, string][] = [];
  for (let i = 0; i < 40; i++) objects.push([`manifests/app-${i}.yaml`, `kind: ConfigMap\n# ${i}\n`]);
  objects.push(['dumps/prod.sql', 'z'.repeat(300_000)]);
  objects.push(['media/intro.mp4', 'v'.repeat(100_000)]);
  await s3.putObjects('site-config', objects);
  ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-e2e-bucket-'));
  mkdirSync(path.join(ws, 'clusters'), { recursive: true });
  writeFileSync(path.join(ws, 'clusters', 'bucket.yaml'), bucketFile(s3.endpoint));
  writeFileSync(
    path.join(ws, 'clusters', 'secret.yaml'),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: site-s3\n  namespace: flux-system\nstringData:\n  accesskey: ${s3.accessKey}\n  secretkey: ${s3.secretKey}\n`,
  );
  server = await startCodeServer({
    vsix,
    workspace: ws,
    settings: { 'flux-oci.diagnosticsDelay': 10, 'flux-oci.bucket.maxArtifactBytes': 200000, 'workbench.secondarySideBar.defaultVisibility': 'hidden' },
    env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' },
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await s3?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

test(
  'a Bucket shows what Flux would pack; Preview Bucket Artifact opens the tree and adds a picked folder to spec.ignore',
  { skip, timeout: 180_000 },
  async (t) => {
    try {
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible' });
      await page.keyboard.insertText(path.join(ws, 'clusters', 'bucket.yaml'));
      await eventually(
        'quick open lists bucket.yaml',
        async () => (await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'bucket.yaml' }).count()) > 0,
      );
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab.active[data-resource-name$="bucket.yaml"]').first().waitFor({ state: 'visible', timeout: 15_000 });
      await page.waitForTimeout(500);
      await page.locator('.monaco-editor .view-lines').first().click();
      await goTo(9, 5);
      const hover = await eventually(
        'the hover with the preview',
        async () => {
          await page.keyboard.press('Escape');
          await page.keyboard.press('Control+K');
          await page.keyboard.press('Control+I');
          const h = page.locator('.monaco-hover:not(.hidden)').first();
          await h.waitFor({ state: 'visible', timeout: 3000 });
          await page.waitForTimeout(300);
          const text = await h.innerText();
          return text.includes('would pack') ? text : undefined;
        },
        45_000,
        1000,
      );
      assert.match(hover, /41 files/);
      assert.match(hover, /dumps\/prod\.sql/);
      await shot('bucket-hover');
      await page.keyboard.press('Escape');

      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible' });
      await page.keyboard.type('Flux OCI: Preview Bucket Artifact');
      await eventually(
        'the palette lists Preview Bucket Artifact',
        async () => (await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Preview Bucket Artifact' }).count()) > 0,
      );
      await page.keyboard.press('Enter');
      await eventually(
        'the tree beside the file',
        async () => (await editorTexts()).some((x) => x.includes('would pack 41 files') && x.includes('dumps/')),
        30_000,
      );
      await shot('bucket-preview-tree');

      const add = page.locator('.notifications-toasts .monaco-button').filter({ hasText: 'Add Paths to spec.ignore' }).first();
      await eventually('the ignore helper button', async () => (await add.count()) > 0 && (await add.isVisible()), 20_000);
      await add.click();
      const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: '/dumps/' }).first();
      await eventually('the folders to pick', async () => (await row.count()) > 0 && (await row.isVisible()), 20_000);
      await row
        .locator('.quick-input-list-checkbox, input[type=checkbox], .monaco-checkbox')
        .first()
        .click()
        .catch(async () => row.click());
      await eventually('one folder picked', async () => (await page.locator('.quick-input-widget').first().innerText()).includes('1 Selected'), 10_000);
      await shot('bucket-ignore-pick');
      await page.locator('.quick-input-widget .monaco-button').filter({ hasText: 'OK' }).first().click();
      await eventually('spec.ignore holds /dumps/', async () => (await editorTexts()).some((x) => /\*\.mp4\s+\/dumps\//.test(x)), 20_000);
      await shot('bucket-ignore-added');
    } catch (e) {
      await shot(`failed-${t.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}`).catch(() => undefined);
      throw e;
    }
  },
);
