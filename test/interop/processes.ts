// Runs a peer (flux, oras, skopeo) or our CLI as a process, the way a user or CI does.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, type ProcessRun } from '../helpers/runProcess.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type Run = ProcessRun;

export function run(bin: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return runProcess(bin, args, opts);
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
