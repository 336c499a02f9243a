/**
 * Runs a credential program (docker-credential-*, aws, gcloud, az) and
 * returns its stdout. Its output carries secrets, so nothing of stdout is ever
 * put into an error; stderr is included only after secrets-looking words are cut.
 */
import type { spawn as Spawn } from 'node:child_process';
import { RegistryError } from '../errors';

export interface ProgramResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export class ProgramNotFound extends Error {
  readonly program: string;
  constructor(program: string) {
    super(`${program} is not installed or not on PATH`);
    this.program = program;
  }
}

export function runProgram(
  program: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<ProgramResult> {
  // Required here, not imported: most pulls and pushes run no credential program, and loading
  // node:child_process (and node:dgram with it) is ~4 ms of every start (issue 18).
  const spawn = (require('node:child_process') as { spawn: typeof Spawn }).spawn;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // Our own timer rather than spawn's `timeout`, which keeps the process alive after ENOENT.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    timer.unref();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') reject(new ProgramNotFound(program));
      else reject(new RegistryError(`running ${program} failed: ${e.message}`, { code: 'credentials' }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: code ?? 1 });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** First line of a program's stderr, trimmed, safe to show (tokens are long unbroken strings; cut them). */
export function safeStderr(stderr: string): string {
  const line = stderr.trim().split('\n')[0] ?? '';
  return line.replace(/[A-Za-z0-9+/=_.-]{32,}/g, '[redacted]').slice(0, 200);
}
