// Palette entries for the cluster actions (reconcile, suspend, resume) that pick the Flux
// object from a list, plus Switch Context. The tree view's inline actions (clusterTree.ts)
// call the same server commands; these make them reachable from the keyboard.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commands, ProgressLocation, window, type Disposable, type LogOutputChannel, type QuickPickItem } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { clusterCommands, type FluxTreeNode } from '../../server/src/protocol/clusterMessages';
import { runServerCommand, runningClient } from './serverCommands';

type Node = FluxTreeNode;
type Action = 'reconcile' | 'suspend' | 'resume';

function flatten(nodes: Node[]): Node[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

/** The kubeconfig the server reads: the first file of KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPath(): string {
  const first = (process.env['KUBECONFIG'] ?? '').split(path.delimiter).find(Boolean);
  return first ?? path.join(os.homedir(), '.kube', 'config');
}

export function registerClusterPalette(client: () => LanguageClient | undefined, output: LogOutputChannel): Disposable[] {
  const act = (action: Action) => async (): Promise<void> => {
    try {
      const tree = await runServerCommand(runningClient(client()), clusterCommands.tree, undefined);
      if (!tree) return;
      if ('ok' in tree) return void window.showErrorMessage(`Flux OCI: ${tree.error}`, 'Switch Context').then((p) => p && commands.executeCommand('flux-oci.switchContext'));
      const nodes = flatten(tree.nodes).filter((n) => (action === 'resume' ? n.suspended : action === 'suspend' ? !n.suspended : true));
      if (nodes.length === 0) return void window.showInformationMessage(`Flux OCI: nothing to ${action} in ${tree.context}`);
      const pick = await window.showQuickPick(
        nodes.map((n): QuickPickItem & { node: Node } => ({ label: n.ref.name, description: `${n.ref.kind} · ${n.ref.namespace}`, detail: `${n.suspended ? 'suspended' : `Ready ${n.ready}`}${n.revision ? ` · ${n.revision}` : ''}`, node: n })),
        { title: `Flux OCI: ${action} (${tree.context})`, matchOnDescription: true },
      );
      if (!pick) return;
      const ref = pick.node.ref;
      const run = () => {
        const c = runningClient(client());
        if (action === 'reconcile') return runServerCommand(c, clusterCommands.reconcile, { ...ref, withSource: ref.kind === 'Kustomization' || ref.kind === 'HelmRelease' });
        return runServerCommand(c, action === 'suspend' ? clusterCommands.suspend : clusterCommands.resume, ref);
      };
      const answer = await window.withProgress({ location: ProgressLocation.Notification, title: `Flux OCI: ${action} ${ref.kind} ${ref.namespace}/${ref.name}` }, run);
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

  return [
    commands.registerCommand('flux-oci.reconcileObject', act('reconcile')),
    commands.registerCommand('flux-oci.suspendObject', act('suspend')),
    commands.registerCommand('flux-oci.resumeObject', act('resume')),
    commands.registerCommand('flux-oci.switchContext', async () => {
      // Same effect as `kubectl config use-context`: the kubeconfig's current-context, which
      // flux, kubectl and our server all read. The yaml Document API keeps comments and layout.
      const file = kubeconfigPath();
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        return void window.showErrorMessage(`Flux OCI: no kubeconfig at ${file}; set KUBECONFIG or create ~/.kube/config`);
      }
      const { parseDocument } = await import('yaml');
      const doc = parseDocument(text);
      const contexts = ((doc.toJS() as { contexts?: Array<{ name: string; context?: { cluster?: string; namespace?: string } }> }).contexts ?? []).filter((c) => c?.name);
      const current = doc.get('current-context');
      const pick = await window.showQuickPick(
        contexts.map((c) => ({ label: c.name, description: `${c.context?.cluster ?? ''}${c.context?.namespace ? ` · ${c.context.namespace}` : ''}${c.name === current ? ' (current)' : ''}` })),
        { title: 'Flux OCI: switch Kubernetes context', placeHolder: file },
      );
      if (!pick || pick.label === current) return;
      doc.set('current-context', pick.label);
      fs.writeFileSync(file, doc.toString());
      output.info(`kubeconfig ${file}: current-context is now ${pick.label}; restarting the language server`);
      // The server keeps its cluster connection: a restart reads the new context.
      await client()?.restart();
      void commands.executeCommand('flux-oci.cluster.refresh');
    }),
  ];
}
