// The registry request limiter as the live resolution uses it (through the bundled domain library):
// never more than the total or per-registry bound at once, and a rate-limited registry waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { resolution } = require('../../dist/domain.js') as { resolution: { RequestLimiter: new (o: { total: number; perRegistry: number }) => Limiter } };
interface Limiter {
  run<T>(registry: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  rateLimited(registry: string, retryAfterMs?: number): void;
  cancelWaiting(reason: unknown): void;
  readonly pending: number;
  readonly running: number;
}

test('at most 4 requests at once, and at most 2 to one registry', async () => {
  const limiter = new resolution.RequestLimiter({ total: 4, perRegistry: 2 });
  let active = 0;
  let peak = 0;
  const perRegistry = new Map<string, number>();
  let peakPerRegistry = 0;
  const job = (registry: string) =>
    limiter.run(registry, async () => {
      active++;
      perRegistry.set(registry, (perRegistry.get(registry) ?? 0) + 1);
      peak = Math.max(peak, active);
      peakPerRegistry = Math.max(peakPerRegistry, perRegistry.get(registry)!);
      await new Promise((r) => setTimeout(r, 10));
      active--;
      perRegistry.set(registry, perRegistry.get(registry)! - 1);
    });
  await Promise.all(['a', 'b', 'c'].flatMap((r) => Array.from({ length: 6 }, () => job(r))));
  assert.equal(peak, 4);
  assert.equal(peakPerRegistry, 2);
});

test('a registry that answered 429 is paused for at least what it asked, others go on', async () => {
  const limiter = new resolution.RequestLimiter({ total: 4, perRegistry: 2 });
  limiter.rateLimited('busy.example', 300);
  const started = performance.now();
  let busyAt = 0;
  let otherAt = 0;
  await Promise.all([
    limiter.run('busy.example', async () => (busyAt = performance.now() - started)),
    limiter.run('calm.example', async () => (otherAt = performance.now() - started)),
  ]);
  assert.ok(busyAt >= 290, `busy registry ran after ${busyAt} ms`);
  assert.ok(otherAt < 100, `other registry ran after ${otherAt} ms`);
});

test('work that throws before it returns a promise rejects its own task and gives its slot back', async () => {
  const limiter = new resolution.RequestLimiter({ total: 1, perRegistry: 1 });
  const first = limiter.run('r', () => new Promise((r) => setTimeout(r, 20)));
  // Queued behind `first`, started from first's settling: the throw once escaped there and ended the process.
  const thrower = limiter.run('r', () => {
    throw new Error('stale generation');
  });
  const after = limiter.run('r', async () => 'still runs');
  await first;
  await assert.rejects(thrower, /stale generation/);
  assert.equal(await after, 'still runs');
  assert.equal(limiter.running, 0);
});

test('cancelling the waiting tasks settles each of them, and running ones finish on their own', async () => {
  const limiter = new resolution.RequestLimiter({ total: 1, perRegistry: 1 });
  const running = limiter.run('r', () => new Promise((r) => setTimeout(() => r('done'), 30)));
  const waiting = Array.from({ length: 5 }, () => limiter.run('r', async () => 'never'));
  limiter.cancelWaiting(new Error('cancelled by a refresh'));
  const settled = await Promise.allSettled(waiting);
  assert.ok(settled.every((s) => s.status === 'rejected' && /refresh/.test(String(s.reason))));
  assert.equal(await running, 'done');
  await new Promise((r) => setImmediate(r)); // the slot is given back right after the task settles
  assert.equal(limiter.pending, 0);
  assert.equal(limiter.running, 0);
});

test('a task whose signal aborts while it waits leaves the queue with the abort reason', async () => {
  const limiter = new resolution.RequestLimiter({ total: 1, perRegistry: 1 });
  const blocker = limiter.run('r', () => new Promise((r) => setTimeout(r, 30)));
  const controller = new AbortController();
  const waiting = limiter.run('r', async () => 'never', controller.signal);
  controller.abort(new Error('document closed'));
  await assert.rejects(waiting, /document closed/);
  assert.equal(limiter.pending, 0);
  await blocker;
  await assert.rejects(
    limiter.run('r', async () => 'x', controller.signal),
    /document closed/,
  );
});
