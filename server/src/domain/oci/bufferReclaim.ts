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
 * young collection exceed `oldPileUp`, or twice what was in use after the last full collection, a
 * full one runs too: that pull then peaks at ~85 MiB (2-3 full collections), while a pull of one
 * large file, whose buffers stay under it, pays for none, nor does work that keeps more in flight
 * pay for one at every step.
 *
 * The collector is V8's own `gc`, exposed for this module alone (as test runners do to measure
 * leaks); where a runtime does not allow it, nothing is collected early and nothing else changes.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const every = 8 * 1024 * 1024;
/** Buffer memory (live and dead) above which a young collection is followed by a full one. */
const oldPileUp = 16 * 1024 * 1024;
let pending = 0;
/** Buffer memory held after the last full collection (or less, seen since): what is really in use. */
let inUse = 0;
let collect: ((options: { type: 'minor' | 'major' }) => void) | null | undefined;

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

/** Notes `bytes` of buffers that streamed through; collects the young ones every 8 MiB (and the old ones when they pile up). */
export function reclaimBuffers(bytes: number): void {
  pending += bytes;
  if (pending < every) return;
  pending = 0;
  const gc = collector();
  if (!gc) return;
  gc({ type: 'minor' });
  // ~2 µs; external_memory counts the ArrayBuffers V8 has not freed yet.
  const held = getHeapStatistics().external_memory;
  if (held <= Math.max(oldPileUp, 2 * inUse)) {
    inUse = Math.min(inUse, held);
    return;
  }
  gc({ type: 'major' });
  inUse = getHeapStatistics().external_memory;
}
