// Artifact diffs in VS Code's own diff editor (issue 14). Artifact files are shown read-only
// through a file system of our own scheme whose bytes come from the language server
// (`flux-oci/artifactFile`, answered from its artifact cache on disk, so files open at once and
// offline once fetched); a folder side is the workspace's real files. Thin on purpose: the server
// resolves, downloads, caches and compares (`flux-oci.artifact.compare`); this file asks what to
// compare, lists the changed files in a quick pick and opens `vscode.diff` per file.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import {
  commands,
  Disposable,
  EventEmitter,
  FilePermission,
  FileSystemError,
  FileType,
  ProgressLocation,
  ThemeIcon,
  Uri,
  window,
  workspace,
  type FileChangeEvent,
  type FileStat,
  type FileSystemProvider,
  type LogOutputChannel,
  type QuickPickItem,
} from 'vscode';
import { WorkDoneProgress, type LanguageClient, type StaticFeature } from 'vscode-languageclient/node';
import {
  artifactCommands,
  artifactFileRequest,
  compareArtifactsClientCommand,
  type ArtifactFileParams,
  type ArtifactFileResult,
  type CompareArtifactsResult,
  type CompareLinkArgs,
  type CompareSideArg,
  type AccessArgs,
} from '../../server/src/protocol/artifactMessages';
import type { FluxTreeNode } from '../../server/src/protocol/clusterMessages';
import type { Answer } from '../../server/src/protocol/messages';
import { runServerCommand, runningClient } from './serverCommands';

export const artifactScheme = 'flux-oci-artifact';

type Side = CompareArtifactsResult['before'];
type Change = CompareArtifactsResult['changes'][number];
type Compared = Extract<Answer<CompareArtifactsResult>, { ok: true }>;

const title = (step: string): string => `Flux OCI: ${step}`;

/** `flux-oci-artifact://host:port/org/app@sha256:…/apps/web.yaml`; `?empty` is the missing side of an added or removed file. */
export function artifactFileUri(side: { registry: string; repository: string; digest: string }, file: string, empty = false): Uri {
  return Uri.from({
    scheme: artifactScheme,
    authority: side.registry,
    path: `/${side.repository}@${side.digest}/${file}`,
    ...(empty ? { query: 'empty' } : {}),
  });
}

function parseArtifactUri(uri: Uri): ArtifactFileParams | undefined {
  const m = /^\/(.+?)@(sha(?:256|384|512):[a-f0-9]+)\/(.+)$/.exec(uri.path);
  return m ? { url: `oci://${uri.authority}/${m[1]}@${m[2]}`, path: m[3]! } : undefined;
}

/**
 * Read-only files of artifacts. Each file is asked of the server once and kept in a small
 * memo (the server keeps the real cache on disk, bounded by size).
 */
export class ArtifactFileSystem implements FileSystemProvider {
  private readonly changed = new EventEmitter<FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  private readonly memo = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly client: () => LanguageClient | undefined) {}

  watch(): Disposable {
    return new Disposable(() => undefined); // content addressed: never changes
  }

  async stat(uri: Uri): Promise<FileStat> {
    const content = await this.readFile(uri);
    return { type: FileType.File, ctime: 0, mtime: 0, size: content.byteLength, permissions: FilePermission.Readonly };
  }

  readFile(uri: Uri): Promise<Uint8Array> {
    if (uri.query === 'empty') return Promise.resolve(new Uint8Array());
    const key = uri.toString();
    let pending = this.memo.get(key);
    if (!pending) {
      pending = this.fetch(uri);
      pending.catch(() => this.memo.delete(key));
      this.memo.set(key, pending);
      while (this.memo.size > 64) this.memo.delete(this.memo.keys().next().value!);
    }
    return pending;
  }

  private async fetch(uri: Uri): Promise<Uint8Array> {
    const params = parseArtifactUri(uri);
    if (!params) throw FileSystemError.FileNotFound(uri);
    const answer = (await runningClient(this.client()).sendRequest(artifactFileRequest.method, params)) as ArtifactFileResult;
    if (!answer.ok) throw answer.code === 'not-found' ? FileSystemError.FileNotFound(uri) : FileSystemError.Unavailable(answer.error);
    return Buffer.from(answer.content, 'base64');
  }

  readDirectory(): [string, FileType][] {
    return [];
  }
  createDirectory(uri: Uri): void {
    throw FileSystemError.NoPermissions(uri);
  }
  writeFile(uri: Uri): void {
    throw FileSystemError.NoPermissions(uri);
  }
  delete(uri: Uri): void {
    throw FileSystemError.NoPermissions(uri);
  }
  rename(uri: Uri): void {
    throw FileSystemError.NoPermissions(uri);
  }
}

