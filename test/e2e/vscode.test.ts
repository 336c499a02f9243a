// End-to-end stories in a real VS Code (code-server + Chromium), with our packaged VSIX
// installed and a local docker-registry seeded by our CLI: a person writes a Flux object
// with completion, hovers an OCIRepository to see the digest Flux would pick, applies a
// quick fix, pushes the manifests from the palette with progress, and (on a real control
// plane with Flux's controllers) reconciles a source from the Flux Cluster view to the digest
// CI just pushed. Screenshots go to test-output/e2e/. Run with `npm run test:e2e` (after `bash scripts/e2e/install.sh`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  goToLine,
} from './harness.ts';
import { headCommit, makeSampleWorkspace } from './sampleWorkspace.ts';

const skip = skipUnlessTools();
let registry: StartedRegistry;
let ws: string;
let server: CodeServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const pushed: Record<string, string> = {};

const cli = (args: string[], env: Record<string, string> = {}): string => runCli(ws, args, env);

const shot = (name: string): Promise<void> => screenshot(page, name);

const openFile = (rel: string): Promise<void> => openWorkspaceFile(page, ws, rel);

const goTo = (line: number, column: number): Promise<void> => goToLine(page, line, column);

async function runCommand(title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible' });
  await page.keyboard.type(title);
  await eventually(`the palette lists ${title}`, async () => (await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).count()) > 0);
  await page.keyboard.press('Enter');
}

/** A story that leaves a screenshot of the editor behind when it fails. */
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
  // What CI pushed before: three releases, two inside the OCIRepository's range.
  for (const v of ['1.0.0', '1.2.0', '2.0.0']) {
    const out = JSON.parse(
      cli([
        'push',
        'artifact',
        `oci://${registry.host}/flux-oci-demo/app:${v}`,
        '--path',
        'deploy/app',
        '--annotations',
        `org.opencontainers.image.version=${v}`,
        '-o',
        'json',
      ]),
    ) as { digest: string };
    pushed[v] = out.digest;
  }
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
  'completion offers the OCIRepository spec fields while writing a new Flux file',
  { skip, timeout: 90_000 },
  story(async () => {
    await openFile('new-source.yaml');
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.type('apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: demo\n  namespace: flux-system\nspec:\n  ');
    const labels = await eventually(
      'completion with spec fields',
      async () => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+Space');
        await page.locator('.suggest-widget.visible .monaco-list-row').first().waitFor({ state: 'visible', timeout: 3000 });
        const l = await page.locator('.suggest-widget.visible .monaco-list-row .label-name').allInnerTexts();
        return l.includes('url') ? l : undefined;
      },
      45_000,
      500,
    );
    for (const field of ['url', 'ref', 'interval']) assert.ok(labels.includes(field), `${field} in ${labels.join(', ')}`);
    await shot('completion');
    await page.keyboard.press('Escape');
  }),
);

test(
  "the language server keeps its compiled code in the extension's storage, so the next window starts it faster",
  { skip, timeout: 60_000 },
  story(async () => {
    // The server answered completion above; it writes V8's compile cache once initialized.
    const cache = path.join(server.run, 'user', 'User', 'globalStorage', 'flux-oci.flux-oci', 'compile-cache');
    const entries = await eventually(
      'the compile cache written',
      async () => {
        const files = existsSync(cache) ? readdirSync(cache, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [];
        return files.length ? files : undefined;
      },
      30_000,
      500,
    );
    assert.ok(entries.length > 0, `nothing under ${cache}`);
  }),
);

test(
  'hovering the url shows the tag and digest Flux would pick from the local registry',
  { skip, timeout: 90_000 },
  story(async () => {
    await openFile('clusters/dev/app-source.yaml');
    await goTo(9, 16);
    const text = await eventually(
      'a hover with the resolved digest',
      async () => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
        const hover = page.locator('.monaco-hover:not(.hidden)').first();
        await hover.waitFor({ state: 'visible', timeout: 3000 });
        await page.waitForTimeout(300);
        const t = await hover.innerText();
        return t.includes(pushed['1.2.0']!.slice(7, 19)) ? t : undefined;
      },
      45_000,
      1000,
    );
    assert.match(text, /1\.2\.0/);
    assert.ok(!text.includes(pushed['2.0.0']!.slice(7, 19)), 'the 2.0.0 release is outside the range');
    await shot('hover-resolved-digest');
    await page.keyboard.press('Escape');
  }),
);

test(
  'a quick fix turns `interval: 10` into a duration Flux accepts',
  { skip, timeout: 90_000 },
  story(async () => {
    await openFile('clusters/dev/app-sync.yaml');
    await goTo(7, 14);
    const fix = await eventually(
      'the quick fix menu',
      async () => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+.');
        const item = page.locator('.action-widget .monaco-list-row').filter({ hasText: "Change to '10s'" }).first();
        await item.waitFor({ state: 'visible', timeout: 3000 });
        return item;
      },
      45_000,
      1000,
    );
    await shot('quick-fix');
    await fix.click();
    await page.waitForTimeout(300);
    await page.keyboard.press('Control+S');
    const content = await eventually('the fixed file on disk', async () => {
      const c = readFileSync(path.join(ws, 'clusters/dev/app-sync.yaml'), 'utf8');
      return c.includes('interval: 10s') ? c : undefined;
    });
    assert.match(content, /^ {2}interval: 10s$/m);
  }),
);

