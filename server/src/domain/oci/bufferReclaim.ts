/**
 * Keeps the memory of a pull or push flat in the artifact's size (issue 18).
 *
 * Every socket read, file read and inflate output is a fresh Buffer. Once passed on, each is
 * garbage, but its memory lives outside V8's heap and is only freed when V8 collects the small
 * object that owns it; V8 schedules that by its own heap's growth, which streaming barely moves,
 * so ~64 MiB of dead buffers piled up before anything was freed (a 100 MB pull peaked at 160 MiB,
 * one of 5 MiB at 88 MiB). A young-generation collection every few MiB that pass frees them while
 * they are young: a pull of a 100 MB random file peaked at 121 instead of 157 MiB, at the same CPU
 * time. It scavenges the young objects only, well under a millisecond each.
 *
 * A buffer still in use at two of those collections is moved to the old generation, which only a
 * full collection frees. Pulls of many small files do that (each inflated chunk stays referenced
 * while its ~50 files are written): buffers piled up there until V8's own full collection, and
 * a pull of 200 MB of 10 KiB files peaked at ~110 MiB. So when the buffers V8 still holds after a
 * young collection exceed the least held after one since the last full collection (what is really
 * in use) by `oldPileUp`, and twice over, a full one is started: that pull then peaks at ~85 MiB
 * (2-3 full collections), while a pull of one large file, whose buffers stay under it, pays for
 * none, nor does work that keeps more in flight (or a language server holding buffers in its
 * caches) pay for one at every step. (Counted from what is in use, not from zero: a pull keeping
 * ~6 MiB in flight and peaking at ~16 between collections started a full one at nearly every step,
 * 47 in a 200 MB pull, doubling its CPU time.)
 * A small heap (a CLI command's) is collected at once, in a few ms; a large one (the language
 * server's) is only started and marked incrementally, alongside the work, so the event loop is
 * not stopped for a whole heap's marking.
 *
 * The collector is V8's own `gc`, exposed for this module alone (as test runners do to measure
 * leaks); where a runtime does not allow it, nothing is collected early and nothing else changes.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * 4 MiB: a pull keeps a few MiB in flight, and every collection at 8 MiB found up to 16 MiB of
 * buffers held (200 MB of small files peaked at 99 MiB, a 200 MB file at 88; at 4 MiB 92-95 and
 * 83, at the same or less CPU: each young collection is a fraction of a millisecond).
 */
const every = 4 * 1024 * 1024;
/** How far buffer memory (live and dead) may grow past what is in use before a full collection is started. */
const oldPileUp = 16 * 1024 * 1024;
/** A heap this small is collected in full in a few ms (a CLI command's is ~10 MiB). */
const smallHeap = 64 * 1024 * 1024;
let pending = 0;
/** The least buffer memory held after a young collection since the last full one: what is really in use. */
let inUse = Infinity;
let collect: ((options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void) | null | undefined;

function collector(): typeof collect {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    collect = typeof gc === 'function' ? (gc as NonNullable<typeof collect>) : null;
  } catch {
    collect = null;
  } finally {
    // Exposed to this module's new context only: later contexts get no `gc`.
    setFlagsFromString('--no-expose-gc');
  }
  return collect;
}

/** Notes `bytes` of buffers that streamed through; collects the young ones every 4 MiB (and the old ones when they pile up). */
export function reclaimBuffers(bytes: number): void {
  pending += bytes;
  if (pending < every) return;
  pending = 0;
  const gc = collector();
  if (!gc) return;
  gc({ type: 'minor' });
  // ~2 µs; external_memory counts the ArrayBuffers V8 has not freed yet.
  const heap = getHeapStatistics();
  const held = heap.external_memory;
  inUse = Math.min(inUse, held);
  if (held <= Math.max(inUse + oldPileUp, 2 * inUse)) return;
  const atOnce = heap.used_heap_size < smallHeap;
  gc({ type: 'major', execution: atOnce ? 'sync' : 'async' });
  // What an incremental one frees shows at the next young collections.
  inUse = atOnce ? getHeapStatistics().external_memory : held;
}