/** Tells the server this client runs {@link compareArtifactsClientCommand} from hover links. */
export const compareLinksFeature: StaticFeature = {
  fillClientCapabilities(caps) {
    caps.experimental = { ...(caps.experimental ?? {}), fluxOci: { compareArtifacts: true } };
  },
  initialize() {},
  getState: () => ({ kind: 'static' }),
  clear() {},
};

const icons: Record<Change['kind'], string> = { added: 'diff-added', removed: 'diff-removed', modified: 'diff-modified' };

function sideLabel(s: Side, other?: Side): string {
  if (s.kind === 'folder') return s.root ? workspace.asRelativePath(s.root) : s.paths.join(', ');
  if (!s.tag) return `${s.digest.slice(0, 19)}…`;
  // The same tag on both sides (it moved): tell them apart by digest.
  return other?.kind === 'artifact' && other.tag === s.tag && other.digest !== s.digest ? `${s.tag}@${s.digest.slice(7, 14)}` : s.tag;
}

/** `old ↔ new`, as the titles say it. */
const sideNames = (c: Compared): string => `${sideLabel(c.before, c.after)} ↔ ${sideLabel(c.after, c.before)}`;

/** The URI one side shows for a file (an empty one when the file is not on that side). */
function sideUri(s: Side, file: string, present: boolean): Uri {
  if (s.kind === 'artifact') return artifactFileUri(s, file, !present);
  if (present && s.root) return Uri.file(path.join(s.root, ...file.split('/')));
  return Uri.from({ scheme: artifactScheme, authority: 'empty', path: `/${file}`, query: 'empty' });
}