test(
  'Push Artifact from the palette shows progress, then the registry has the new tag',
  { skip, timeout: 120_000 },
  story(async () => {
    await openFile('clusters/dev/app-source.yaml');
    await runCommand('Flux OCI: Push Artifact');
    const repoPick = page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: `oci://${registry.host}/flux-oci-demo/app` })
      .first();
    await repoPick.waitFor({ state: 'visible', timeout: 20_000 });
    await shot('push-pick-repository');
    await page.keyboard.press('Enter');
    // The tag box is prefilled from git (the short commit): replace it with a release number.
    await eventually('the tag input box', async () => (await page.locator('.quick-input-widget').innerText()).includes('Tag to push'));
    await page.keyboard.press('Control+A');
    await page.keyboard.type('1.3.0');
    await page.keyboard.press('Enter');
    await eventually('the folder pick', async () => (await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'deploy/app' }).count()) > 0);
    await page.keyboard.type('deploy/app');
    await page.keyboard.press('Enter');
    const toasts = page.locator('.notifications-toasts .notification-toast');
    let sawProgress = false;
    const done = await eventually(
      'the pushed notification',
      async () => {
        const texts = (await toasts.allInnerTexts()).join('\n');
        if (!sawProgress && /Pushing deploy\/app/.test(texts)) {
          sawProgress = true;
          await shot('push-progress');
        }
        return /pushed .*flux-oci-demo\/app:1\.3\.0/.test(texts) ? texts : undefined;
      },
      60_000,
      50,
    );
    assert.match(done, /Copy Digest/);
    await shot('push-done');
    const tags = (await (await fetch(`${registry.baseUrl}/v2/flux-oci-demo/app/tags/list`)).json()) as { tags: string[] };
    assert.ok(tags.tags.includes('1.3.0'), tags.tags.join(', '));
    // A push of the same folder is fast; the progress toast is recorded when it was seen.
    if (!sawProgress) console.log('note: the push finished before its progress notification could be captured');
  }),
);

// ---- The Flux Cluster view (needs the control plane: etcd, kube-apiserver, Flux's controllers) ----

const clusterNs = 'flux-system';

/** What the person applies: an OCIRepository following the tag CI pushes, and a Kustomization deploying it. */
function clusterSync(host: string): string {
  return `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: demo-app
  namespace: ${clusterNs}
spec:
  interval: 10m
  url: oci://${host}/flux-oci-demo/cluster-app
  insecure: true
  ref:
    tag: v1.0.0
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: demo-app-sync
  namespace: ${clusterNs}
spec:
  interval: 10m
  prune: true
  path: ./
  targetNamespace: default
  sourceRef:
    kind: OCIRepository
    name: demo-app
`;
}

interface FluxStatus {
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  artifact?: { revision?: string };
  lastAppliedRevision?: string;
}

async function fluxStatus(cp: ControlPlane, apiPath: string): Promise<FluxStatus> {
  const r = await cp.api('GET', apiPath);
  return (r.status === 200 ? (r.body as { status?: FluxStatus }).status : undefined) ?? {};
}

