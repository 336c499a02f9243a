// Palette entries for the cluster actions (reconcile, suspend, resume) that pick the Flux
// object from a list, plus Switch Context. The tree view's inline actions (clusterTree.ts)
// call the same server commands; these make them reachable from the keyboard. The server reads
// and writes the kubeconfig and decides what a reconcile includes; this file only asks.
import { commands, ProgressLocation, window, type Disposable, type LogOutputChannel, type QuickPickItem } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { clusterCommands, type FluxTreeNode } from '../../server/src/protocol/clusterMessages';
import { runServerCommand, runningClient } from './serverCommands';

type Node = FluxTreeNode;
type Action = 'reconcile' | 'suspend' | 'resume';

function flatten(nodes: Node[]): Node[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

export function registerClusterPalette(client: () => LanguageClient | undefined, output: LogOutputChannel): Disposable[] {
  const act = (action: Action) => async (): Promise<void> => {
    try {
      const tree = await runServerCommand(runningClient(client()), clusterCommands.tree, undefined);
      if (!tree) return;
      if ('ok' in tree)
        return void window.showErrorMessage(`Flux OCI: ${tree.error}`, 'Switch Context').then((p) => p && commands.executeCommand('flux-oci.switchContext'));
      const nodes = flatten(tree.nodes).filter((n) => (action === 'resume' ? n.suspended : action === 'suspend' ? !n.suspended : true));
      if (nodes.length === 0) return void window.showInformationMessage(`Flux OCI: nothing to ${action} in ${tree.context}`);
      const pick = await window.showQuickPick(
        nodes.map((n): QuickPickItem & { node: Node } => ({
          label: n.ref.name,
          description: `${n.ref.kind} · ${n.ref.namespace}`,
          detail: `${n.suspended ? 'suspended' : `Ready ${n.ready}`}${n.revision ? ` · ${n.revision}` : ''}`,
          node: n,
        })),
        { title: `Flux OCI: ${action} (${tree.context})`, matchOnDescription: true },
      );
      if (!pick) return;
      const ref = pick.node.ref;
      const run = () => {
        const c = runningClient(client());
        if (action === 'reconcile') return runServerCommand(c, clusterCommands.reconcile, ref);
        return runServerCommand(c, action === 'suspend' ? clusterCommands.suspend : clusterCommands.resume, ref);
      };
      const answer = await window.withProgress(
        { location: ProgressLocation.Notification, title: `Flux OCI: ${action} ${ref.kind} ${ref.namespace}/${ref.name}` },
        run,
      );
      if (answer?.ok === false) {
        output.error(`${action} ${ref.kind} ${ref.name}: ${answer.error}`);
        void window.showErrorMessage(`Flux OCI: ${action} failed: ${answer.error}`, 'Open Output').then((p) => p && output.show(true));
      } else {
        const revision = answer && 'revision' in answer ? answer.revision : undefined;
        output.info(`${action} ${ref.kind} ${ref.namespace}/${ref.name}${revision ? ` → ${revision}` : ''}`);
        void window.showInformationMessage(`Flux OCI: ${action} ${ref.kind} ${ref.name}${revision ? ` at ${revision}` : ': done'}`);
      }
      void commands.executeCommand('flux-oci.cluster.refresh');
    } catch (e) {
      void window.showErrorMessage(`Flux OCI: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const showDeployments = async (): Promise<void> => {
    // "Where is this deployed?": the server reads what is under the cursor (an OCIRepository's
    // url or ref, or a digest) and looks in the clusters of the Flux Cluster view.
    const editor = window.activeTextEditor;
    if (!editor) return void window.showInformationMessage('Flux OCI: put the cursor on an OCIRepository or a sha256 digest first');
    try {
      const answer = await window.withProgress({ location: ProgressLocation.Window, title: 'Flux OCI: looking in the clusters' }, () =>
        runServerCommand(runningClient(client()), clusterCommands.whereDeployed, { uri: editor.document.uri.toString(), position: editor.selection.active }),
      );
      if (!answer) return;
      if (!answer.ok) return void window.showErrorMessage(`Flux OCI: ${answer.error}`);
      const what = answer.query.digest ?? answer.query.url ?? '';
      const silent = answer.contexts.filter((c) => c.state !== 'ready' && c.state !== 'stale');
      const items: QuickPickItem[] = [
        ...answer.deployments.map((d) => ({
          label: `$(cloud) ${d.context}`,
          description: `${d.ref.kind} ${d.ref.namespace}/${d.ref.name}`,
          detail: `${d.revision ?? 'no artifact'} · ${d.suspended ? 'suspended' : `Ready ${d.ready}`}${d.consumers.length ? ` · ${d.consumers.map((c) => `${c.ref.kind} ${c.ref.name}${c.revision ? ` at ${c.revision}` : ''}`).join(', ')}` : ''}`,
        })),
        ...silent.map((c) => ({ label: `$(warning) ${c.context}`, description: c.state, detail: c.message ?? '' })),
      ];
      if (answer.deployments.length === 0)
        items.unshift({
          label: `Not deployed on ${
            answer.contexts
              .filter((c) => !silent.includes(c))
              .map((c) => c.context)
              .join(', ') || 'any cluster that answered'
          }`,
        });
      await window.showQuickPick(items, { title: `Where is ${what} deployed?`, matchOnDescription: true, matchOnDetail: true });
    } catch (e) {
      void window.showErrorMessage(`Flux OCI: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return [
    commands.registerCommand('flux-oci.showDeployments', showDeployments),
    commands.registerCommand('flux-oci.reconcileObject', act('reconcile')),
    commands.registerCommand('flux-oci.suspendObject', act('suspend')),
    commands.registerCommand('flux-oci.resumeObject', act('resume')),
    commands.registerCommand('flux-oci.switchContext', async () => {
      // Same effect as `kubectl config use-context`: the server rewrites the kubeconfig's
      // current-context (comments and layout kept) and follows the new context without a restart.
      try {
        const list = await runServerCommand(runningClient(client()), clusterCommands.contexts, undefined);
        if (!list) return;
        if (!list.ok) return void window.showErrorMessage(`Flux OCI: ${list.error}`);
        const pick = await window.showQuickPick(
          list.contexts.map((c) => ({
            label: c.name,
            description: `${c.cluster ?? ''}${c.namespace ? ` · ${c.namespace}` : ''}${c.name === list.current ? ' (current)' : ''}`,
          })),
          { title: 'Flux OCI: switch Kubernetes context', placeHolder: list.file },
        );
        if (!pick || pick.label === list.current) return;
        const done = await runServerCommand(runningClient(client()), clusterCommands.useContext, { context: pick.label });
        if (!done) return;
        if (!done.ok) return void window.showErrorMessage(`Flux OCI: ${done.error}`);
        output.info(`kubeconfig ${done.file}: current-context is now ${done.current}`);
        void commands.executeCommand('flux-oci.cluster.refresh');
      } catch (e) {
        void window.showErrorMessage(`Flux OCI: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
  ];
}
