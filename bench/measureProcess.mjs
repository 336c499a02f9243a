// One way the benchmarks run a peer or our CLI to the end and read what it cost: wall seconds,
// CPU seconds (user + system) and peak RSS, from GNU time when it is installed, else by polling
// /proc/<pid>/status VmHWM (monotonic, so polling only misses the last few ms).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';

export const haveGnuTime = existsSync('/usr/bin/time');

/**
 * Runs `cmd args` in `cwd` with `env` (added to this process's) to its end.
 * @returns {Promise<{ code: number | null, seconds: number, cpuSeconds: number, rssMiB: number, stdout: string, stderr: string }>}
 */
export function runMeasured(cmd, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const stats = path.join(tmpdir(), `flux-oci-bench-time-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    const [bin, binArgs] = haveGnuTime ? ['/usr/bin/time', ['-f', '%U %S %M', '-o', stats, cmd, ...args]] : [cmd, args];
    const started = performance.now();
    const child = spawn(bin, binArgs, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let hwm = 0;
    let cpuSeconds = NaN;
    const poll = haveGnuTime
      ? undefined
      : setInterval(() => {
          try {
            hwm = Math.max(hwm, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0));
          } catch {
            /* exited */
          }
        }, 10);
    const out = [];
    let err = '';
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const seconds = (performance.now() - started) / 1000;
      if (haveGnuTime && existsSync(stats)) {
        const [user, sys, maxRss] = readFileSync(stats, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        hwm = maxRss;
        cpuSeconds = user + sys;
        rmSync(stats, { force: true });
      }
      resolve({ code, seconds, cpuSeconds, rssMiB: hwm / 1024, stdout: Buffer.concat(out).toString('utf8'), stderr: err });
    });
  });
}
