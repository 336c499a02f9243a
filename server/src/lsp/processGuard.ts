import type { Connection } from 'vscode-languageserver/node';

/** The prefix of the line the guard logs; the operation fuzz asserts it never appears. */
export const unhandledLogPrefix = 'flux-oci: unhandled';

/**
 * A safety net, not a design: Node ends the process on an unhandled rejection,
 * and a language server that dies takes every feature with it (after five
 * crashes VS Code stops restarting it). The guard logs the slip with its stack
 * and keeps serving, so a future bug costs one answer. Code must still settle
 * every promise it starts; the tests fail on any line this guard writes.
 */
export function installProcessGuard(connection: Connection): void {
  const report = (what: string, e: unknown): void => {
    const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
    try {
      connection.console.error(`${unhandledLogPrefix} ${what} (the server keeps serving; please report this): ${text}`);
    } catch {
      process.stderr.write(`${unhandledLogPrefix} ${what}: ${text}\n`);
    }
  };
  process.on('unhandledRejection', (reason) => report('rejection', reason));
  process.on('uncaughtException', (error: NodeJS.ErrnoException) => {
    // The editor went away: nothing left to serve.
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(1);
    report('exception', error);
  });
}
