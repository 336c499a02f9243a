// `check` over many files analyses them on two cores: once the facts that cross files (lint
// context, patches, the schemas' inputs) are known, the main thread takes files from the front
// and a worker thread from the back, a few at a time from a shared counter, until they meet. So
// neither waits on the other for more than a few files: a worker still starting, or starved on a
// busy machine, simply takes fewer. The worker is the CLI itself started again in a thread
// (dist/cli/main.mjs with `check`), which loads the same chunks and notices it is the worker here.
// It costs its start-up (~0.15 s of CPU, on the other core while the main thread reads and parses)
// and ~15 MiB, so a few files stay on one thread. Whatever the worker cannot do (no entry file, as
// in the single executable; a crash), the main thread does itself: the output never depends on it.
import { availableParallelism, loadavg } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../../domain/diagnostics';
import type { LintContext } from '../../domain/lint/lintTypes';
import { chooseSchemas, type ChoiceInputs } from '../../domain/workspace/fluxVersion';
import { analyzeInput, type CheckContext, type CheckInput } from './checkFiles';

const role = 'flux-oci check worker';
/** Set in the worker's environment, so the main thread knows it is not the worker without loading node:worker_threads. */
const roleEnv = 'FLUX_OCI_CHECK_ROLE';

/** Required on use, not imported: `check` of a few files never needs it (a few ms of start-up). */
const workerThreads = () => require('node:worker_threads') as typeof import('node:worker_threads');

/**
 * Off unless asked for (FLUX_OCI_CHECK_THREADS=2): on the quiet 2-core machine the worker made
 * bench:workspace's 5,000-file check slower, not faster (0.83-0.86 s wall, 1.26-1.30 s CPU,
 * 127-130 MiB with it; 0.71-0.72 s, 0.94-0.95 s, 98-99 MiB without, kubeconform 0.28-0.34 s):
 * its start-up and the texts sent to it cost more than the half of the analysis it takes. Kept,
 * with its test, for the day analysis is the larger share; the figure to beat is above.
 */
const minFiles = Number.POSITIVE_INFINITY;

/** Files taken at a time: the most either thread waits for at the end. */
const batch = 8;

/** The worker is sent the texts of the last 60% of the files, the most it may take (balanced: ~43%). */
const maxShare = 0.6;

// The shared claim state: a lock, the next file from the front, one past the last file not yet
// taken from the back, the lowest file the worker may take, and whether the worker has begun.
const LOCK = 0;
const FRONT = 1;
const BACK = 2;
const LOW = 3;
const BEGUN = 4;

/** The next few files, [start, end), from the front or the back; undefined when none are left. */
function take(claims: Int32Array, fromBack: boolean): [number, number] | undefined {
  while (Atomics.compareExchange(claims, LOCK, 0, 1) !== 0);
  const front = Atomics.load(claims, FRONT);
  const back = Atomics.load(claims, BACK);
  let taken: [number, number] | undefined;
  if (fromBack) {
    const start = Math.max(back - batch, front, Atomics.load(claims, LOW));
    if (start < back) {
      Atomics.store(claims, BACK, start);
      taken = [start, back];
    }
  } else if (front < back) {
    const end = Math.min(front + batch, back);
    Atomics.store(claims, FRONT, end);
    taken = [front, end];
  }
  Atomics.store(claims, LOCK, 0);
  return taken;
}

/** What the worker needs to analyse files as the main thread would. */
interface WorkerJob {
  /** The texts of the files it may take: those from `low` on. */
  inputs: CheckInput[];
  low: number;
  claims: Int32Array;
  /** The patches among all files (only membership is asked). */
  patches: string[];
  lint: LintContext;
  /** Everything the schema choice is made from (not a cluster's: `--from-cluster` stays on one thread). */
  choice: Omit<ChoiceInputs, 'cluster'>;
}

/** The diagnostics of the files the worker took, [from, end), in order. */
type Reply = { from: number; diagnostics: Diagnostic[][] } | { error: string };

export interface CheckWorker {
  /**
   * Each input's diagnostics in order, analysed here and in the worker; how many the worker did,
   * and why none when it could not (the main thread then did them).
   */
  analyze(
    inputs: readonly CheckInput[],
    ctx: CheckContext,
    shared: Pick<WorkerJob, 'patches' | 'lint' | 'choice'>,
  ): Promise<{ diagnostics: Diagnostic[][]; byWorker: number; failure?: string }>;
  stop(): void;
}

