// The "Flux Cluster" tree: Flux sources and their consumers with status, revision and digest.
// Thin on purpose: the server lists and watches the cluster (flux-oci.clusterTree) and says when
// anything changed (flux-oci/clusterChanged); the tree only renders, lazily, level by level.
import {
  commands,
  EventEmitter,
  MarkdownString,
  ProgressLocation,
  StatusBarAlignment,
  ThemeColor,
  ThemeIcon,
  TreeItem,
  TreeItemCollapsibleState,
  window,
  workspace,
  type Disposable,
  type QuickPickItem,
  type TreeDataProvider,
} from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { clusterChangedNotification, clusterCommands, type FluxTreeNode } from '../../server/src/protocol/clusterMessages';
import type { CommandType } from '../../server/src/protocol/messages';
import { runServerCommand } from './serverCommands';

type Node = FluxTreeNode;

class ClusterTreeProvider implements TreeDataProvider<Node> {
  private readonly changed = new EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  // Fired once the server answered: context and error are known only then (the first answer
  // waits for the cluster's lists, often longer than any fixed delay after the change event).
  private readonly loaded = new EventEmitter<void>();
  readonly onDidLoad = this.loaded.event;
  private roots: Node[] | undefined;
  error: string | undefined;
  /** Why the server's view of the cluster may lag (API server unreachable); it recovers by itself. */
  stale: string | undefined;
  context: string | undefined;

  constructor(private readonly client: () => LanguageClient | undefined) {}

  refresh(): void {
    this.roots = undefined;
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node) return node.children;
    const client = this.client();
    if (!client?.isRunning()) return [];
    const answer = await runServerCommand(client, clusterCommands.tree, undefined);
    const failed = answer && 'ok' in answer ? answer : undefined;
    const tree = answer && !('ok' in answer) ? answer : undefined;
    this.error = failed?.error;
    this.stale = tree?.stale;
    this.context = tree?.context;
    this.roots = tree?.nodes ?? [];
    this.loaded.fire();
    return this.roots;
  }

  getTreeItem(node: Node): TreeItem {
    const item = new TreeItem(`${node.ref.name}`, node.children.length ? TreeItemCollapsibleState.Expanded : TreeItemCollapsibleState.None);
    const revision = node.revision ? node.revision.replace(/@(sha256:[a-f0-9]{7})[a-f0-9]+$/, '@$1') : '';
    item.description = `${node.ref.kind} · ${node.ref.namespace}${revision ? ` · ${revision}` : ''}${node.suspended ? ' · suspended' : ''}`;
    item.iconPath = node.suspended
      ? new ThemeIcon('debug-pause')
      : node.ready === 'True'
        ? new ThemeIcon('pass', new ThemeColor('testing.iconPassed'))
        : node.ready === 'False'
          ? new ThemeIcon('error', new ThemeColor('testing.iconFailed'))
          : new ThemeIcon('sync');
    const tip = new MarkdownString();
    tip.appendMarkdown(`**${node.ref.kind}** \`${node.ref.namespace}/${node.ref.name}\`\n\n`);
    tip.appendMarkdown(`Ready: ${node.ready}${node.reason ? ` (${node.reason})` : ''}\n\n`);
    if (node.message) tip.appendText(`${node.message}\n\n`);
    if (node.revision) tip.appendMarkdown(`Revision: \`${node.revision}\`\n\n`);
    if (node.digest) tip.appendMarkdown(`Digest: \`${node.digest}\`\n\n`);
    if (node.url) tip.appendMarkdown(`URL: \`${node.url}\``);
    item.tooltip = tip;
    item.contextValue = `flux-${node.suspended ? 'suspended' : 'active'}`;
    item.id = `${node.ref.kind}/${node.ref.namespace}/${node.ref.name}`;
    return item;
  }
}

