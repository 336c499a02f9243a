// Runs a peer (flux, oras, skopeo) or our CLI as a process, the way a user or CI does.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(bin: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: opts.cwd,
      // HOME in the test folder keeps the developer's docker config out of the way.
      env: { PATH: process.env['PATH'], HOME: opts.cwd, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** `flux-oci <args>` with the pinned Node. */
export function fluxOci(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return run(process.execPath, [path.join(repoRoot, 'bin', 'flux-oci'), ...args], opts);
}

/** Every file under `root` with its content hash input and permission bits: { 'a/b.yaml': 'mode:content' }. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, prefix: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${d.name}` : d.name;
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p, rel);
      else out[rel] = `${(statSync(p).mode & 0o777).toString(8)}:${readFileSync(p).toString('base64')}`;
    }
  };
  walk(root, '');
  return out;
}