/**
 * A worker for `fileCount` files, started now so it loads while the main thread reads; undefined
 * when one thread will do (few files, one core, or no core free). FLUX_OCI_CHECK_THREADS=1 keeps one thread; =2 always starts the worker
 * and lets it begin before the main thread takes files (the tests' way to make it take part).
 */
export function startCheckWorker(fileCount: number, env: NodeJS.ProcessEnv): CheckWorker | undefined {
  const threads = env['FLUX_OCI_CHECK_THREADS'];
  if (threads === '1') return undefined;
  const forced = threads === '2';
  // Only with a core to spare, as make -l does: with every core busy (load average at least the
  // core count) a second thread took the others' time, not ours (measured at load 5-9 on 2 cores:
  // 0.2-0.4 s more wall time and 0.3 s more CPU for 5,000 files).
  const cores = availableParallelism();
  if (!forced && (fileCount < minFiles || cores < 2 || loadavg()[0] >= cores)) return undefined;
  const entry = cliEntry();
  if (!entry) return undefined;
  let failed: string | undefined;
  let worker: Worker;
  try {
    // Its standard streams are its own (stdout/stderr: true): nothing it might print reaches the report.
    // A 4 MiB young generation: the worker keeps nothing from one file to the next, and V8's
    // default let it grow to ~25 MiB more peak memory (measured: 140 -> 128 MiB, no more CPU).
    worker = new (workerThreads().Worker)(entry, {
      argv: ['check'],
      env: { ...env, [roleEnv]: role },
      workerData: { role },
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

  const ask = (job: WorkerJob): Promise<Reply> =>
    new Promise((resolve) => {
      const settle = (reply: Reply) => {
        worker.off('message', settle).off('error', onGone).off('exit', onGone);
        resolve(reply);
      };
      const onGone = () => settle({ error: failed ?? 'ended' });
      worker.on('message', settle).on('error', onGone).on('exit', onGone);
      worker.postMessage(job);
    });

  return {
    async analyze(inputs, ctx, shared) {
      const n = inputs.length;
      const low = n - Math.floor(n * maxShare);
      const claims = new Int32Array(new SharedArrayBuffer(5 * Int32Array.BYTES_PER_ELEMENT));
      Atomics.store(claims, BACK, n);
      Atomics.store(claims, LOW, low);
      const reply = failed ? Promise.resolve<Reply>({ error: failed }) : ask({ ...shared, inputs: inputs.slice(low), low, claims });
      if (forced && !failed) Atomics.wait(claims, BEGUN, 0, 5_000);
      const out: Diagnostic[][] = new Array<Diagnostic[]>(n);
      for (let r = take(claims, false); r; r = take(claims, false)) for (let i = r[0]; i < r[1]; i++) out[i] = analyzeInput(inputs[i]!, ctx);
      // All files are taken now; those from `back` on are the worker's (none: nothing to wait for).
      const back = Atomics.load(claims, BACK);
      if (back === n) return { diagnostics: out, byWorker: 0 };
      const got = await reply;
      if ('diagnostics' in got && got.from === back && got.diagnostics.length === n - back) {
        got.diagnostics.forEach((d, k) => (out[back + k] = d));
        return { diagnostics: out, byWorker: n - back };
      }
      for (let i = back; i < n; i++) out[i] = analyzeInput(inputs[i]!, ctx);
      return { diagnostics: out, byWorker: 0, failure: 'error' in got ? got.error : 'answered for other files' };
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
  const { parentPort } = workerThreads();
  return new Promise((resolve) => {
    parentPort!.once('message', (job: WorkerJob) => {
      let reply: Reply;
      try {
        const { set } = chooseSchemas(job.choice);
        const ctx: CheckContext = { patches: new Set(job.patches), lint: job.lint, schemas: set };
        const batches: Diagnostic[][][] = [];
        let from = job.low + job.inputs.length;
        for (let r = take(job.claims, true); r; r = take(job.claims, true)) {
          if (!Atomics.load(job.claims, BEGUN)) {
            Atomics.store(job.claims, BEGUN, 1);
            Atomics.notify(job.claims, BEGUN);
          }
          const part: Diagnostic[][] = [];
          for (let i = r[0]; i < r[1]; i++)
            part.push(analyzeInput(job.inputs[i - job.low]!, ctx).map(({ range, severity, message, code }) => ({ range, severity, message, code })));
          batches.push(part);
          from = r[0];
        }
        reply = { from, diagnostics: batches.reverse().flat() };
      } catch (err) {
        reply = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      } finally {
        Atomics.store(job.claims, BEGUN, 1);
        Atomics.notify(job.claims, BEGUN);
      }
      parentPort!.postMessage(reply);
      parentPort!.close();
      resolve(0);
    });
  });
}
