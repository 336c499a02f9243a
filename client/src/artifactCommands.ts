// The "Flux OCI" palette commands for OCI artifacts: push, pull, tag, list, diff with a local
// folder, verify and sign. Thin on purpose: the server does the work (flux-oci.artifact.*) and
// answers what to prefill (flux-oci.artifact.defaults); this file only asks, shows progress
// with a Cancel button, and reports into the output channel and notifications.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { commands, env, ProgressLocation, Uri, window, workspace, type Disposable, type LogOutputChannel, type QuickPickItem } from 'vscode';
import { WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import { artifactCommands, type AccessArgs, type ArtifactDefaults, type VerifyArgs } from '../../server/src/protocol/artifactMessages';
import type { Answer, CommandType } from '../../server/src/protocol/messages';
import { runServerCommand, runningClient } from './serverCommands';

type ClientGetter = () => LanguageClient | undefined;
type Ok<A> = Extract<A, { ok: true }>;

const title = (step: string): string => `Flux OCI: ${step}`;

/** `oci://host/repo:tag` without the tag or digest. */
function repositoryOf(url: string): string {
  const at = url.indexOf('@');
  const noDigest = at >= 0 ? url.slice(0, at) : url;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash && slash > 'oci://'.length ? noDigest.slice(0, colon) : noDigest;
}

export function registerArtifactCommands(client: ClientGetter, output: LogOutputChannel): Disposable[] {
  const running = (): LanguageClient => runningClient(client());

  const defaults = async (): Promise<ArtifactDefaults> => {
    const uri = window.activeTextEditor?.document.uri.toString();
    const d = await runServerCommand(running(), artifactCommands.defaults, uri ? { uri } : {});
    return d?.ok ? d : { sources: [], tags: ['latest'], folders: ['.'] };
  };

  /**
   * Runs a server operation in a cancellable notification fed by the server's progress. The
   * server reaches the registry with the log-ins it already holds (Log In to a Registry), so
   * no credential travels with the command.
   */
  const execute = async <Arg extends AccessArgs & { url?: string }, R>(type: CommandType<Arg, Answer<R>>, progressTitle: string, args: Arg): Promise<Answer<R> | undefined> => {
    const c = running();
    const progressToken = randomUUID();
    output.info(`${progressTitle}: ${args.url ?? ''}`);
    return window.withProgress({ location: ProgressLocation.Notification, title: title(progressTitle), cancellable: true }, async (progress, token) => {
      let last = 0;
      const sub = c.onProgress(WorkDoneProgress.type, progressToken, (v) => {
        if (v.kind === 'end') return;
        if (v.message) output.info(`  ${v.message}`);
        const pct = v.percentage ?? last;
        progress.report({ ...(v.message ? { message: v.message } : {}), increment: Math.max(0, pct - last) });
        last = pct;
      });
      try {
        const answer = await runServerCommand(c, type, { ...args, progressToken }, token);
        if (token.isCancellationRequested) {
          output.warn(`${progressTitle}: cancelled`);
          return undefined;
        }
        return answer ?? { ok: false, error: 'the language server did not answer' };
      } catch (e) {
        if (token.isCancellationRequested) {
          output.warn(`${progressTitle}: cancelled`);
          return undefined;
        }
        throw e;
      } finally {
        sub.dispose();
      }
    });
  };

  /** Shows a failure with a way to the details; answers whether the operation worked. */
  const succeeded = <A extends { ok: boolean }>(what: string, answer: A | undefined): answer is Ok<A> & A => {
    if (!answer) return false;
    if (answer.ok) return true;
    const error = (answer as { error?: string }).error ?? 'unknown error';
    output.error(`${what} failed: ${error}`);
    void window.showErrorMessage(`Flux OCI: ${what} failed: ${error}`, 'Open Output', 'Log In to a Registry').then((pick) => {
      if (pick === 'Open Output') output.show(true);
      if (pick === 'Log In to a Registry') void commands.executeCommand('flux-oci.registryLogin');
    });
    return false;
  };

  /** Picks a repository from the workspace's OCIRepositories or lets the user type one. */
  const pickRepository = async (d: ArtifactDefaults, step: string, withTag: 'tag' | 'ref' | 'none'): Promise<string | undefined> => {
    const items: Array<QuickPickItem & { url?: string }> = d.sources.map((s) => ({
      label: s.url,
      description: [s.name, s.ref].filter(Boolean).join(' · '),
      detail: `${s.inActiveFile ? '$(file) this file' : '$(files) workspace'}: ${workspace.asRelativePath(s.file)}`,
      url: s.url,
    }));
    items.push({ label: '$(edit) Enter an oci:// URL…', alwaysShow: true });
    let repo: string | undefined;
    if (d.sources.length > 0) {
      const pick = await window.showQuickPick(items, { title: title(step), placeHolder: 'Repository (from the OCIRepositories of this workspace)', matchOnDescription: true, ignoreFocusOut: true });
      if (!pick) return undefined;
      repo = pick.url;
    }
    repo ??= (
      await window.showInputBox({
        title: title(step),
        prompt: 'OCI repository URL',
        placeHolder: 'oci://ghcr.io/org/app',
        value: 'oci://',
        ignoreFocusOut: true,
        validateInput: (v) => (/^oci:\/\/[^/\s]+\/\S+/.test(v.trim()) ? undefined : 'an oci://host/repository URL, e.g. oci://ghcr.io/org/app'),
      })
    )?.trim();
    if (!repo) return undefined;
    repo = repositoryOf(repo);
    if (withTag === 'none') return repo;
    const tag = await window.showInputBox({
      title: title(step),
      prompt: withTag === 'tag' ? `Tag to push to ${repo}` : `Tag or @sha256:… digest of ${repo}`,
      value: d.tags[0] ?? 'latest',
      ignoreFocusOut: true,
      validateInput: (v) => (/^(@sha256:[a-f0-9]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.test(v.trim()) ? undefined : 'a tag (letters, digits, _ . -) or @sha256:<64 hex>'),
    });
    if (!tag) return undefined;
    return tag.startsWith('@') ? `${repo}${tag.trim()}` : `${repo}:${tag.trim()}`;
  };

  const pickFolder = async (d: ArtifactDefaults, step: string, prompt: string): Promise<string | undefined> => {
    const items: QuickPickItem[] = d.folders.map((f) => ({ label: f, description: f === '.' ? 'the whole workspace folder' : undefined }));
    items.push({ label: '$(folder-opened) Choose a folder…', alwaysShow: true });
    const pick = await window.showQuickPick(items, { title: title(step), placeHolder: prompt, ignoreFocusOut: true });
    if (!pick) return undefined;
    if (!pick.label.startsWith('$(')) return pick.label;
    const base = d.workspaceFolder ? Uri.file(d.workspaceFolder) : undefined;
    const chosen = await window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, ...(base ? { defaultUri: base } : {}), openLabel: 'Use this folder' });
    return chosen?.[0]?.fsPath;
  };

  const copyDigest = (digest: string): void => void env.clipboard.writeText(digest).then(() => window.setStatusBarMessage(`Copied ${digest.slice(0, 19)}…`, 3000));

  const guarded =
    (name: string, body: () => Promise<void>) =>
    async (): Promise<void> => {
      try {
        await body();
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        output.error(`${name}: ${message}`);
        void window.showErrorMessage(`Flux OCI: ${message}`, 'Open Output').then((p) => p && output.show(true));
      }
    };

  return [
    commands.registerCommand(
      'flux-oci.pushArtifact',
      guarded('push', async () => {
        const d = await defaults();
        const url = await pickRepository(d, 'Push Artifact (1/3): repository', 'tag');
        if (!url) return;
        const folder = await pickFolder(d, 'Push Artifact (3/3): folder', 'Folder whose files become the artifact');
        if (!folder) return;
        const answer = await execute(artifactCommands.push, `Pushing ${folder} to ${url.replace(/^oci:\/\//, '')}`, { url, path: folder });
        if (!succeeded('push', answer)) return;
        const digest = answer.digest;
        output.info(`pushed ${url} → ${answer.url} (${answer.layer.files} files, ${answer.layer.size} bytes)`);
        const pick = await window.showInformationMessage(`Flux OCI: pushed ${url.replace(/^oci:\/\//, '')} (${digest.slice(0, 19)}…)`, 'Copy Digest', 'Open Output');
        if (pick === 'Copy Digest') copyDigest(digest);
        if (pick === 'Open Output') output.show(true);
        void commands.executeCommand('flux-oci.refreshResolution');
      }),
    ),
    commands.registerCommand(
      'flux-oci.pullArtifact',
      guarded('pull', async () => {
        const d = await defaults();
        const url = await pickRepository(d, 'Pull Artifact (1/3): repository', 'ref');
        if (!url) return;
        const suggested = path.join('pulled', `${repositoryOf(url).split('/').pop() ?? 'artifact'}-${(url.split(/[:@]/).pop() ?? 'latest').slice(0, 12)}`);
        const output_ = await window.showInputBox({ title: title('Pull Artifact (3/3): into folder'), prompt: 'An empty or new folder (relative to the workspace)', value: suggested, ignoreFocusOut: true });
        if (!output_) return;
        const answer = await execute(artifactCommands.pull, `Pulling ${url.replace(/^oci:\/\//, '')}`, { url, output: output_ });
        if (!succeeded('pull', answer)) return;
        const where = answer.output;
        output.info(`pulled ${answer.url} into ${where} (${answer.files ?? '?'} files; revision ${answer.revision ?? 'unknown'})`);
        const pick = await window.showInformationMessage(`Flux OCI: pulled ${answer.files ?? ''} files into ${workspace.asRelativePath(where)}`, 'Open Folder', 'Copy Digest');
        if (pick === 'Open Folder') void commands.executeCommand('revealInExplorer', Uri.file(where));
        if (pick === 'Copy Digest') copyDigest(answer.digest);
      }),
    ),
    commands.registerCommand(
      'flux-oci.tagArtifact',
      guarded('tag', async () => {
        const d = await defaults();
        const url = await pickRepository(d, 'Tag Artifact (1/3): existing artifact', 'ref');
        if (!url) return;
        const tags = await window.showInputBox({ title: title('Tag Artifact (3/3): new tags'), prompt: `New tags for ${url}, separated by commas`, value: 'stable', ignoreFocusOut: true });
        if (!tags) return;
        const answer = await execute(artifactCommands.tag, `Tagging ${url.replace(/^oci:\/\//, '')}`, { url, tags: tags.split(',').map((t) => t.trim()).filter(Boolean) });
        if (!succeeded('tag', answer)) return;
        output.info(`tagged ${answer.repository}@${answer.digest} as ${answer.tags.join(', ')}`);
        void window.showInformationMessage(`Flux OCI: ${answer.tags.join(', ')} → ${answer.digest.slice(0, 19)}…`, 'Copy Digest').then((p) => p && copyDigest(answer.digest));
        void commands.executeCommand('flux-oci.refreshResolution');
      }),
    ),
    commands.registerCommand(
      'flux-oci.listArtifacts',
      guarded('list', async () => {
        const d = await defaults();
        const url = await pickRepository(d, 'List Artifacts: repository', 'none');
        if (!url) return;
        const semver = d.sources.find((s) => s.url === url && s.ref?.startsWith('semver: '))?.ref?.slice('semver: '.length);
        const answer = await execute(artifactCommands.list, `Listing ${url.replace(/^oci:\/\//, '')}`, { url });
        if (!succeeded('list', answer)) return;
        const artifacts = answer.artifacts;
        output.info(`${artifacts.length} artifact(s) in ${answer.repository}`);
        for (const a of artifacts) output.info(`  ${a.tag.padEnd(24)} ${a.digest}  ${a.revision ?? ''}  ${a.created ?? ''}`);
        const pick = await window.showQuickPick(
          artifacts.map((a) => ({ label: a.tag, description: a.digest.slice(0, 19), detail: [a.revision, a.created, a.source].filter(Boolean).join(' · '), digest: a.digest })),
          { title: title(`${artifacts.length} artifacts in ${answer.repository}${semver ? ` (the OCIRepository asks for ${semver})` : ''}`), placeHolder: 'Pick one to copy its digest', matchOnDetail: true },
        );
        if (pick) copyDigest(pick.digest);
      }),
    ),
    commands.registerCommand(
      'flux-oci.diffArtifact',
      guarded('diff', async () => {
        const d = await defaults();
        const url = await pickRepository(d, 'Diff Artifact with Folder (1/3): artifact', 'ref');
        if (!url) return;
        const folder = await pickFolder(d, 'Diff Artifact with Folder (3/3): local folder', 'Local folder to compare with the artifact');
        if (!folder) return;
        const answer = await execute(artifactCommands.diff, `Comparing ${folder} with ${url.replace(/^oci:\/\//, '')}`, { url, path: folder });
        if (!succeeded('diff', answer)) return;
        const changes = answer.changes;
        if (answer.identical) {
          output.info(`${folder} is identical to ${answer.url}`);
          void window.showInformationMessage(`Flux OCI: ${folder} is identical to the artifact`);
          return;
        }
        output.info(`${changes.length} difference(s) between ${folder} and ${answer.url} (added = only in the artifact, removed = only local):`);
        for (const c of changes) output.info(`  ${c.kind.padEnd(9)} ${c.path}`);
        const pick = await window.showWarningMessage(`Flux OCI: ${changes.length} file(s) differ between ${folder} and the artifact`, 'Open Output');
        if (pick) output.show(true);
      }),
    ),
    commands.registerCommand(
      'flux-oci.verifyArtifact',
      guarded('verify', async () => {
        const d = await defaults();
        const url = await pickRepository(d, 'Verify Artifact (1/3): artifact', 'ref');
        if (!url) return;
        const mode = await window.showQuickPick(
          [
            { label: 'Public key', description: 'cosign.pub (keyed: offline)', mode: 'key' as const },
            { label: 'Keyless', description: 'certificate identity + OIDC issuer (Sigstore)', mode: 'keyless' as const },
          ],
          { title: title('Verify Artifact (2/3): how was it signed?'), ignoreFocusOut: true },
        );
        if (!mode) return;
        let args: VerifyArgs;
        if (mode.mode === 'key') {
          const found = await workspace.findFiles('**/*.pub', '**/node_modules/**', 20);
          const key = found.length
            ? (await window.showQuickPick(found.map((u) => ({ label: workspace.asRelativePath(u), path: u.fsPath })), { title: title('Verify Artifact (3/3): public key'), ignoreFocusOut: true }))?.path
            : (await window.showOpenDialog({ canSelectMany: false, openLabel: 'Use this public key', filters: { 'Public keys': ['pub', 'pem'] } }))?.[0]?.fsPath;
          if (!key) return;
          args = { url, keys: [key] };
        } else {
          const subject = await window.showInputBox({ title: title('Verify Artifact (3/3): certificate identity'), prompt: 'Identity regexp (RE2)', value: '^https://github.com/', ignoreFocusOut: true });
          if (!subject) return;
          const issuer = await window.showInputBox({ title: title('Verify Artifact (3/3): OIDC issuer'), prompt: 'Issuer regexp (RE2)', value: '^https://token.actions.githubusercontent.com$', ignoreFocusOut: true });
          if (!issuer) return;
          args = { url, identity: { subject, issuer } };
        }
        const answer = await execute(artifactCommands.verify, `Verifying ${url.replace(/^oci:\/\//, '')}`, args);
        if (!succeeded('verify', answer)) return;
        if (answer.outcome === 'verified') {
          const signer = answer.signer as { keyName?: string; subject?: string };
          output.info(`verified ${answer.reference} (${answer.format}) signed by ${signer.keyName ?? signer.subject ?? 'unknown'}`);
          void window.showInformationMessage(`Flux OCI: ✔ verified ${answer.reference}`);
        } else {
          output.warn(`not verified ${answer.reference}: ${answer.reason}`);
          void window.showWarningMessage(`Flux OCI: ✗ not verified: ${answer.reason}`, 'Open Output').then((p) => p && output.show(true));
        }
      }),
    ),
    commands.registerCommand(
      'flux-oci.signArtifact',
      guarded('sign', async () => {
        const d = await defaults();
        const url = await pickRepository(d, 'Sign Artifact (1/3): artifact', 'ref');
        if (!url) return;
        const found = await workspace.findFiles('**/*.key', '**/node_modules/**', 20);
        const keyFile = found.length
          ? (await window.showQuickPick(found.map((u) => ({ label: workspace.asRelativePath(u), path: u.fsPath })), { title: title('Sign Artifact (2/3): cosign private key'), ignoreFocusOut: true }))?.path
          : (await window.showOpenDialog({ canSelectMany: false, openLabel: 'Sign with this key', filters: { 'cosign keys': ['key'] } }))?.[0]?.fsPath;
        if (!keyFile) return;
        const password = await window.showInputBox({ title: title('Sign Artifact (3/3): key password'), prompt: 'Password of the cosign key (COSIGN_PASSWORD)', password: true, ignoreFocusOut: true });
        if (password === undefined) return;
        const answer = await execute(artifactCommands.sign, `Signing ${url.replace(/^oci:\/\//, '')}`, { url, keyFile, password });
        if (!succeeded('sign', answer)) return;
        output.info(`signed ${url}: ${JSON.stringify(answer)}`);
        void window.showInformationMessage(`Flux OCI: signed ${url.replace(/^oci:\/\//, '')}`);
      }),
    ),
  ];
}
