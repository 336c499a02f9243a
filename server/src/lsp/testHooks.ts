import type { Connection } from 'vscode-languageserver/node';
import { heapRequest, leakRejectionRequest, type HeapReport } from '../protocol/testMessages';

/** Requests the test suite needs to look inside the server; off unless FLUX_OCI_TEST_HOOKS=1. */
export function registerTestHooks(connection: Connection): void {
  if (process.env['FLUX_OCI_TEST_HOOKS'] !== '1') return;
  connection.onRequest(leakRejectionRequest.method, () => {
    void Promise.reject(new Error('a rejection left unhandled on purpose by a test'));
    return null;
  });
  connection.onRequest(heapRequest.method, (): HeapReport => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const m = process.memoryUsage();
    return { heapUsed: m.heapUsed, rss: m.rss, collected: gc !== undefined };
  });
}