const isReady = (s: FluxStatus): boolean => (s.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** CI's job: pack deploy/app at the workspace's HEAD and push it to the tag the cluster follows. */
function pushBuild(): string {
  const out = JSON.parse(
    cli([
      'push',
      'artifact',
      `oci://${registry.host}/flux-oci-demo/cluster-app:v1.0.0`,
      '--path',
      'deploy/app',
      '--source',
      'https://github.com/flux-oci/sample-app',
      '--revision',
      `main@sha1:${headCommit(ws)}`,
      '-o',
      'json',
    ]),
  ) as { digest: string };
  return out.digest;
}

/** Drags the sash between the side bar and the editor so the tree's descriptions fit. */
async function widenSideBar(width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').first().boundingBox();
  if (!box || box.width >= width) return;
  const x = box.x + box.width + 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
}

test('the Flux Cluster view reconciles a source to the digest CI just pushed', { skip, timeout: 8 * 60_000 }, async (t) => {
  if (!requireControlPlane(t, ['source-controller', 'kustomize-controller'])) return;
  let cp: ControlPlane | undefined;
  try {
    cp = await startControlPlane();
    t.diagnostic(`control plane up: ${JSON.stringify(cp.startup)}`);
    const kube = { KUBECONFIG: cp.kubeconfig };
    const sourcePath = `/apis/source.toolkit.fluxcd.io/v1/namespaces/${clusterNs}/ocirepositories/demo-app`;
    const syncPath = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${clusterNs}/kustomizations/demo-app-sync`;

    // CI pushed the first build; the cluster follows its tag and deploys it.
    const first = pushBuild();
    const syncFile = path.join(server.run, 'demo-app-sync.yaml');
    writeFileSync(syncFile, clusterSync(registry.host));
    assert.match(cli(['apply', '-f', syncFile], kube), /applied 2 of 2 object\(s\)/);
    await eventually(
      'source-controller pulls the first build and kustomize-controller applies it',
      async () => {
        const [src, sync] = await Promise.all([fluxStatus(cp!, sourcePath), fluxStatus(cp!, syncPath)]);
        return src.artifact?.revision === `v1.0.0@${first}` && isReady(src) && isReady(sync) && sync.lastAppliedRevision === `v1.0.0@${first}`;
      },
      120_000,
      500,
    );

    // Without cluster access the view says why instead of staying empty.
    const header = page.locator('.pane-header').filter({ hasText: 'Flux Cluster' }).first();
    await header.waitFor({ state: 'visible', timeout: 20_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await widenSideBar(720);
    const pane = page.locator('.pane:has(.pane-header:has-text("Flux Cluster"))').first();
    await eventually('the view says there is no cluster', async () => /No cluster: .*kubeconfig/.test(await pane.innerText()), 30_000, 300);
    await shot('tree-no-cluster');

    // The person gets access to the cluster: the kubeconfig lands in the editor's ~/.kube/config.
    mkdirSync(path.join(server.run, '.kube'), { recursive: true });
    copyFileSync(cp.kubeconfig, path.join(server.run, '.kube', 'config'));
    await runCommand('Flux OCI: Refresh Cluster View');
    const rows = pane.locator('.monaco-list-row');
    const sourceRow = rows.filter({ hasText: 'OCIRepository' }).first();
    const syncRow = rows.filter({ hasText: 'Kustomization' }).first();
    const short = (digest: string): string => `v1.0.0@${digest.slice(0, 'sha256:'.length + 7)}`;
    await eventually('the tree lists the OCIRepository at the first build', async () => (await sourceRow.innerText()).includes(short(first)), 45_000, 500);
    assert.match(await syncRow.innerText(), /demo-app-sync/, 'the Kustomization is listed under its source');
    await shot('tree-before-reconcile');

    // CI pushes a new build to the same tag: the cluster only notices at its next interval (10m)...
    const deployment = path.join(ws, 'deploy', 'app', 'deployment.yaml');
    writeFileSync(deployment, readFileSync(deployment, 'utf8').replace('replicas: 2', 'replicas: 3'));
    spawnSync('git', ['commit', '-q', '-am', 'three replicas'], {
      cwd: ws,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'CI',
        GIT_AUTHOR_EMAIL: 'ci@flux-oci.invalid',
        GIT_COMMITTER_NAME: 'CI',
        GIT_COMMITTER_EMAIL: 'ci@flux-oci.invalid',
      },
    });
    const second = pushBuild();
    assert.notEqual(second, first, 'the new build has a new digest');
    assert.ok((await sourceRow.innerText()).includes(short(first)), 'the cluster still serves the first build');

    // ...so the person reconciles the source from the tree (the inline action of its row).
    await sourceRow.hover();
    await sourceRow.locator('.action-label[aria-label="Reconcile"]').click();
    await eventually(
      'the OCIRepository shows Ready at the new build',
      async () => {
        const text = await sourceRow.innerText();
        return text.includes(short(second)) && (await sourceRow.locator('.codicon-pass').count()) > 0;
      },
      120_000,
      300,
    );
    const toast = await eventually(
      'the reconciled notification',
      async () => {
        const texts = (await page.locator('.notifications-toasts .notification-toast').allInnerTexts()).join('\n');
        return texts.includes(`OCIRepository demo-app at v1.0.0@${second}`) ? texts : undefined;
      },
      30_000,
      200,
    );
    assert.match(toast, /Flux: OCIRepository demo-app at v1\.0\.0@sha256:[a-f0-9]{64}/);
    // kustomize-controller follows the new artifact by itself; the tree shows it under the source.
    await eventually('the Kustomization applies the new build', async () => (await syncRow.innerText()).includes(short(second)), 60_000, 300);
    // Nothing keeps spinning once the controller answered.
    await eventually(
      'the reconcile progress closes',
      async () => !(await page.locator('.notifications-toasts .notification-toast').allInnerTexts()).some((x) => x.includes('Reconciling')),
      15_000,
      300,
    );
    assert.match(await page.locator('.statusbar').innerText(), /flux-oci-test/, 'the status bar names the kubeconfig context');
    await page.mouse.move(1000, 300);
    if (!(await page.locator('.notifications-toasts').innerText()).includes(second))
      console.log('note: the reconciled notification closed before the screenshot');
    await shot('tree-reconciled');
    const src = await fluxStatus(cp, sourcePath);
    assert.equal(src.artifact?.revision, `v1.0.0@${second}`, 'source-controller serves the digest we pushed');
  } catch (e) {
    await shot('failed-tree-reconciled').catch(() => undefined);
    if (cp) t.diagnostic(`source-controller log:\n${cp.logTail('source-controller', 1500)}`);
    throw e;
  } finally {
    await cp?.stop();
  }
});
