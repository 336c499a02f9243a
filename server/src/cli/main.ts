import { loadCommands } from './commands/index';
import { Interrupted, UsageError, type CliCommand, type CliIO } from './command';
import { version } from '../version';
import { setFlagsFromString } from 'node:v8';
import { flushCompileCache } from 'node:module';

/** The command list; loads every command module, which only help and mistakes need. */
async function usage(): Promise<string> {
  const commands = await loadCommands();
  const lines = [
    'flux-oci: Flux "Gitless GitOps" tooling: lint Flux YAML and work with Flux OCI artifacts.',
    '',
    'Usage: flux-oci <command> [flags]',
    '',
    'Commands:',
  ];
  const width = Math.max(...commands.map((c) => c.words.join(' ').length), 8);
  for (const c of commands) lines.push(`  ${c.words.join(' ').padEnd(width)}  ${c.summary}`);
  lines.push(
    '',
    'Run "flux-oci <command> --help" for a command\'s flags.',
    'Run "flux-oci language-server --stdio" (or flux-oci-language-server --stdio) for the language server.',
  );
  return lines.join('\n') + '\n';
}

/** The command `argv` names; only the module of that command is loaded. */
async function findCommand(argv: string[]): Promise<{ command: CliCommand; rest: string[] } | undefined> {
  let best: { command: CliCommand; rest: string[] } | undefined;
  for (const c of await loadCommands(argv)) {
    if (c.words.every((w, i) => argv[i] === w) && (!best || c.words.length > best.command.words.length)) {
      best = { command: c, rest: argv.slice(c.words.length) };
    }
  }
  return best;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(await usage());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    io.stdout.write(`flux-oci ${version}\n`);
    return 0;
  }
  const found = await findCommand(argv);
  if (!found) {
    io.stderr.write(`flux-oci: unknown command "${argv.join(' ')}"\n\n${await usage()}`);
    return 2;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.stdout.write(found.command.help.endsWith('\n') ? found.command.help : found.command.help + '\n');
    return 0;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`flux-oci ${found.command.words.join(' ')}: ${err.message}\n`);
      return 2;
    }
    if (io.signal.aborted) {
      // The operations have removed their temp files by the time their promise settles.
      const reason = io.signal.reason instanceof Interrupted ? io.signal.reason : new Interrupted('SIGINT');
      const how = reason.signalName === 'SIGINT' ? 'Ctrl-C' : reason.signalName;
      io.stderr.write(`✗ cancelled (${how}): ${found.command.words.join(' ')} stopped and cleaned up after itself\n`);
      return reason.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`✗ ${message}\n`);
    if (io.env['FLUX_OCI_DEBUG']) io.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
    return 1;
  }
}

/**
 * Runs the CLI as this process: standard streams, the process's environment, signals wired to the
 * AbortSignal, the exit code set when the command settles. Called by the entry points
 * (`cli/bin.ts` for dist/cli.js, `sea.ts` for the single executable).
 */
export function runCliProcess(argv: string[]): void {
  // WebAssembly stays on its baseline compiler (Liftoff): the only wasm a command runs is undici's
  // HTTP parser (the cluster commands', and the registry's behind a proxy), whose optimised
  // recompilation cost ~20 MiB of peak memory and ~10 ms of a background core, worth it in a
  // long-lived server, not in a command that exits in a second
  // (issue 18; measured: pull of a 2-file artifact 88 -> 70 MiB, of a 100 MB file 111 -> 100 MiB,
  // same time). The language server keeps V8's defaults.
  // --liftoff-only's implications are applied at start-up only, so they are set with it.
  for (const flag of ['--liftoff-only', '--no-wasm-tier-up', '--no-wasm-dynamic-tiering']) setFlagsFromString(flag);
  const controller = new AbortController();
  // Once: the first signal stops the work and cleans up; a second one ends the process at once.
  process.once('SIGINT', () => controller.abort(new Interrupted('SIGINT')));
  process.once('SIGTERM', () => controller.abort(new Interrupted('SIGTERM')));
  main(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
  }).then(
    (code) => exitOnceWritten(code),
    (err: unknown) => {
      process.stderr.write(`flux-oci: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      exitOnceWritten(70);
    },
  );
}

/**
 * Ends the process once what the command wrote to stdout and stderr has gone out. Left to end by
 * itself, Node first waits for every handle to close (the registry's keep-alive sockets, the file
 * system's threads): 10-25 ms of a short command (issue 18: start-up). The command has cleaned up
 * after itself by the time it settles; V8's compile cache is written first, as a natural exit would.
 */
function exitOnceWritten(code: number): void {
  process.exitCode = code;
  flushCompileCache?.();
  let pending = 2;
  const written = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}
