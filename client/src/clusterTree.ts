// The "Flux Cluster" view: Flux sources and their consumers with status, revision and digest, on
// one kubeconfig context or several (`flux-oci.cluster.contexts`, issue 16). Thin on purpose: the
// server lists and watches the clusters, groups the same source across them, compares each with
// the registry (flux-oci.fleetTree) and says when anything changed (flux-oci/clusterChanged); the
// view only renders and asks. With one context it reads as before (sources, consumers under
// them); with several, one row per source whose children are the clusters running it.
import { randomUUID } from 'node:crypto';
import {
  commands,
  ConfigurationTarget,
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
import { WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import {
  clusterChangedNotification,
  clusterCommands,
  FleetViewReader,
  type BatchAction,
  type FleetContextStatus,
  type FleetRow,
  type FluxTreeNode,
  type ObjectArgs,
} from '../../server/src/protocol/clusterMessages';
import type { CommandType } from '../../server/src/protocol/messages';
import { runServerCommand } from './serverCommands';

type Drift = { state: string; text: string };

/** What a row of the view stands for. */
type Node =
  /** A context that cannot be shown right now (several contexts only). */
  | { type: 'context'; status: FleetContextStatus }
  /** One source across clusters (several contexts only). */
  | { type: 'row'; row: FleetRow }
  /** One object in one cluster; `asPlacement`: shown under its row, labelled by its context. */
  | { type: 'object'; context: string; node: FluxTreeNode; drift?: Drift; asPlacement?: boolean; url?: string };

const shortRevision = (r: string | undefined): string => (r ? r.replace(/@(sha256:[a-f0-9]{7})[a-f0-9]+$/, '@$1') : '');

function readyIcon(node: FluxTreeNode): ThemeIcon {
  if (node.suspended) return new ThemeIcon('debug-pause');
  if (node.ready === 'True') return new ThemeIcon('pass', new ThemeColor('testing.iconPassed'));
  if (node.ready === 'False') return new ThemeIcon('error', new ThemeColor('testing.iconFailed'));
  return new ThemeIcon('sync');
}

/** The objects a selection acts on: a row is the source on every cluster it runs on. */
function targets(nodes: readonly Node[]): ObjectArgs[] {
  const out: ObjectArgs[] = [];
  const seen = new Set<string>();
  const add = (context: string, n: FluxTreeNode): void => {
    const key = `${context}/${n.ref.kind}/${n.ref.namespace}/${n.ref.name}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ...n.ref, context });
  };
  for (const n of nodes) {
    if (n.type === 'row') for (const p of n.row.placements) add(p.context, p.node);
    else if (n.type === 'object') add(n.context, n.node);
  }
  return out;
}

class ClusterTreeProvider implements TreeDataProvider<Node> {
  private readonly changed = new EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  // Fired once the server answered: contexts and errors are known only then.
  private readonly loaded = new EventEmitter<void>();
  readonly onDidLoad = this.loaded.event;
  error: string | undefined;
  contexts: FleetContextStatus[] = [];
  /** Reads the paged view; keeps the last one's shape and rows, so a refresh is one round trip bringing only what changed. */
  private readonly reader = new FleetViewReader();

  constructor(private readonly client: () => LanguageClient | undefined) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node?.type === 'row')
      return node.row.placements.map((p) => ({
        type: 'object',
        context: p.context,
        node: p.node,
        ...(p.drift ? { drift: p.drift } : {}),
        ...(node.row.url ? { url: node.row.url } : {}),
        asPlacement: true,
      }));
    if (node?.type === 'object') return node.node.children.map((c) => ({ type: 'object', context: node.context, node: c }));
    if (node) return [];
    const client = this.client();
    if (!client?.isRunning()) return [];
    const answer = await this.reader.read((args) => runServerCommand(client, clusterCommands.fleetTree, args));
    const failed = answer && 'ok' in answer ? answer : undefined;
    const fleet = answer && !('ok' in answer) ? answer : undefined;
    this.error = failed?.error ?? (answer ? undefined : 'the language server did not answer');
    this.contexts = fleet?.contexts ?? [];
    this.loaded.fire();
    if (!fleet) return [];
    if (fleet.contexts.length === 1) {
      const context = fleet.contexts[0]!.context;
      return fleet.rows.flatMap((r) =>
        r.placements.map((p): Node => ({ type: 'object', context, node: p.node, ...(p.drift ? { drift: p.drift } : {}), ...(r.url ? { url: r.url } : {}) })),
      );
    }
    const silent = fleet.contexts.filter((c) => c.state !== 'ready').map((status): Node => ({ type: 'context', status }));
    return [...silent, ...fleet.rows.map((row): Node => ({ type: 'row', row }))];
  }

  getTreeItem(n: Node): TreeItem {
    if (n.type === 'context') return this.contextItem(n.status);
    if (n.type === 'row') return this.rowItem(n.row);
    return this.objectItem(n);
  }

  private contextItem(s: FleetContextStatus): TreeItem {
    const item = new TreeItem(s.context, TreeItemCollapsibleState.None);
    item.description = `${s.state}${s.message ? ` · ${s.message}` : ''}`;
    item.iconPath = s.state === 'connecting' ? new ThemeIcon('loading~spin') : new ThemeIcon('warning', new ThemeColor('problemsWarningIcon.foreground'));
    item.tooltip = `${s.context}${s.server ? ` (${s.server})` : ''}: ${s.state}${s.message ? `\n${s.message}` : ''}`;
    item.contextValue = 'flux-context';
    item.id = `context/${s.context}`;
    return item;
  }

  private rowItem(row: FleetRow): TreeItem {
    const item = new TreeItem(row.ref.name, this.contexts.length > 3 ? TreeItemCollapsibleState.Collapsed : TreeItemCollapsibleState.Expanded);
    item.description = `${row.ref.kind} · ${row.ref.namespace} · ${row.summary}`;
    const nodes = row.placements.map((p) => p.node);
    item.iconPath = nodes.some((x) => x.ready === 'False')
      ? new ThemeIcon('error', new ThemeColor('testing.iconFailed'))
      : row.drifted || !row.agree
        ? new ThemeIcon('diff', new ThemeColor('problemsWarningIcon.foreground'))
        : nodes.every((x) => x.ready === 'True')
          ? new ThemeIcon('pass', new ThemeColor('testing.iconPassed'))
          : new ThemeIcon('sync');
    const tip = new MarkdownString();
    tip.appendMarkdown(`**${row.ref.kind}** \`${row.ref.namespace}/${row.ref.name}\`${row.url ? ` · \`${row.url}\`` : ''}\n\n`);
    for (const p of row.placements)
      tip.appendMarkdown(
        `- \`${p.context}\`: ${p.node.revision ? `\`${shortRevision(p.node.revision)}\`` : 'no artifact'} · Ready ${p.node.ready}${p.node.suspended ? ' · suspended' : ''}${p.drift ? ` · ${p.drift.text}` : ''}\n`,
      );
    if (row.absent.length) tip.appendMarkdown(`\nNot on ${row.absent.map((c) => `\`${c}\``).join(', ')}`);
    item.tooltip = tip;
    item.contextValue = 'flux-row';
    item.id = `row/${row.id}`;
    return item;
  }

  private objectItem(n: Extract<Node, { type: 'object' }>): TreeItem {
    const node = n.node;
    const label = n.asPlacement ? n.context : node.ref.name;
    const item = new TreeItem(label, node.children.length ? TreeItemCollapsibleState.Expanded : TreeItemCollapsibleState.None);
    const revision = shortRevision(node.revision);
    const drift = n.drift && n.drift.state !== 'in-sync' ? ` · ${n.drift.text}` : '';
    item.description = n.asPlacement
      ? `${revision || 'no artifact'}${node.suspended ? ' · suspended' : ''}${drift}`
      : `${node.ref.kind} · ${node.ref.namespace}${revision ? ` · ${revision}` : ''}${node.suspended ? ' · suspended' : ''}${drift}`;
    item.iconPath = readyIcon(node);
    const tip = new MarkdownString();
    tip.appendMarkdown(`**${node.ref.kind}** \`${node.ref.namespace}/${node.ref.name}\` on \`${n.context}\`\n\n`);
    tip.appendMarkdown(`Ready: ${node.ready}${node.reason ? ` (${node.reason})` : ''}\n\n`);
    if (node.message) tip.appendText(`${node.message}\n\n`);
    if (node.revision) tip.appendMarkdown(`Revision: \`${node.revision}\`\n\n`);
    if (node.digest) tip.appendMarkdown(`Digest: \`${node.digest}\`\n\n`);
    if (n.drift) tip.appendMarkdown(`Registry: ${n.drift.text}\n\n`);
    const url = n.url ?? node.url;
    if (url) tip.appendMarkdown(`URL: \`${url}\``);
    item.tooltip = tip;
    item.contextValue = `flux-${node.suspended ? 'suspended' : 'active'}`;
    // The single-context view keeps its ids (kind/namespace/name); placements are per context.
    item.id =
      this.contexts.length > 1
        ? `${n.context}/${node.ref.kind}/${node.ref.namespace}/${node.ref.name}`
        : `${node.ref.kind}/${node.ref.namespace}/${node.ref.name}`;
    return item;
  }
}

