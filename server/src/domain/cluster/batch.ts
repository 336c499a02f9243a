/**
 * One action on many objects (issue 16: reconcile, suspend or resume a selection across
 * clusters): a few at a time, each on its own so one failure or one slow cluster never stops
 * the rest, every item settled with its outcome, and cancellation that aborts what runs and
 * skips what has not started.
 */

export type BatchOutcome<I, R> = { item: I; ok: true; value: R } | { item: I; ok: false; error: string; reason?: string; cancelled?: boolean };

export interface BatchOptions<I, R> {
  /** How many run at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** After each item settles: how many are done of how many. */
  onSettled?: (outcome: BatchOutcome<I, R>, done: number, total: number) => void;
}

export async function runBatch<I, R>(
  items: readonly I[],
  work: (item: I, signal: AbortSignal) => Promise<R>,
  options: BatchOptions<I, R> = {},
): Promise<Array<BatchOutcome<I, R>>> {
  const results: Array<BatchOutcome<I, R>> = new Array(items.length);
  const signal = options.signal ?? new AbortController().signal;
  let next = 0;
  let done = 0;
  const settle = (i: number, outcome: BatchOutcome<I, R>): void => {
    results[i] = outcome;
    done++;
    options.onSettled?.(outcome, done, items.length);
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      const item = items[i]!;
      if (signal.aborted) {
        settle(i, { item, ok: false, error: 'cancelled before it started', cancelled: true });
        continue;
      }
      try {
        settle(i, { item, ok: true, value: await work(item, signal) });
      } catch (err) {
        const reason =
          err && typeof err === 'object' && 'reason' in err && typeof (err as { reason: unknown }).reason === 'string'
            ? (err as { reason: string }).reason
            : undefined;
        settle(i, {
          item,
          ok: false,
          error: signal.aborted ? 'cancelled' : err instanceof Error ? err.message : String(err),
          ...(reason ? { reason } : {}),
          ...(signal.aborted ? { cancelled: true } : {}),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, items.length)) }, worker));
  return results;
}
