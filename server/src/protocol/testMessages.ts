/**
 * Requests for the test suite and the benchmarks only, answered when the server runs with
 * FLUX_OCI_TEST_HOOKS=1 (tests) or FLUX_OCI_BENCH=1 (`npm run bench:lsp`); editors never see them.
 */
import { requestSpec } from './messages';

export interface EventLoopDelayReport {
  /** Longest time the event loop was blocked since the last report (timer lateness, ms). */
  maxMs: number;
  p99Ms: number;
  /**
   * The most CPU time the server's main thread spent between two 5 ms probe ticks: a block's own
   * work, without what a loaded machine's scheduler adds to `maxMs`.
   */
  maxCpuMs?: number;
  /** When that step ended, and `longestTick` (`endUs`), on the clock of a --cpu-prof profile (monotonic µs). */
  maxCpuEndUs?: number;
  /**
   * The longest gap between two probe ticks and the main thread's CPU time inside it: a gap with
   * little CPU is time the thread spent off its core (waiting for the scheduler, a synchronous
   * read, or GC helper threads), not the server's own work.
   */
  longestTick?: {
    wallMs: number;
    cpuMs: number;
    endUs?: number;
    /** The whole process's CPU in the gap (GC helper threads, libuv's pool inflating gzip answers, on top of the main thread's). */
    processCpuMs?: number;
    /** Of the gap, the main thread's time runnable but waiting for a core (Linux schedstat); the rest beyond CPU was it blocked. */
    waitMs?: number;
    /** Of the gap, the time inside garbage-collection pauses, and their kinds. */
    gcMs?: number;
    gcKinds?: string;
  };
  /** The longest single garbage-collection pause (perf_hooks 'gc' entries). */
  maxGcMs?: number;
  /** What that pause was: 'minor' (scavenge), 'major' (mark-compact), 'incremental' or 'weak callbacks'. */
  maxGcKind?: string;
  /** Garbage collections in the window: how many of each kind and their pauses' sum (allocation pressure). */
  gc?: { minor: number; major: number; totalMs: number };
  /** The most heap in use after a collection in the window, MiB (a smaller old generation marks faster). */
  heapUsedMaxMiB?: number;
}

export interface HeapReport {
  heapUsed: number;
  rss: number;
  /** False when node was started without --expose-gc: the figure then includes garbage. */
  collected: boolean;
}

/** FLUX_OCI_BENCH=1: the longest event-loop block inside the server since the last ask. */
export const eventLoopDelayRequest = requestSpec<undefined, EventLoopDelayReport>('flux-oci/bench/eventLoopDelay');
/** FLUX_OCI_TEST_HOOKS=1: leaves one rejection unhandled, to prove the process guard keeps the server alive. */
export const leakRejectionRequest = requestSpec<undefined, null>('flux-oci/test/leakRejection');
/** FLUX_OCI_TEST_HOOKS=1: collects garbage (with --expose-gc) and answers the heap in use, for leak checks. */
export const heapRequest = requestSpec<undefined, HeapReport>('flux-oci/test/heap');