export class ArtifactComparisons {
  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly output: LogOutputChannel,
  ) {}

  /** The hover's links, the palette and List Artifacts all come here. */
  async fromLink(arg: CompareLinkArgs | undefined): Promise<void> {
    if (!arg?.url) return this.fromPalette();
    // The digest decides the content; the tag names the side (`repo:tag@digest`).
    const url = arg.tag && !arg.url.includes(`:${arg.tag}@`) ? arg.url.replace('@', `:${arg.tag}@`) : arg.url;
    if (arg.with === 'folder') {
      const folder = await this.pickFolder(`Compare ${arg.tag ?? 'the artifact'} with a workspace folder`);
      if (!folder) return;
      return this.compare({ url }, { folder });
    }
    return this.compare(arg.previous ? { url: arg.previous } : { previousOf: arg.url }, { url });
  }

  /** "Compare Artifacts…": a repository, the old version, then the new version or a folder. */
  async fromPalette(): Promise<void> {
    const c = runningClient(this.client());
    const d = await runServerCommand(c, artifactCommands.defaults, window.activeTextEditor ? { uri: window.activeTextEditor.document.uri.toString() } : {});
    const sources = d?.ok ? d.sources : [];
    const repoItems: Array<QuickPickItem & { url?: string }> = sources.map((s) => ({
      label: s.url,
      description: [s.name, s.ref].filter(Boolean).join(' · '),
      url: s.url,
    }));
    repoItems.push({ label: '$(edit) Enter an oci:// URL…', alwaysShow: true });
    const picked = sources.length
      ? await window.showQuickPick(repoItems, { title: title('Compare Artifacts (1/3): repository'), ignoreFocusOut: true })
      : repoItems[0];
    if (!picked) return;
    const typed =
      picked.url ??
      (
        await window.showInputBox({ title: title('Compare Artifacts (1/3): repository'), prompt: 'OCI repository URL', value: 'oci://', ignoreFocusOut: true })
      )?.trim();
    if (!typed) return;
    const ref = await runServerCommand(c, artifactCommands.reference, { url: typed });
    if (ref && !ref.ok) throw new Error(ref.error);
    const repository = ref?.ok ? ref.repository : typed;
    const listed = await this.execute(artifactCommands.list, `Listing ${repository.replace(/^oci:\/\//, '')}`, { url: repository });
    if (!listed) return;
    if (!listed.ok) throw new Error(listed.error);
    const versions: Array<QuickPickItem & { url?: string; folder?: boolean }> = listed.artifacts.map((a) => ({
      label: a.tag,
      description: a.digest.slice(0, 19),
      detail: [a.revision, a.created].filter(Boolean).join(' · '),
      url: `${repository}:${a.tag}`,
    }));
    const before = await window.showQuickPick(versions, {
      title: title('Compare Artifacts (2/3): old version'),
      placeHolder: 'The version to compare from',
      ignoreFocusOut: true,
      matchOnDetail: true,
    });
    if (!before?.url) return;
    const afterItems = [
      { label: '$(folder) A workspace folder…', folder: true, alwaysShow: true } as QuickPickItem & { url?: string; folder?: boolean },
      ...versions.filter((v) => v.url !== before.url),
    ];
    const after = await window.showQuickPick(afterItems, {
      title: title(`Compare Artifacts (3/3): compare ${before.label} with`),
      ignoreFocusOut: true,
      matchOnDetail: true,
    });
    if (!after) return;
    if (after.folder) {
      const folder = await this.pickFolder(`Compare ${before.label} with a workspace folder`);
      if (folder) await this.compare({ url: before.url }, { folder });
      return;
    }
    if (after.url) await this.compare({ url: before.url }, { url: after.url });
  }

  /** Compares, then lists the changed files; the first one opens at once. */
  async compare(before: CompareSideArg, after: CompareSideArg, access: AccessArgs = {}): Promise<void> {
    const answer = await this.execute(artifactCommands.compare, 'Comparing artifacts', { ...access, before, after });
    if (!answer) return;
    if (!answer.ok) {
      this.output.error(`compare failed: ${answer.error}`);
      void window.showErrorMessage(`Flux OCI: compare failed: ${answer.error}`, 'Open Output').then((p) => p && this.output.show(true));
      return;
    }
    const names = sideNames(answer);
    this.output.info(`compared ${names}: ${answer.changes.length} file(s) changed`);
    for (const ch of answer.changes) this.output.info(`  ${ch.kind.padEnd(9)} ${ch.path}${ch.content !== 'text' ? ` (${ch.content})` : ''}`);
    if (answer.identical) {
      void window.showInformationMessage(`Flux OCI: ${names}: no changes (${answer.after.files} identical files)`);
      return;
    }
    await this.openDiff(answer, answer.changes[0]!);
    this.showChanges(answer, names);
  }

  private showChanges(answer: Compared, names: string): void {
    const pick = window.createQuickPick<QuickPickItem & { change: Change }>();
    pick.title = title(`${names}: ${answer.changes.length} file${answer.changes.length === 1 ? '' : 's'} changed`);
    pick.placeholder = 'Open a changed file in the diff editor';
    pick.ignoreFocusOut = true;
    pick.matchOnDescription = true;
    pick.items = answer.changes.map((change) => ({
      label: change.path,
      iconPath: new ThemeIcon(icons[change.kind]),
      description: [change.kind, change.modeOnly ? 'mode only' : '', change.content !== 'text' ? change.content : ''].filter(Boolean).join(' · '),
      change,
    }));
    pick.onDidAccept(() => {
      const item = pick.activeItems[0];
      if (item) void this.openDiff(answer, item.change);
    });
    pick.onDidHide(() => pick.dispose());
    pick.show();
  }

  private async openDiff(answer: Compared, change: Change): Promise<void> {
    const left = sideUri(answer.before, change.path, change.kind !== 'added');
    const right = sideUri(answer.after, change.path, change.kind !== 'removed');
    const label = `${change.path} (${sideNames(answer)})`;
    if (change.content !== 'text') {
      void window.showInformationMessage(
        `Flux OCI: ${change.path} is ${change.content === 'binary' ? 'a binary file' : 'too large to compare as text'}; it differs between the two sides.`,
      );
      return;
    }
    await commands.executeCommand('vscode.diff', left, right, label, { preview: true, preserveFocus: true });
  }

  private async pickFolder(step: string): Promise<string | undefined> {
    const c = runningClient(this.client());
    const d = await runServerCommand(c, artifactCommands.defaults, {});
    const folders = d?.ok ? d.folders : ['.'];
    const items: QuickPickItem[] = folders.map((f) => ({ label: f, description: f === '.' ? 'the whole workspace folder' : undefined }));
    items.push({ label: '$(folder-opened) Choose a folder…', alwaysShow: true });
    const pick = await window.showQuickPick(items, { title: title(step), placeHolder: 'The folder the artifact is pushed from', ignoreFocusOut: true });
    if (!pick) return undefined;
    if (!pick.label.startsWith('$(')) return pick.label;
    const chosen = await window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Compare with this folder' });
    return chosen?.[0]?.fsPath;
  }

  /** Runs a server command in a cancellable notification fed by the server's progress. */
  private async execute<Arg, R>(
    type: { command: string; types?: { arg: Arg; answer: Answer<R> } },
    progressTitle: string,
    args: Arg,
  ): Promise<Answer<R> | undefined> {
    const c = runningClient(this.client());
    const progressToken = randomUUID();
    return window.withProgress({ location: ProgressLocation.Notification, title: title(progressTitle), cancellable: true }, async (progress, token) => {
      const sub = c.onProgress(WorkDoneProgress.type, progressToken, (v) => {
        if (v.kind !== 'end' && v.message) progress.report({ message: v.message });
      });
      try {
        const answer = await runServerCommand(c, type, { ...args, progressToken } as Arg, token);
        if (token.isCancellationRequested) return undefined;
        return answer ?? { ok: false, error: 'the language server did not answer' };
      } catch (e) {
        if (token.isCancellationRequested) return undefined;
        throw e;
      } finally {
        sub.dispose();
      }
    });
  }
}

