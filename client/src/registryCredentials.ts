// Registry credentials kept in VS Code's SecretStorage (the OS keychain), handed to the language
// server in memory at start, on every restart and whenever they change. They are never written to
// a settings file or logged; the server keeps them in memory only.
import { commands, window, type Disposable, type ExtensionContext, type SecretStorage } from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { registryCredentialsNotification, type RegistryCredential, type RegistryCredentialsParams } from '../../server/src/protocol/resolutionMessages';

const secretKey = 'flux-oci.registryCredentials';

type StoredRegistryCredential = RegistryCredential;

async function readStored(secrets: SecretStorage): Promise<StoredRegistryCredential[]> {
  const raw = await secrets.get(secretKey);
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? (parsed as StoredRegistryCredential[]).filter((c) => typeof c?.registry === 'string') : [];
  } catch {
    return [];
  }
}

async function send(client: LanguageClient | undefined, secrets: SecretStorage): Promise<void> {
  if (!client || client.state !== State.Running) return;
  const params: RegistryCredentialsParams = { credentials: await readStored(secrets) };
  await client.sendNotification(registryCredentialsNotification.method, params);
}

/** Registers the login/logout commands and keeps the server's copy of the credentials current. */
export function registerRegistryCredentials(context: ExtensionContext, currentClient: () => LanguageClient | undefined): Disposable[] {
  const secrets = context.secrets;
  const push = (): void => void send(currentClient(), secrets).catch(() => undefined);
  const disposables: Disposable[] = [
    secrets.onDidChange((e) => {
      if (e.key === secretKey) push();
    }),
    commands.registerCommand('flux-oci.registryLogin', async () => {
      const registry = (
        await window.showInputBox({ title: 'Flux OCI: registry login (1/3)', prompt: 'Registry host, e.g. ghcr.io or 127.0.0.1:5000', ignoreFocusOut: true })
      )?.trim();
      if (!registry) return;
      const username = await window.showInputBox({
        title: 'Flux OCI: registry login (2/3)',
        prompt: 'User name (leave empty to use a bearer token)',
        ignoreFocusOut: true,
      });
      if (username === undefined) return;
      const secret = await window.showInputBox({
        title: 'Flux OCI: registry login (3/3)',
        prompt: username ? 'Password or access token' : 'Bearer token',
        password: true,
        ignoreFocusOut: true,
      });
      if (!secret) return;
      const entry: StoredRegistryCredential = username ? { registry, username, password: secret } : { registry, token: secret };
      const others = (await readStored(secrets)).filter((c) => c.registry !== registry);
      await secrets.store(secretKey, JSON.stringify([...others, entry]));
      void window.showInformationMessage(`Flux OCI: credentials for ${registry} saved in the editor's secret storage.`);
    }),
    commands.registerCommand('flux-oci.registryLogout', async () => {
      const stored = await readStored(secrets);
      if (stored.length === 0) {
        void window.showInformationMessage('Flux OCI: no registry credentials are stored.');
        return;
      }
      const pick = await window.showQuickPick(
        stored.map((c) => c.registry),
        { title: 'Flux OCI: forget the credentials of a registry' },
      );
      if (!pick) return;
      await secrets.store(secretKey, JSON.stringify(stored.filter((c) => c.registry !== pick)));
    }),
  ];
  return disposables;
}

/** Sends the stored credentials every time the server (re)starts. */
export function sendCredentialsWhenRunning(client: LanguageClient, secrets: SecretStorage): Disposable {
  return client.onDidChangeState((e) => {
    if (e.newState === State.Running) void send(client, secrets).catch(() => undefined);
  });
}
