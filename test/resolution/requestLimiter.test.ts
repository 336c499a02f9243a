// The registry request limiter as the live resolution uses it (through the bundled domain library):
// never more than the total or per-registry bound at once, and a rate-limited registry waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { resolution } = require('../../dist/domain.js') as { resolution: { RequestLimiter: new (o: { total: number; perRegistry: number }) => Limiter } };
interface Limiter {
  run<T>(registry: string, work: () => Promise<T>): Promise<T>;
  rateLimited(registry: string, retryAfterMs?: number): void;
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