/** A row of the Flux Cluster view, as VS Code hands it to a context-menu command. */
type ClusterTreeElement = { type: 'object'; node: FluxTreeNode } | { type: 'row'; row: { placements: Array<{ node: FluxTreeNode }> } } | { type: string };

/**
 * "Compare with Registry" on an OCIRepository of the Flux Cluster view: the revision the cluster
 * runs (its `status.artifact.revision`, `tag@digest`) against what its spec resolves to in the
 * registry now, that is what the next reconcile changes.
 */
export async function compareClusterSource(comparisons: ArtifactComparisons, element: ClusterTreeElement | undefined): Promise<void> {
  const node =
    element?.type === 'object'
      ? (element as { node: FluxTreeNode }).node
      : element?.type === 'row'
        ? (element as { row: { placements: Array<{ node: FluxTreeNode }> } }).row.placements[0]?.node
        : undefined;
  if (!node || node.ref.kind !== 'OCIRepository' || !node.ociSource) {
    void window.showInformationMessage('Flux OCI: Compare with Registry works on an OCIRepository of the Flux Cluster view.');
    return;
  }
  const m = /^(?:(.+)@)?(sha(?:256|384|512):[a-f0-9]+)$/.exec(node.revision ?? '');
  if (!m) {
    void window.showInformationMessage(`Flux OCI: ${node.ref.namespace}/${node.ref.name} has no artifact in the cluster yet; nothing to compare.`);
    return;
  }
  const base = node.ociSource.url.replace(/\/+$/, '');
  const running = m[1] ? `${base}:${m[1]}@${m[2]}` : `${base}@${m[2]}`;
  const { url, ref, layerMediaType } = node.ociSource;
  await comparisons.compare(
    { url: running },
    { source: { url, ref, ...(layerMediaType ? { layerMediaType } : {}) } },
    node.ociSource.insecure ? { insecure: true } : {},
  );
}

export function registerArtifactDiffs(
  client: () => LanguageClient | undefined,
  output: LogOutputChannel,
): { disposables: Disposable[]; comparisons: ArtifactComparisons } {
  const comparisons = new ArtifactComparisons(client, output);
  const guarded = (run: () => Promise<void>) => async () => {
    try {
      await run();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      output.error(`compare: ${message}`);
      void window.showErrorMessage(`Flux OCI: ${message}`, 'Open Output').then((p) => p && output.show(true));
    }
  };
  return {
    comparisons,
    disposables: [
      workspace.registerFileSystemProvider(artifactScheme, new ArtifactFileSystem(client), { isCaseSensitive: true, isReadonly: true }),
      commands.registerCommand(compareArtifactsClientCommand, (arg?: CompareLinkArgs) => guarded(() => comparisons.fromLink(arg))()),
      commands.registerCommand('flux-oci.cluster.compareWithRegistry', (element?: ClusterTreeElement) =>
        guarded(() => compareClusterSource(comparisons, element))(),
      ),
    ],
  };
}
