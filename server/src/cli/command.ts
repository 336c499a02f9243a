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

/**
 * Why `CliIO.signal` aborted when the user stopped the CLI: Ctrl-C sends SIGINT,
 * `kill` and service managers SIGTERM. Named AbortError so code that tells an
 * abort from a failure by name still does.
 */
export class Interrupted extends Error {
  readonly signalName: 'SIGINT' | 'SIGTERM';

  constructor(signalName: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signalName}`);
    this.name = 'AbortError';
    this.signalName = signalName;
  }

  /** 128 + the signal number, what shells report for a process a signal stopped. */
  get exitCode(): number {
    return this.signalName === 'SIGINT' ? 130 : 143;
  }
}
