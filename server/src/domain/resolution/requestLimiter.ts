/**
 * Bounded concurrency for registry traffic: at most `total` requests at once,
 * at most `perRegistry` to one registry, and a registry that rate-limited us
 * is paused (doubling from 5 s up to a minute) before its queue moves again.
 *
 * Every task settles: a `work` that throws synchronously rejects like one that
 * rejects, its slot is always given back, and a task whose signal aborts while
 * it waits leaves the queue at once with the signal's reason. A slip here once
 * escaped `pump()` from another task's `.finally` as an unhandled rejection and
 * ended the language server (issue 22).
 */
export interface LimiterOptions {
  total?: number;
  perRegistry?: number;
}

interface Waiting {
  registry: string;
  start: () => void;
  cancel: (reason: unknown) => void;
}

export class RequestLimiter {
  private readonly total: number;
  private readonly perRegistry: number;
  private active = 0;
  private readonly activeBy = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly penalty = new Map<string, number>();
  private readonly queue: Waiting[] = [];
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(options: LimiterOptions = {}) {
    this.total = options.total ?? 4;
    this.perRegistry = options.perRegistry ?? 2;
  }

  /**
   * Runs `work` when a slot for `registry` is free. When `signal` aborts before
   * the slot is free, the task never starts and rejects with the signal's reason.
   */
  run<T>(registry: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<T>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const detach = (): void => {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      };
      const waiting: Waiting = {
        registry,
        start: () => {
          detach();
          this.active++;
          this.activeBy.set(registry, (this.activeBy.get(registry) ?? 0) + 1);
          let running: Promise<T>;
          try {
            running = Promise.resolve(work());
          } catch (error) {
            running = Promise.reject(error instanceof Error ? error : new Error(String(error)));
          }
          running.then(resolve, reject).finally(() => this.release(registry));
        },
        cancel: (reason) => {
          detach();
          reject(reason);
        },
      };
      if (signal) {
        onAbort = () => {
          const i = this.queue.indexOf(waiting);
          if (i >= 0) {
            this.queue.splice(i, 1);
            waiting.cancel(abortReason(signal));
          }
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.queue.push(waiting);
      this.pump();
    });
  }

  /** The registry answered 429: hold its queue back, longer each time in a row. */
  rateLimited(registry: string, retryAfterMs?: number): void {
    const next = Math.min(60_000, (this.penalty.get(registry) ?? 2_500) * 2);
    this.penalty.set(registry, next);
    this.pausedUntil.set(registry, Date.now() + Math.max(next, retryAfterMs ?? 0));
  }

  succeeded(registry: string): void {
    this.penalty.delete(registry);
  }

  /** Forgets pauses (after a manual refresh the user asked for fresh answers). */
  reset(): void {
    this.pausedUntil.clear();
    this.penalty.clear();
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.pump();
  }

  /** Rejects every task still waiting for a slot with `reason`; running ones are left to their own signals. */
  cancelWaiting(reason: unknown): void {
    const waiting = this.queue.splice(0);
    for (const w of waiting) w.cancel(reason);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Tasks holding a slot now (for tests: it must fall back to 0 when all settled). */
  get running(): number {
    return this.active;
  }

  private release(registry: string): void {
    this.active--;
    const left = (this.activeBy.get(registry) ?? 1) - 1;
    if (left > 0) this.activeBy.set(registry, left);
    else this.activeBy.delete(registry);
    this.pump();
  }

  private pump(): void {
    const now = Date.now();
    let soonest = Infinity;
    for (let i = 0; i < this.queue.length && this.active < this.total;) {
      const w = this.queue[i]!;
      const until = this.pausedUntil.get(w.registry) ?? 0;
      if (until > now) {
        soonest = Math.min(soonest, until);
        i++;
        continue;
      }
      if ((this.activeBy.get(w.registry) ?? 0) >= this.perRegistry) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      w.start();
    }
    if (soonest < Infinity && !this.wakeTimer) {
      this.wakeTimer = setTimeout(() => {
        this.wakeTimer = undefined;
        this.pump();
      }, soonest - now);
      this.wakeTimer.unref?.();
    }
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('cancelled');
}
