import { readFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { Connection } from 'vscode-languageserver/node';
import { eventLoopDelayRequest, type EventLoopDelayReport } from '../protocol/testMessages';

/**
 * "No request waits more than 50 ms" is a claim about the longest synchronous step, which
 * a client cannot observe directly: node's event-loop delay histogram measures it inside the
 * server. Off unless FLUX_OCI_BENCH=1, so editors pay nothing for it.
 */
export function registerEventLoopProbe(connection: Connection): void {
  if (process.env['FLUX_OCI_BENCH'] !== '1') return;
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  // On a loaded machine a block's wall time is mostly waiting for a core: the main thread's CPU
  // time between ticks says how much of it was the server's own work.
  const cpu = (): number => {
    const u = process.threadCpuUsage();
    return (u.user + u.system) / 1000;
  };
  // Linux: how long the main thread was runnable but waiting for a core (schedstat's run-queue
  // delay), which tells a gap spent off the cores apart from one spent blocked (GC helpers, I/O).
  const waitMs = (): number | undefined => {
    try {
      return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[1]) / 1e6;
    } catch {
      return undefined;
    }
  };
  const processCpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let last = cpu();
  let lastProcess = processCpu();
  let lastWait = waitMs();
  let lastAt = performance.now();
  let maxCpuMs = 0;
  let maxCpuEndUs = 0;
  type Tick = { wallMs: number; cpuMs: number; processCpuMs: number; endUs: number; waitMs?: number; startMs: number; endMs: number };
  const noTick = (): Tick => ({ wallMs: 0, cpuMs: 0, processCpuMs: 0, endUs: 0, startMs: 0, endMs: 0 });
  let longestTick = noTick();
  // Monotonic microseconds, the clock of a --cpu-prof profile's sample times: where to look in it.
  const clockUs = (): number => Number(process.hrtime.bigint() / 1000n);
  setInterval(() => {
    const now = cpu();
    const nowProcess = processCpu();
    const waited = waitMs();
    const at = performance.now();
    if (now - last > maxCpuMs) {
      maxCpuMs = now - last;
      maxCpuEndUs = clockUs();
    }
    if (at - lastAt > longestTick.wallMs) {
      longestTick = { wallMs: at - lastAt, cpuMs: now - last, processCpuMs: nowProcess - lastProcess, endUs: clockUs(), startMs: lastAt, endMs: at };
      if (waited !== undefined && lastWait !== undefined) longestTick.waitMs = waited - lastWait;
    }
    last = now;
    lastProcess = nowProcess;
    lastWait = waited;
    lastAt = at;
  }, 5).unref();
  let maxGcMs = 0;
  let maxGcKind: string | undefined;
  let gc = { minor: 0, major: 0, totalMs: 0 };
  let heapUsedMax = 0;
  /** The window's collections (start, duration), to say how much of the longest gap was a GC pause. */
  let pauses: Array<{ start: number; ms: number; kind: string }> = [];
  const gcKinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      gc.totalMs += e.duration;
      if (pauses.length < 10_000) pauses.push({ start: e.startTime, ms: e.duration, kind: gcKinds[kind ?? -1] ?? '?' });
      heapUsedMax = Math.max(heapUsedMax, getHeapStatistics().used_heap_size);
      if (e.duration <= maxGcMs) continue;
      maxGcMs = e.duration;
      maxGcKind = gcKinds[kind ?? -1];
    }
  }).observe({ entryTypes: ['gc'] });
  connection.onRequest(eventLoopDelayRequest.method, (): EventLoopDelayReport => {
    // The histogram counts the sampling interval itself as delay: subtract it.
    const { startMs, endMs, ...tick } = longestTick;
    const inGap = pauses.filter((p) => p.start < endMs && p.start + p.ms > startMs);
    const gcInGap = inGap.reduce((sum, p) => sum + Math.min(endMs, p.start + p.ms) - Math.max(startMs, p.start), 0);
    const report: EventLoopDelayReport = {
      maxMs: Math.max(0, histogram.max / 1e6 - 5),
      p99Ms: Math.max(0, histogram.percentile(99) / 1e6 - 5),
      maxCpuMs,
      maxCpuEndUs,
      longestTick: { ...tick, gcMs: gcInGap, ...(inGap.length ? { gcKinds: inGap.map((p) => p.kind).join(',') } : {}) },
      maxGcMs,
      ...(maxGcKind ? { maxGcKind } : {}),
      gc,
      heapUsedMaxMiB: heapUsedMax / 2 ** 20,
    };
    histogram.reset();
    maxCpuMs = 0;
    maxCpuEndUs = 0;
    maxGcMs = 0;
    maxGcKind = undefined;
    gc = { minor: 0, major: 0, totalMs: 0 };
    heapUsedMax = 0;
    longestTick = noTick();
    pauses = [];
    last = cpu();
    lastProcess = processCpu();
    lastWait = waitMs();
    lastAt = performance.now();
    return report;
  });
}
