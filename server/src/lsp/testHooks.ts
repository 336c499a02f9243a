import type { Connection } from 'vscode-languageserver/node';

/** Leaves one rejection unhandled, to prove the process guard keeps the server alive. */
export const leakRejectionRequest = 'flux-oci/test/leakRejection';
/** Collects garbage (when node runs with --expose-gc) and answers the heap in use, for leak checks. */
export const heapRequest = 'flux-oci/test/heap';

export interface HeapReport {
  heapUsed: number;
  rss: number;
  /** False when node was started without --expose-gc: the figure then includes garbage. */
  collected: boolean;
}

/** Requests the test suite needs to look inside the server; off unless FLUX_OCI_TEST_HOOKS=1. */
export function registerTestHooks(connection: Connection): void {
  if (process.env['FLUX_OCI_TEST_HOOKS'] !== '1') return;
  connection.onRequest(leakRejectionRequest, () => {
    void Promise.reject(new Error('a rejection left unhandled on purpose by a test'));
    return null;
  });
  connection.onRequest(heapRequest, (): HeapReport => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const m = process.memoryUsage();
    return { heapUsed: m.heapUsed, rss: m.rss, collected: gc !== undefined };
  });
}
