// The "Flux OCI" palette commands for OCI artifacts: push, pull, tag, list, diff with a local
// folder, verify and sign. Thin on purpose: the server does the work (flux-oci.artifact.*),
// answers what to prefill (flux-oci.artifact.defaults) and reads references the way Flux does
// (flux-oci.artifact.reference); this file asks, shows progress with a Cancel button, and
// reports into the output channel and notifications.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { commands, env, ProgressLocation, ThemeIcon, Uri, window, workspace, type Disposable, type LogOutputChannel, type QuickPickItem } from 'vscode';
import { WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import {
  artifactCommands,
  compareArtifactsClientCommand,
  type AccessArgs,
  type ArtifactDefaults,
  type ParsedReference,
  type VerifyArgs,
} from '../../server/src/protocol/artifactMessages';
import type { Answer, CommandType } from '../../server/src/protocol/messages';
import { runServerCommand, runningClient } from './serverCommands';

type Ok<A> = Extract<A, { ok: true }>;

const title = (step: string): string => `Flux OCI: ${step}`;
const short = (url: string): string => url.replace(/^oci:\/\//, '');

export function registerArtifactCommands(client: () => LanguageClient | undefined, output: LogOutputChannel): Disposable[] {
  const palette = new ArtifactPalette(client, output);
  const entries: Array<[string, string, () => Promise<void>]> = [
    ['flux-oci.pushArtifact', 'push', () => palette.push()],
    ['flux-oci.pullArtifact', 'pull', () => palette.pull()],
    ['flux-oci.tagArtifact', 'tag', () => palette.tag()],
    ['flux-oci.listArtifacts', 'list', () => palette.list()],
    ['flux-oci.diffArtifact', 'diff', () => palette.diff()],
    ['flux-oci.verifyArtifact', 'verify', () => palette.verify()],
    ['flux-oci.signArtifact', 'sign', () => palette.sign()],
  ];
  return entries.map(([id, name, run]) => commands.registerCommand(id, () => palette.guarded(name, run)));
}

class ArtifactPalette {
  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly output: LogOutputChannel,
  ) {}

  // ---------- the commands ----------

  async push(): Promise<void> {
    const d = await this.defaults();
    const url = await this.pickReference(d, 'Push Artifact (1/3): repository', 'tag');
    if (!url) return;
    const folder = await this.pickFolder(d, 'Push Artifact (3/3): folder', 'Folder whose files become the artifact');
    if (!folder) return;
    const answer = await this.execute(artifactCommands.push, `Pushing ${folder} to ${short(url)}`, { url, path: folder });
    if (!this.succeeded('push', answer)) return;
    this.output.info(`pushed ${url} → ${answer.url} (${answer.layer.files} files, ${answer.layer.size} bytes)`);
    const pick = await window.showInformationMessage(`Flux OCI: pushed ${short(url)} (${answer.digest.slice(0, 19)}…)`, 'Copy Digest', 'Open Output');
    if (pick === 'Copy Digest') this.copyDigest(answer.digest);
    if (pick === 'Open Output') this.output.show(true);
    void commands.executeCommand('flux-oci.refreshResolution');
  }

  async pull(): Promise<void> {
    const d = await this.defaults();
    const ref = await this.pickReference(d, 'Pull Artifact (1/3): repository', 'ref');
    if (!ref) return;
    const checked = await this.reference(ref);
    const parsed = checked?.ok ? checked : undefined;
    const suggested = path.join('pulled', `${parsed?.name ?? 'artifact'}-${(parsed?.tag ?? parsed?.digest?.slice('sha256:'.length) ?? 'latest').slice(0, 12)}`);
    const into = await window.showInputBox({
      title: title('Pull Artifact (3/3): into folder'),
      prompt: 'An empty or new folder (relative to the workspace)',
      value: suggested,
      ignoreFocusOut: true,
    });
    if (!into) return;
    const answer = await this.execute(artifactCommands.pull, `Pulling ${short(ref)}`, { url: ref, output: into });
    if (!this.succeeded('pull', answer)) return;
    this.output.info(`pulled ${answer.url} into ${answer.output} (${answer.files ?? '?'} files; revision ${answer.revision ?? 'unknown'})`);
    const pick = await window.showInformationMessage(
      `Flux OCI: pulled ${answer.files ?? ''} files into ${workspace.asRelativePath(answer.output)}`,
      'Open Folder',
      'Copy Digest',
    );
    if (pick === 'Open Folder') void commands.executeCommand('revealInExplorer', Uri.file(answer.output));
    if (pick === 'Copy Digest') this.copyDigest(answer.digest);
  }

  async tag(): Promise<void> {
    const d = await this.defaults();
    const url = await this.pickReference(d, 'Tag Artifact (1/3): existing artifact', 'ref');
    if (!url) return;
    const tags = await window.showInputBox({
      title: title('Tag Artifact (3/3): new tags'),
      prompt: `New tags for ${url}, separated by commas`,
      value: 'stable',
      ignoreFocusOut: true,
    });
    if (!tags) return;
    const answer = await this.execute(artifactCommands.tag, `Tagging ${short(url)}`, {
      url,
      tags: tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    });
    if (!this.succeeded('tag', answer)) return;
    this.output.info(`tagged ${answer.repository}@${answer.digest} as ${answer.tags.join(', ')}`);
    void window
      .showInformationMessage(`Flux OCI: ${answer.tags.join(', ')} → ${answer.digest.slice(0, 19)}…`, 'Copy Digest')
      .then((p) => p && this.copyDigest(answer.digest));
    void commands.executeCommand('flux-oci.refreshResolution');
  }

  async list(): Promise<void> {
    const d = await this.defaults();
    const url = await this.pickReference(d, 'List Artifacts: repository', 'none');
    if (!url) return;
    const semver = d.sources.find((s) => s.url === url && s.ref?.startsWith('semver: '))?.ref?.slice('semver: '.length);
    const answer = await this.execute(artifactCommands.list, `Listing ${short(url)}`, { url });
    if (!this.succeeded('list', answer)) return;
    const artifacts = answer.artifacts;
    this.output.info(`${artifacts.length} artifact(s) in ${answer.repository}`);
    for (const a of artifacts) this.output.info(`  ${a.tag.padEnd(24)} ${a.digest}  ${a.revision ?? ''}  ${a.created ?? ''}`);
    // Each result can also be compared with the version before it or a workspace folder (issue 14).
    const compare = [
      { iconPath: new ThemeIcon('diff'), tooltip: 'Compare with the previous version', with: 'previous' as const },
      { iconPath: new ThemeIcon('folder'), tooltip: 'Compare with a workspace folder', with: 'folder' as const },
    ];
    const pick = window.createQuickPick<QuickPickItem & { digest: string; tag: string }>();
    pick.title = title(`${artifacts.length} artifacts in ${answer.repository}${semver ? ` (the OCIRepository asks for ${semver})` : ''}`);
    pick.placeholder = 'Pick one to copy its digest, or compare it (buttons)';
    pick.matchOnDetail = true;
    pick.items = artifacts.map((a) => ({
      label: a.tag,
      description: a.digest.slice(0, 19),
      detail: [a.revision, a.created, a.source].filter(Boolean).join(' · '),
      digest: a.digest,
      tag: a.tag,
      buttons: compare,
    }));
    pick.onDidAccept(() => {
      const item = pick.activeItems[0];
      pick.hide();
      if (item) this.copyDigest(item.digest);
    });
    pick.onDidTriggerItemButton((e) => {
      pick.hide();
      const button = e.button as (typeof compare)[number];
      void commands.executeCommand(compareArtifactsClientCommand, { url: `oci://${answer.repository}@${e.item.digest}`, tag: e.item.tag, with: button.with });
    });
    pick.onDidHide(() => pick.dispose());
    pick.show();
  }

  async diff(): Promise<void> {
    const d = await this.defaults();
    const url = await this.pickReference(d, 'Diff Artifact with Folder (1/3): artifact', 'ref');
    if (!url) return;
    const folder = await this.pickFolder(d, 'Diff Artifact with Folder (3/3): local folder', 'Local folder to compare with the artifact');
    if (!folder) return;
    const answer = await this.execute(artifactCommands.diff, `Comparing ${folder} with ${short(url)}`, { url, path: folder });
    if (!this.succeeded('diff', answer)) return;
    if (answer.identical) {
      this.output.info(`${folder} is identical to ${answer.url}`);
      void window.showInformationMessage(`Flux OCI: ${folder} is identical to the artifact`);
      return;
    }
    this.output.info(`${answer.changes.length} difference(s) between ${folder} and ${answer.url} (added = only in the artifact, removed = only local):`);
    for (const c of answer.changes) this.output.info(`  ${c.kind.padEnd(9)} ${c.path}`);
    const pick = await window.showWarningMessage(`Flux OCI: ${answer.changes.length} file(s) differ between ${folder} and the artifact`, 'Open Output');
    if (pick) this.output.show(true);
  }

  async verify(): Promise<void> {
    const d = await this.defaults();
    const url = await this.pickReference(d, 'Verify Artifact (1/3): artifact', 'ref');
    if (!url) return;
    const args = await this.askVerification(url);
    if (!args) return;
    const answer = await this.execute(artifactCommands.verify, `Verifying ${short(url)}`, args);
    if (!this.succeeded('verify', answer)) return;
    if (answer.outcome === 'verified') {
      const signer = answer.signer as { keyName?: string; subject?: string };
      this.output.info(`verified ${answer.reference} (${answer.format}) signed by ${signer.keyName ?? signer.subject ?? 'unknown'}`);
      void window.showInformationMessage(`Flux OCI: ✔ verified ${answer.reference}`);
    } else {
      this.output.warn(`not verified ${answer.reference}: ${answer.reason}`);
      void window.showWarningMessage(`Flux OCI: ✗ not verified: ${answer.reason}`, 'Open Output').then((p) => p && this.output.show(true));
    }
  }

  async sign(): Promise<void> {
    const d = await this.defaults();
    const url = await this.pickReference(d, 'Sign Artifact (1/3): artifact', 'ref');
    if (!url) return;
    const keyFile = await this.pickFile('**/*.key', 'Sign Artifact (2/3): cosign private key', 'Sign with this key', { 'cosign keys': ['key'] });
    if (!keyFile) return;
    const password = await window.showInputBox({
      title: title('Sign Artifact (3/3): key password'),
      prompt: 'Password of the cosign key (COSIGN_PASSWORD)',
      password: true,
      ignoreFocusOut: true,
    });
    if (password === undefined) return;
    const answer = await this.execute(artifactCommands.sign, `Signing ${short(url)}`, { url, keyFile, password });
    if (!this.succeeded('sign', answer)) return;
    this.output.info(`signed ${url}: ${JSON.stringify(answer)}`);
    void window.showInformationMessage(`Flux OCI: signed ${short(url)}`);
  }

  // ---------- asking ----------

  private async defaults(): Promise<ArtifactDefaults> {
    const uri = window.activeTextEditor?.document.uri.toString();
    const d = await runServerCommand(runningClient(this.client()), artifactCommands.defaults, uri ? { uri } : {});
    return d?.ok ? d : { sources: [], tags: ['latest'], folders: ['.'] };
  }

  /** What the server reads in a reference (Flux's rules), or undefined with the reason kept for the input box. */
  private async reference(url: string, tag?: string): Promise<(ParsedReference & { ok: true }) | { ok: false; error: string } | undefined> {
    const c = this.client();
    if (!c?.isRunning()) return undefined;
    const r = await runServerCommand(c, artifactCommands.reference, { url, ...(tag !== undefined ? { tag } : {}) });
    return r ?? undefined;
  }

  /** Picks a repository from the workspace's OCIRepositories or lets the user type one, then a tag or digest. */
  private async pickReference(d: ArtifactDefaults, step: string, withTag: 'tag' | 'ref' | 'none'): Promise<string | undefined> {
    const items: Array<QuickPickItem & { url?: string }> = d.sources.map((s) => ({
      label: s.url,
      description: [s.name, s.ref].filter(Boolean).join(' · '),
      detail: `${s.inActiveFile ? '$(file) this file' : '$(files) workspace'}: ${workspace.asRelativePath(s.file)}`,
      url: s.url,
    }));
    items.push({ label: '$(edit) Enter an oci:// URL…', alwaysShow: true });
    let typed: string | undefined;
    if (d.sources.length > 0) {
      const pick = await window.showQuickPick(items, {
        title: title(step),
        placeHolder: 'Repository (from the OCIRepositories of this workspace)',
        matchOnDescription: true,
        ignoreFocusOut: true,
      });
      if (!pick) return undefined;
      typed = pick.url;
    }
    typed ??= (
      await window.showInputBox({
        title: title(step),
        prompt: 'OCI repository URL',
        placeHolder: 'oci://ghcr.io/org/app',
        value: 'oci://',
        ignoreFocusOut: true,
        validateInput: async (v) => {
          const r = await this.reference(v.trim());
          return r && !r.ok ? r.error : undefined;
        },
      })
    )?.trim();
    if (!typed) return undefined;
    const checked = await this.reference(typed);
    const repo = checked?.ok ? checked.repository : typed;
    if (withTag === 'none') return repo;
    const tag = await window.showInputBox({
      title: title(step),
      prompt: withTag === 'tag' ? `Tag to push to ${repo}` : `Tag or @sha256:… digest of ${repo}`,
      value: d.tags[0] ?? 'latest',
      ignoreFocusOut: true,
      validateInput: async (v) => {
        const r = await this.reference(repo, v.trim());
        return r && !r.ok ? r.error : undefined;
      },
    });
    if (!tag) return undefined;
    const full = await this.reference(repo, tag.trim());
    return full?.ok ? full.url : tag.startsWith('@') ? `${repo}${tag.trim()}` : `${repo}:${tag.trim()}`;
  }

  private async pickFolder(d: ArtifactDefaults, step: string, prompt: string): Promise<string | undefined> {
    const items: QuickPickItem[] = d.folders.map((f) => ({ label: f, description: f === '.' ? 'the whole workspace folder' : undefined }));
    items.push({ label: '$(folder-opened) Choose a folder…', alwaysShow: true });
    const pick = await window.showQuickPick(items, { title: title(step), placeHolder: prompt, ignoreFocusOut: true });
    if (!pick) return undefined;
    if (!pick.label.startsWith('$(')) return pick.label;
    const base = d.workspaceFolder ? Uri.file(d.workspaceFolder) : undefined;
    const chosen = await window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      ...(base ? { defaultUri: base } : {}),
      openLabel: 'Use this folder',
    });
    return chosen?.[0]?.fsPath;
  }

  /** A workspace file matching `glob`, else one from the file dialog. */
  private async pickFile(glob: string, step: string, openLabel: string, filters: Record<string, string[]>): Promise<string | undefined> {
    const found = await workspace.findFiles(glob, '**/node_modules/**', 20);
    if (found.length)
      return (
        await window.showQuickPick(
          found.map((u) => ({ label: workspace.asRelativePath(u), path: u.fsPath })),
          { title: title(step), ignoreFocusOut: true },
        )
      )?.path;
    return (await window.showOpenDialog({ canSelectMany: false, openLabel, filters }))?.[0]?.fsPath;
  }

  private async askVerification(url: string): Promise<VerifyArgs | undefined> {
    const mode = await window.showQuickPick(
      [
        { label: 'Public key', description: 'cosign.pub (keyed: offline)', mode: 'key' as const },
        { label: 'Keyless', description: 'certificate identity + OIDC issuer (Sigstore)', mode: 'keyless' as const },
      ],
      { title: title('Verify Artifact (2/3): how was it signed?'), ignoreFocusOut: true },
    );
    if (!mode) return undefined;
    if (mode.mode === 'key') {
      const key = await this.pickFile('**/*.pub', 'Verify Artifact (3/3): public key', 'Use this public key', { 'Public keys': ['pub', 'pem'] });
      return key ? { url, keys: [key] } : undefined;
    }
    const subject = await window.showInputBox({
      title: title('Verify Artifact (3/3): certificate identity'),
      prompt: 'Identity regexp (RE2)',
      value: '^https://github.com/',
      ignoreFocusOut: true,
    });
    if (!subject) return undefined;
    const issuer = await window.showInputBox({
      title: title('Verify Artifact (3/3): OIDC issuer'),
      prompt: 'Issuer regexp (RE2)',
      value: '^https://token.actions.githubusercontent.com$',
      ignoreFocusOut: true,
    });
    if (!issuer) return undefined;
    return { url, identity: { subject, issuer } };
  }

  // ---------- running and reporting ----------

  /**
   * Runs a server operation in a cancellable notification fed by the server's progress. The
   * server reaches the registry with the log-ins it already holds (Log In to a Registry), so
   * no credential travels with the command.
   */
  private async execute<Arg extends AccessArgs & { url?: string }, R>(
    type: CommandType<Arg, Answer<R>>,
    progressTitle: string,
    args: Arg,
  ): Promise<Answer<R> | undefined> {
    const c = runningClient(this.client());
    const progressToken = randomUUID();
    this.output.info(`${progressTitle}: ${args.url ?? ''}`);
    return window.withProgress({ location: ProgressLocation.Notification, title: title(progressTitle), cancellable: true }, async (progress, token) => {
      let last = 0;
      const sub = c.onProgress(WorkDoneProgress.type, progressToken, (v) => {
        if (v.kind === 'end') return;
        if (v.message) this.output.info(`  ${v.message}`);
        const pct = v.percentage ?? last;
        progress.report({ ...(v.message ? { message: v.message } : {}), increment: Math.max(0, pct - last) });
        last = pct;
      });
      try {
        const answer = await runServerCommand(c, type, { ...args, progressToken }, token);
        if (token.isCancellationRequested) {
          this.output.warn(`${progressTitle}: cancelled`);
          return undefined;
        }
        return answer ?? { ok: false, error: 'the language server did not answer' };
      } catch (e) {
        if (token.isCancellationRequested) {
          this.output.warn(`${progressTitle}: cancelled`);
          return undefined;
        }
        throw e;
      } finally {
        sub.dispose();
      }
    });
  }

  /** Shows a failure with a way to the details; answers whether the operation worked. */
  private succeeded<A extends { ok: boolean }>(what: string, answer: A | undefined): answer is Ok<A> & A {
    if (!answer) return false;
    if (answer.ok) return true;
    const error = (answer as { error?: string }).error ?? 'unknown error';
    this.output.error(`${what} failed: ${error}`);
    void window.showErrorMessage(`Flux OCI: ${what} failed: ${error}`, 'Open Output', 'Log In to a Registry').then((pick) => {
      if (pick === 'Open Output') this.output.show(true);
      if (pick === 'Log In to a Registry') void commands.executeCommand('flux-oci.registryLogin');
    });
    return false;
  }

  private copyDigest(digest: string): void {
    void env.clipboard.writeText(digest).then(() => window.setStatusBarMessage(`Copied ${digest.slice(0, 19)}…`, 3000));
  }

  async guarded(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.output.error(`${name}: ${message}`);
      void window.showErrorMessage(`Flux OCI: ${message}`, 'Open Output').then((p) => p && this.output.show(true));
    }
  }
}
