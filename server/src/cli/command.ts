/**
 * The shape every CLI command has. Commands are looked up by their words
 * ("check", "push artifact") so the flux CLI's grammar carries over.
 */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM so long work stops cleanly. */
  signal: AbortSignal;
}

export interface CliCommand {
  /** The words that select the command, e.g. ['push', 'artifact']. */
  words: string[];
  /** One line for the command list. */
  summary: string;
  /** Full help text, printed by `flux-oci <words> --help`. */
  help: string;
  /** Returns the process exit code. */
  run(args: string[], io: CliIO): Promise<number>;
}

/** An error whose message is meant for the user as it is (no stack trace). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
