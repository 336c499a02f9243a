import type { CancellationToken, Connection, ExecuteCommandParams } from 'vscode-languageserver/node';
import type { CommandType } from '../protocol/messages';

/**
 * A command's handler. `arg` is what the client sent as the first argument: typed as the
 * protocol declares it, but untrusted (another editor may send anything), so handlers check
 * the fields they need.
 */
export type CommandHandler<Arg, Answer> = (arg: Partial<Arg> | undefined, token: CancellationToken, params: ExecuteCommandParams) => Answer | Promise<Answer>;

/**
 * The one `workspace/executeCommand` handler of the server. vscode-languageserver keeps a
 * single handler per connection, so features register their commands here instead of
 * calling `connection.onExecuteCommand` themselves; the capability lists every command.
 */
export class CommandRegistry {
  private readonly handlers = new Map<string, CommandHandler<unknown, unknown>>();

  register<Arg, Answer>(type: CommandType<Arg, Answer>, handler: CommandHandler<Arg, Answer>): void {
    if (this.handlers.has(type.command)) throw new Error(`command ${type.command} registered twice`);
    this.handlers.set(type.command, handler as CommandHandler<unknown, unknown>);
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
      const arg: unknown = params.arguments?.[0];
      return handler(arg !== null && typeof arg === 'object' ? arg : undefined, token, params);
    });
  }
}