/** Registers the tree, its actions, the context status bar item and the apply command. */
export function registerClusterView(client: () => LanguageClient | undefined): Disposable[] {
  const provider = new ClusterTreeProvider(client);
  const view = window.createTreeView('flux-oci.clusterTree', { treeDataProvider: provider, showCollapseAll: true });
  const status = window.createStatusBarItem(StatusBarAlignment.Left, 10);
  // Clicking the context switches it (kubeconfig current-context, like kubectl config use-context).
  status.command = 'flux-oci.switchContext';
  let timer: NodeJS.Timeout | undefined;
  const refreshSoon = (): void => {
    // Watches can fire in bursts (500 objects reconciling): one refresh per burst.
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      provider.refresh();
    }, 300);
  };
  const showContext = (): void => {
    status.text = provider.error ? '$(warning) Flux: no cluster' : `$(${provider.stale ? 'warning' : 'cloud'}) ${provider.context ?? 'Flux'}`;
    status.tooltip = provider.error ?? provider.stale ?? `Kubernetes context of the Flux cluster view (click to switch)`;
    status.show();
  };
  provider.onDidLoad(() => {
    showContext();
    // Without a cluster the tree is empty: say why there instead of showing nothing.
    // While the API server cannot be reached the tree shows what it last saw, and says so.
    view.message = provider.error ? `No cluster: ${provider.error}` : provider.stale ? `May be out of date: ${provider.stale}` : undefined;
  });

  const run = async <Arg, A extends { ok: boolean; error?: string; revision?: string | null }>(type: CommandType<Arg, A>, arg: Arg, node: Node, title: string): Promise<A | null | undefined> => {
    const c = client();
    if (!c) return undefined;
    const answer = await window.withProgress({ location: ProgressLocation.Notification, title, cancellable: false }, () => runServerCommand(c, type, arg));
    if (answer?.ok === false) void window.showErrorMessage(`Flux: ${answer.error}`);
    else if (answer?.revision) void window.showInformationMessage(`Flux: ${node.ref.kind} ${node.ref.name} at ${answer.revision}`);
    refreshSoon();
    return answer;
  };

  const started = (): void => {
    const c = client();
    c?.onNotification(clusterChangedNotification.method, refreshSoon);
    provider.refresh();
  };

  return [
    view,
    status,
    commands.registerCommand('flux-oci.cluster.refresh', () => provider.refresh()),
    commands.registerCommand('flux-oci.cluster.reconcileItem', (n: Node) =>
      run(clusterCommands.reconcile, n.ref, n, `Reconciling ${n.ref.kind} ${n.ref.name}`),
    ),
    commands.registerCommand('flux-oci.cluster.suspendItem', (n: Node) => run(clusterCommands.suspend, n.ref, n, `Suspending ${n.ref.name}`)),
    commands.registerCommand('flux-oci.cluster.resumeItem', (n: Node) => run(clusterCommands.resume, n.ref, n, `Resuming ${n.ref.name}`)),
    commands.registerCommand('flux-oci.cluster.openYaml', async (n: Node) => {
      const c = client();
      const answer = c ? await runServerCommand(c, clusterCommands.getYaml, n.ref) : null;
      if (!answer || 'ok' in answer) return void window.showErrorMessage(`Flux: ${answer?.error ?? 'object not found'}`);
      const { stringify } = await import('yaml');
      const doc = await workspace.openTextDocument({ language: 'yaml', content: stringify(answer.object) });
      await window.showTextDocument(doc, { preview: true });
    }),
    commands.registerCommand('flux-oci.cluster.events', async (n: Node) => {
      const c = client();
      const answer = c ? await runServerCommand(c, clusterCommands.events, n.ref) : null;
      const events = answer && 'events' in answer ? answer.events : [];
      await window.showQuickPick(
        events.length ? events.map((e): QuickPickItem => ({ label: `${e.type === 'Warning' ? '$(warning)' : '$(info)'} ${e.reason}`, description: e.time, detail: e.message })) : [{ label: 'No recent events' } as QuickPickItem],
        { title: `Events of ${n.ref.kind} ${n.ref.namespace}/${n.ref.name}`, matchOnDetail: true },
      );
    }),
    commands.registerCommand('flux-oci.cluster.applyFile', async () => {
      const editor = window.activeTextEditor;
      const c = client();
      if (!editor || !c) return;
      const uri = editor.document.uri.toString();
      const text = editor.document.getText();
      const plan = await runServerCommand(c, clusterCommands.apply, { uri, text });
      if (!plan?.ok) return void window.showErrorMessage(`Flux: dry run failed: ${plan?.error ?? 'the language server did not answer'}`);
      const changes = plan.objects.filter((o) => o.action !== 'unchanged');
      if (changes.length === 0) return void window.showInformationMessage('Flux: the cluster already matches this file');
      const diffDoc = await workspace.openTextDocument({ language: 'diff', content: changes.map((o) => o.diff).join('\n') });
      await window.showTextDocument(diffDoc, { preview: true, preserveFocus: true });
      const pick = await window.showWarningMessage(`Apply ${changes.length} Flux object(s) to the cluster (server-side apply, field manager flux-oci)?`, { modal: true }, 'Apply');
      if (pick !== 'Apply') return;
      const done = await runServerCommand(c, clusterCommands.apply, { uri, text, confirm: true });
      if (!done?.ok) void window.showErrorMessage(`Flux: apply failed: ${done?.error ?? 'the language server did not answer'}`);
      else void window.showInformationMessage(`Flux: applied ${changes.length} object(s)`);
      refreshSoon();
    }),
    { dispose: () => timer && clearTimeout(timer) },
    // The server may start after the view: hook the notification once it runs.
    { dispose: onceRunning(client, started) },
  ];
}

function onceRunning(client: () => LanguageClient | undefined, run: () => void): () => void {
  let done = false;
  const tick = setInterval(() => {
    if (!done && client()?.isRunning()) {
      done = true;
      clearInterval(tick);
      run();
    }
  }, 500);
  return () => clearInterval(tick);
}
