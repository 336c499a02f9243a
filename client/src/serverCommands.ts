// Asking the language server: every command, request and notification is declared once in the
// protocol module the server also imports (server/src/protocol), so their ids and the shapes
// of their arguments and answers cannot drift apart.
import { ExecuteCommandRequest, type CancellationToken, type LanguageClient } from 'vscode-languageclient/node';
import type { CommandType } from '../../server/src/protocol/messages';

/** The running client, or an error that says how to get one. */
export function runningClient(client: LanguageClient | undefined): LanguageClient {
  if (!client?.isRunning()) throw new Error('the Flux OCI language server is not running; run "Flux OCI: Restart Language Server"');
  return client;
}

/** Runs a server command; `null` when the server answered nothing (e.g. it does not know the command). */
export async function runServerCommand<Arg, Answer>(
  client: LanguageClient,
  type: CommandType<Arg, Answer>,
  arg: Arg,
  token?: CancellationToken,
): Promise<Answer | null> {
  const params = { command: type.command, arguments: arg === undefined ? [] : [arg] };
  // The protocol module is where this answer's type is declared for both sides.
  return (await (token
    ? client.sendRequest(ExecuteCommandRequest.type, params, token)
    : client.sendRequest(ExecuteCommandRequest.type, params))) as Answer | null;
}
