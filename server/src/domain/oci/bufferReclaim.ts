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
 * The collector is V8's own `gc`, exposed for this module alone (as test runners do to measure
 * leaks); where a runtime does not allow it, nothing is collected early and nothing else changes.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const every = 8 * 1024 * 1024;
let pending = 0;
let collect: ((options: { type: 'minor' }) => void) | null | undefined;

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

/** Notes `bytes` of buffers that streamed through; collects the young ones every 8 MiB. */
export function reclaimBuffers(bytes: number): void {
  pending += bytes;
  if (pending < every) return;
  pending = 0;
  collector()?.({ type: 'minor' });
}
