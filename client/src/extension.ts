// The VS Code side of flux-oci: starts the language server and forwards settings. Kept thin on
// purpose: every feature lives in the server, so other editors get the same behaviour.
import * as path from 'node:path';
import { commands, window, workspace, type ExtensionContext, type LogOutputChannel } from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { registerRegistryCredentials, sendCredentialsWhenRunning } from './registryCredentials';
import { registerClusterView } from './clusterTree';
import { registerArtifactCommands } from './artifactCommands';
import { registerClusterPalette } from './clusterPalette';
import { registerBucketPreview } from './bucketPreview';
import { registerCiPipeline } from './ciPipeline';
import { compareLinksFeature, registerArtifactDiffs } from './artifactDiff';
import serverNodeFlags from '../../bin/serverNodeFlags.json' with { type: 'json' };
import { compareArtifactsClientCommand } from '../../server/src/protocol/artifactMessages';

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const output = window.createOutputChannel('Flux OCI', { log: true });
  context.subscriptions.push(output);
  client = createClient(context, output);
  // Registry credentials from SecretStorage reach the server in memory only (live resolution).
  context.subscriptions.push(sendCredentialsWhenRunning(client, context.secrets), ...registerRegistryCredentials(context, () => client));
  // The Flux cluster tree, its actions and Apply to Cluster (CLU).
  context.subscriptions.push(...registerClusterView(() => client));
  // Palette commands: OCI artifacts (push, pull, tag, list, diff, verify, sign) and cluster picks.
  context.subscriptions.push(
    ...registerArtifactCommands(() => client, output),
    ...registerClusterPalette(() => client, output),
    ...registerBucketPreview(() => client, output),
    ...registerCiPipeline(() => client, output),
  );
  // Artifact diffs in the diff editor: the flux-oci-artifact: file system and Compare Artifacts (issue 14).
  context.subscriptions.push(...registerArtifactDiffs(() => client, output).disposables);
  context.subscriptions.push(
    commands.registerCommand('flux-oci.restartServer', async () => {
      output.info('Restarting the Flux OCI language server');
      await client?.restart();
    }),
    commands.registerCommand('flux-oci.showOutput', () => output.show(true)),
  );
  try {
    await client.start();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    output.error(`The Flux OCI language server failed to start: ${message}`);
    void window.showErrorMessage('Flux OCI: the language server failed to start. See the "Flux OCI" output for details.');
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

function createClient(context: ExtensionContext, output: LogOutputChannel): LanguageClient {
  // A `module` server runs on the extension host's own Node (no separate runtime to install).
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  // V8's on-disk compile cache (Node 22.1+), in the extension's own storage: the server's 7.5 MB
  // bundle is compiled once, not at every start of a window (initialize 265 -> 195 ms, issue 18).
  const compileCache = path.join(context.globalStorageUri.fsPath, 'compile-cache');
  const serverOptions: ServerOptions = {
    // The server's Node flags, the one list of them (bin/serverLaunch.js says why).
    run: { module, transport: TransportKind.stdio, options: { execArgv: [...serverNodeFlags], env: { NODE_COMPILE_CACHE: compileCache } } },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: [...serverNodeFlags, '--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
    ],
    // The server pulls `flux-oci.*` through workspace/configuration; initial values avoid a round trip.
    initializationOptions: { settings: workspace.getConfiguration('flux-oci') },
    synchronize: { configurationSection: 'flux-oci' },
    outputChannel: output,
    // The OCIRepository hover links to Compare Artifacts; no other command runs from server markdown.
    markdown: { isTrusted: { enabledCommands: [compareArtifactsClientCommand] } },
    // `flux-oci.trace.server` is read by vscode-languageclient from the client id.
  };
  const languageClient = new LanguageClient('flux-oci', 'Flux OCI', serverOptions, clientOptions);
  languageClient.registerFeature(compareLinksFeature);
  return languageClient;
}
