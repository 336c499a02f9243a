// Palette entries for the cluster actions (reconcile, suspend, resume) that pick the Flux
// object from a list, plus Switch Context. The tree view's inline actions (clusterTree.ts)
// call the same server commands; these make them reachable from the keyboard.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commands, ProgressLocation, window, type Disposable, type LogOutputChannel, type QuickPickItem } from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';

interface Ref {
  kind: string;
  name: string;
  namespace: string;
}
interface Node {
  ref: Ref;
  ready: string;
  suspended: boolean;
  revision?: string;
  children: Node[];
}

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
  const send = async (command: string, arg: unknown): Promise<Record<string, unknown> | null> => {
    const c = client();
    if (!c?.isRunning()) throw new Error('the Flux OCI language server is not running');
    return (await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: [arg] })) as Record<string, unknown> | null;
  };

  const act = (action: Action) => async (): Promise<void> => {
    try {
      const tree = await send('flux-oci.clusterTree', {});
      if (tree?.['ok'] === false) return void window.showErrorMessage(`Flux OCI: ${String(tree['error'])}`, 'Switch Context').then((p) => p && commands.executeCommand('flux-oci.switchContext'));
      const nodes = flatten((tree?.['nodes'] as Node[]) ?? []).filter((n) => (action === 'resume' ? n.suspended : action === 'suspend' ? !n.suspended : true));
      if (nodes.length === 0) return void window.showInformationMessage(`Flux OCI: nothing to ${action} in ${String(tree?.['context'] ?? 'the cluster')}`);
      const pick = await window.showQuickPick(
        nodes.map((n): QuickPickItem & { node: Node } => ({ label: n.ref.name, description: `${n.ref.kind} · ${n.ref.namespace}`, detail: `${n.suspended ? 'suspended' : `Ready ${n.ready}`}${n.revision ? ` · ${n.revision}` : ''}`, node: n })),
        { title: `Flux OCI: ${action} (${String(tree?.['context'] ?? '')})`, matchOnDescription: true },
      );
      if (!pick) return;
      const ref = pick.node.ref;
      const extra = action === 'reconcile' ? { withSource: ref.kind === 'Kustomization' || ref.kind === 'HelmRelease' } : {};
      const answer = await window.withProgress({ location: ProgressLocation.Notification, title: `Flux OCI: ${action} ${ref.kind} ${ref.namespace}/${ref.name}` }, () => send(`flux-oci.${action}`, { ...ref, ...extra }));
      if (answer?.['ok'] === false) {
        output.error(`${action} ${ref.kind} ${ref.name}: ${String(answer['error'])}`);
        void window.showErrorMessage(`Flux OCI: ${action} failed: ${String(answer['error'])}`, 'Open Output').then((p) => p && output.show(true));
      } else {
        output.info(`${action} ${ref.kind} ${ref.namespace}/${ref.name}${answer?.['revision'] ? ` → ${String(answer['revision'])}` : ''}`);
        void window.showInformationMessage(`Flux OCI: ${action} ${ref.kind} ${ref.name}${answer?.['revision'] ? ` at ${String(answer['revision'])}` : ': done'}`);
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
