// `check` over many files analyses them on two cores: a worker thread takes the last share of the
// files while the main thread does the first, once the facts that cross files (lint context,
// patches, the schemas' inputs) are known. The worker is the CLI itself started again in a thread
// (dist/cli/main.mjs with `check`), which loads the same chunks and notices it is the worker here.
// A worker costs its start-up (~0.15 s of CPU, on the other core while the main thread reads and
// parses) and ~20 MiB, so a few files stay on one thread. Whatever the worker cannot do (no entry file, as in
// the single executable; a crash), the main thread does itself: the output never depends on it.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../../domain/diagnostics';
import type { LintContext } from '../../domain/lint/lintTypes';
import { chooseSchemas, type ChoiceInputs } from '../../domain/workspace/fluxVersion';
import { analyzeInputs, type CheckInput } from './checkFiles';

const role = 'flux-oci check worker';
/** Set in the worker's environment, so the main thread knows it is not the worker without loading node:worker_threads. */
const roleEnv = 'FLUX_OCI_CHECK_ROLE';

/** Required on use, not imported: `check` of a few files never needs it (a few ms of start-up). */
const workerThreads = () => require('node:worker_threads') as typeof import('node:worker_threads');

/**
 * Fewer files than this are checked on one thread: the worker's start-up (~0.15 s of CPU) must be
 * over by the time the main thread has read and parsed them all once (about 0.05 ms a file).
 */
const minFiles = 2000;

/**
 * The share of the files the worker takes: its code runs cold (measured: 2,500 files of the bench
 * repository took it 1.33 times the main thread's CPU), so both finish together at about 0.42;
 * half that when it is still starting.
 */
const readyShare = 0.42;
const startingShare = 0.21;

/** What the worker needs to analyse its share as the main thread would. */
export interface WorkerJob {
  inputs: CheckInput[];
  /** The patches among all files (only membership is asked). */
  patches: string[];
  lint: LintContext;
  /** Everything the schema choice is made from (not a cluster's: `--from-cluster` stays on one thread). */
  choice: Omit<ChoiceInputs, 'cluster'>;
}

type Reply = { diagnostics: Diagnostic[][] } | { error: string };

export interface CheckWorker {
  /** How many of `count` files (the last ones) to give the worker now. */
  shareOf(count: number): number;
  /** The worker's diagnostics of each input, or why it could not give them (the caller then does the share itself). */
  analyze(job: WorkerJob): Promise<Diagnostic[][] | string>;
  stop(): void;
}

/**
 * A worker for `fileCount` files, started now so it loads while the main thread reads; undefined
 * when one thread will do. FLUX_OCI_CHECK_THREADS=1 keeps one thread, =2 always starts the worker.
 */
export function startCheckWorker(fileCount: number, env: NodeJS.ProcessEnv): CheckWorker | undefined {
  const threads = env['FLUX_OCI_CHECK_THREADS'];
  if (threads === '1') return undefined;
  if (threads !== '2' && (fileCount < minFiles || availableParallelism() < 2)) return undefined;
  const entry = cliEntry();
  if (!entry) return undefined;
  let failed: string | undefined;
  let worker: Worker;
  // Set by the worker once it has loaded: read without waiting for the event loop.
  const ready = new Int32Array(new SharedArrayBuffer(4));
  try {
    // Its standard streams are its own (stdout/stderr: true): nothing it might print reaches the report.
    // A 4 MiB young generation: the worker keeps nothing from one file to the next, and V8's
    // default let it grow to ~25 MiB more peak memory (measured: 140 -> 128 MiB, no more CPU).
    worker = new (workerThreads().Worker)(entry, {
      argv: ['check'],
      env: { ...env, [roleEnv]: role },
      workerData: { role, ready },
      stdout: true,
      stderr: true,
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
  } catch {
    return undefined;
  }
  worker.unref();
  // A worker that fails to start or dies emits 'error'/'exit'; unheard, 'error' would end the process.
  worker.on('error', (err) => (failed ??= `failed: ${err.message}`));
  worker.on('exit', (code) => (failed ??= `ended (exit ${code})`));
  return {
    shareOf: (count) => (failed ? 0 : Math.floor(count * (Atomics.load(ready, 0) ? readyShare : startingShare))),
    analyze(job) {
      if (failed) return Promise.resolve(failed);
      return new Promise((resolve) => {
        const settle = (d: Diagnostic[][] | string) => {
          worker.off('message', onMessage).off('error', onGone).off('exit', onGone);
          resolve(d);
        };
        const onMessage = (reply: Reply) =>
          settle(
            !('diagnostics' in reply)
              ? `failed: ${reply.error}`
              : reply.diagnostics.length === job.inputs.length
                ? reply.diagnostics
                : 'answered for other files',
          );
        const onGone = () => settle(failed ?? 'ended');
        worker.on('message', onMessage).on('error', onGone).on('exit', onGone);
        worker.postMessage(job);
      });
    },
    stop: () => void worker.terminate(),
  };
}

/**
 * The CLI's own entry, dist/cli/main.mjs: this code runs from a chunk beside it, whose `require`
 * resolves from there. Elsewhere (the single executable's one script) there is none.
 */
function cliEntry(): string | undefined {
  try {
    return require.resolve('./main.mjs');
  } catch {
    return undefined;
  }
}

/** True in the thread startCheckWorker started. */
export function isCheckWorker(env: NodeJS.ProcessEnv): boolean {
  if (env[roleEnv] !== role) return false;
  const { isMainThread, workerData } = workerThreads();
  return !isMainThread && (workerData as { role?: string } | undefined)?.role === role;
}

/** The worker's side: one job, answered with the fields the reports print (fixes and their closures stay here). */
export function serveCheckWorker(): Promise<number> {
  const { parentPort, workerData } = workerThreads();
  Atomics.store((workerData as { ready: Int32Array }).ready, 0, 1);
  return new Promise((resolve) => {
    parentPort!.once('message', (job: WorkerJob) => {
      let reply: Reply;
      try {
        const { set } = chooseSchemas(job.choice);
        const found = analyzeInputs(job.inputs, { patches: new Set(job.patches), lint: job.lint, schemas: set });
        reply = { diagnostics: found.map((ds) => ds.map(({ range, severity, message, code }) => ({ range, severity, message, code }))) };
      } catch (err) {
        reply = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      parentPort!.postMessage(reply);
      parentPort!.close();
      resolve(0);
    });
  });
}