/** Registers the tree, its actions, the context status bar item and the apply command. */
export function registerClusterView(client: () => LanguageClient | undefined): Disposable[] {
  const provider = new ClusterTreeProvider(client);
  const view = window.createTreeView('flux-oci.clusterTree', { treeDataProvider: provider, showCollapseAll: true, canSelectMany: true });
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
    const all = provider.contexts;
    const current = all.find((c) => c.current) ?? all[0];
    const troubled = all.filter((c) => c.state !== 'ready');
    status.text = provider.error
      ? '$(warning) Flux: no cluster'
      : `$(${troubled.length ? 'warning' : 'cloud'}) ${current?.context ?? 'Flux'}${all.length > 1 ? ` +${all.length - 1}` : ''}`;
    status.tooltip =
      provider.error ??
      (all.length > 1
        ? `Flux Cluster view: ${all.map((c) => `${c.context} (${c.state})`).join(', ')}; click to switch the current context`
        : (troubled[0]?.message ?? `Kubernetes context of the Flux cluster view (click to switch)`));
    status.show();
  };
  provider.onDidLoad(() => {
    showContext();
    // Without a cluster the view is empty: say why there instead of showing nothing. While an API
    // server cannot be reached the view shows what it last saw, and says so.
    const one = provider.contexts.length === 1 ? provider.contexts[0] : undefined;
    view.message = provider.error
      ? `No cluster: ${provider.error}`
      : one?.state === 'stale'
        ? `May be out of date: ${one.message ?? ''}`
        : one && one.state !== 'ready'
          ? `${one.context}: ${one.state}${one.message ? ` (${one.message})` : ''}`
          : undefined;
  });

  const single = async <Arg, A extends { ok: boolean; error?: string; revision?: string | null }>(
    type: CommandType<Arg, A>,
    arg: Arg,
    what: ObjectArgs,
    title: string,
  ): Promise<void> => {
    const c = client();
    if (!c) return;
    const answer = await window.withProgress({ location: ProgressLocation.Notification, title, cancellable: false }, () => runServerCommand(c, type, arg));
    if (answer?.ok === false) void window.showErrorMessage(`Flux: ${answer.error}`);
    else if (answer?.revision) void window.showInformationMessage(`Flux: ${what.kind} ${what.name} at ${answer.revision}`);
    refreshSoon();
  };

  /** Many objects: a cancellable notification fed by the server's progress, then what failed. */
  const many = async (action: BatchAction, objects: ObjectArgs[]): Promise<void> => {
    const c = client();
    if (!c) return;
    const progressToken = randomUUID();
    const verb = action[0]!.toUpperCase() + action.slice(1);
    const answer = await window.withProgress(
      { location: ProgressLocation.Notification, title: `Flux: ${verb} ${objects.length} objects`, cancellable: true },
      async (progress, token) => {
        let last = 0;
        const sub = c.onProgress(WorkDoneProgress.type, progressToken, (v) => {
          if (v.kind === 'end') return;
          const pct = v.percentage ?? last;
          progress.report({ ...(v.message ? { message: v.message } : {}), increment: Math.max(0, pct - last) });
          last = pct;
        });
        try {
          return await runServerCommand(c, clusterCommands.batch, { action, objects, progressToken }, token);
        } catch (e) {
          if (token.isCancellationRequested) return undefined;
          throw e;
        } finally {
          sub.dispose();
        }
      },
    );
    refreshSoon();
    if (!answer) return void window.showWarningMessage(`Flux: ${action} cancelled`);
    if (!answer.ok) return void window.showErrorMessage(`Flux: ${answer.error}`);
    const summary = `Flux: ${action} ${answer.succeeded} of ${answer.results.length} done${answer.failed ? `, ${answer.failed} failed` : ''}${answer.cancelled ? ' (cancelled)' : ''}`;
    if (!answer.failed) return void window.showInformationMessage(summary);
    const pick = await window.showWarningMessage(summary, 'Show Failures');
    if (pick !== 'Show Failures') return;
    const lines = answer.results
      .filter((r) => !r.ok)
      .map(
        (r) =>
          `- **${r.object.context}** ${r.object.kind} \`${r.object.namespace}/${r.object.name}\`: ${r.error ?? 'failed'}${r.reason ? ` (${r.reason})` : ''}`,
      );
    const doc = await workspace.openTextDocument({ language: 'markdown', content: `# ${action}: ${answer.failed} failed\n\n${lines.join('\n')}\n` });
    await window.showTextDocument(doc, { preview: true });
  };

  /** A row's inline action or a context-menu entry on one item or on a selection. */
  const act =
    (action: BatchAction) =>
    async (n: Node, selected?: Node[]): Promise<void> => {
      const objects = targets(selected && selected.length > 1 ? selected : [n]);
      if (objects.length === 0) return;
      if (objects.length > 1) return many(action, objects);
      const o = objects[0]!;
      if (action === 'reconcile') return single(clusterCommands.reconcile, o, o, `Reconciling ${o.kind} ${o.name}`);
      return single(
        action === 'suspend' ? clusterCommands.suspend : clusterCommands.resume,
        o,
        o,
        `${action === 'suspend' ? 'Suspending' : 'Resuming'} ${o.name}`,
      );
    };

  const objectOf = (n: Node): ObjectArgs | undefined => targets([n])[0];

  const started = (): void => {
    const c = client();
    c?.onNotification(clusterChangedNotification.method, refreshSoon);
    provider.refresh();
  };

  return [
    view,
    status,
    commands.registerCommand('flux-oci.cluster.refresh', () => provider.refresh()),
    commands.registerCommand('flux-oci.cluster.reconcileItem', act('reconcile')),
    commands.registerCommand('flux-oci.cluster.suspendItem', act('suspend')),
    commands.registerCommand('flux-oci.cluster.resumeItem', act('resume')),
    commands.registerCommand('flux-oci.cluster.openYaml', async (n: Node) => {
      const c = client();
      const o = objectOf(n);
      const answer = c && o ? await runServerCommand(c, clusterCommands.getYaml, o) : null;
      if (!answer || 'ok' in answer) return void window.showErrorMessage(`Flux: ${answer?.error ?? 'object not found'}`);
      const { stringify } = await import('yaml');
      const doc = await workspace.openTextDocument({ language: 'yaml', content: stringify(answer.object) });
      await window.showTextDocument(doc, { preview: true });
    }),
    commands.registerCommand('flux-oci.cluster.events', async (n: Node) => {
      const c = client();
      const o = objectOf(n);
      const answer = c && o ? await runServerCommand(c, clusterCommands.events, o) : null;
      const events = answer && 'events' in answer ? answer.events : [];
      await window.showQuickPick(
        events.length
          ? events.map((e): QuickPickItem => ({
              label: `${e.type === 'Warning' ? '$(warning)' : '$(info)'} ${e.reason}`,
              description: e.time,
              detail: e.message,
            }))
          : [{ label: 'No recent events' } as QuickPickItem],
        { title: `Events of ${o?.kind} ${o?.namespace}/${o?.name}${o?.context ? ` on ${o.context}` : ''}`, matchOnDetail: true },
      );
    }),
    commands.registerCommand('flux-oci.cluster.chooseContexts', async () => {
      // The server reads the kubeconfig; the choice is the flux-oci.cluster.contexts setting.
      const c = client();
      const list = c ? await runServerCommand(c, clusterCommands.contexts, undefined) : null;
      if (!list) return;
      if (!list.ok) return void window.showErrorMessage(`Flux: ${list.error}`);
      const setting = workspace.getConfiguration('flux-oci').get<string[]>('cluster.contexts') ?? [];
      const shown = new Set(setting.includes('*') ? list.contexts.map((x) => x.name) : setting.length ? setting : [list.current]);
      const picks = await window.showQuickPick(
        list.contexts.map((x) => ({
          label: x.name,
          description: `${x.cluster ?? ''}${x.namespace ? ` · ${x.namespace}` : ''}${x.name === list.current ? ' (current)' : ''}`,
          picked: shown.has(x.name),
        })),
        { title: 'Flux Cluster view: contexts to show', canPickMany: true, placeHolder: list.file },
      );
      if (!picks) return;
      const names = picks.map((p) => p.label);
      const value = names.length === 1 && names[0] === list.current ? [] : names;
      await workspace.getConfiguration('flux-oci').update('cluster.contexts', value, ConfigurationTarget.Global);
    }),
    workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('flux-oci.cluster.contexts')) refreshSoon();
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
      const pick = await window.showWarningMessage(
        `Apply ${changes.length} Flux object(s) to the cluster (server-side apply, field manager flux-oci)?`,
        { modal: true },
        'Apply',
      );
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
