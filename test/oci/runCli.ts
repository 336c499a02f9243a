// Runs the real CLI as a process with the pinned Node, the way a user or CI does.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, type ProcessRun, type RunOptions } from '../helpers/runProcess.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(repoRoot, 'bin', 'flux-oci');

export type CliRun = ProcessRun;

export function runCli(args: string[], options: RunOptions): Promise<CliRun> {
  return runProcess(process.execPath, [bin, ...args], options);
}

/** A workspace with a small deploy/ folder of Flux manifests. */
export function makeWorkspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-ws-'));
  const all: Record<string, string> = {
    'deploy/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app\n',
    'deploy/apps/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: app\n',
    'deploy/logo.png': 'not really a png, ignored by default',
    ...files,
  };
  for (const [rel, content] of Object.entries(all)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return dir;
}
