/**
 * Bounded concurrency for registry traffic: at most `total` requests at once,
 * at most `perRegistry` to one registry, and a registry that rate-limited us
 * is paused (doubling from 5 s up to a minute) before its queue moves again.
 */
export interface LimiterOptions {
  total?: number;
  perRegistry?: number;
}

interface Waiting {
  registry: string;
  start: () => void;
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

  /** Runs `work` when a slot for `registry` is free. */
  run<T>(registry: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.active++;
        this.activeBy.set(registry, (this.activeBy.get(registry) ?? 0) + 1);
        work()
          .then(resolve, reject)
          .finally(() => {
            this.active--;
            this.activeBy.set(registry, (this.activeBy.get(registry) ?? 1) - 1);
            this.pump();
          });
      };
      this.queue.push({ registry, start });
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
    this.pump();
  }

  get pending(): number {
    return this.queue.length;
  }

  private pump(): void {
    const now = Date.now();
    let soonest = Infinity;
    for (let i = 0; i < this.queue.length && this.active < this.total; ) {
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
