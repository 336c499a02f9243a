import type { CancellationToken, Connection, ExecuteCommandParams } from 'vscode-languageserver/node';

export type CommandHandler = (args: unknown[], token: CancellationToken, params: ExecuteCommandParams) => unknown;

/**
 * The one `workspace/executeCommand` handler of the server. vscode-languageserver keeps a
 * single handler per connection, so features register their commands here instead of
 * calling `connection.onExecuteCommand` themselves; the capability lists every command.
 */
export class CommandRegistry {
  private readonly handlers = new Map<string, CommandHandler>();

  register(command: string, handler: CommandHandler): void {
    if (this.handlers.has(command)) throw new Error(`command ${command} registered twice`);
    this.handlers.set(command, handler);
  }

  /** Every registered command, for `executeCommandProvider.commands`. */
  get commands(): string[] {
    return [...this.handlers.keys()];
  }

  listen(connection: Connection, log: (message: string) => void): void {
    connection.onExecuteCommand(async (params, token) => {
      const handler = this.handlers.get(params.command);
      if (!handler) {
        log(`executeCommand: unknown command ${params.command}`);
        return null;
      }
      return handler(params.arguments ?? [], token, params);
    });
  }
}
