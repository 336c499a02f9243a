// A fresh copy of the sample workspace (test/fixtures/e2e/workspace) per run, its
// OCIRepositories pointed at the registry of this run, committed to a git repository
// with an origin remote so source/revision defaults come from real git.
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sampleWorkspace = path.join(repoRoot, 'test', 'fixtures', 'e2e', 'workspace');
/** The registry host written in the fixtures; replaced by the run's registry. */
export const fixtureRegistryHost = '127.0.0.1:5555';

function rewrite(dir: string, host: string): void {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) rewrite(p, host);
    else if (/\.ya?ml$/.test(e)) writeFileSync(p, readFileSync(p, 'utf8').replaceAll(fixtureRegistryHost, host));
  }
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Flux OCI',
      GIT_AUTHOR_EMAIL: 'e2e@flux-oci.invalid',
      GIT_COMMITTER_NAME: 'Flux OCI',
      GIT_COMMITTER_EMAIL: 'e2e@flux-oci.invalid',
    },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Copies the sample workspace into `into` (default: a new temp folder) and returns its path. */
export function makeSampleWorkspace(registryHost: string, into?: string): string {
  const dir = into ?? mkdtempSync(path.join(tmpdir(), 'flux-oci-e2e-ws-'));
  cpSync(sampleWorkspace, dir, { recursive: true });
  rewrite(dir, registryHost);
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['remote', 'add', 'origin', 'https://github.com/flux-oci/sample-app.git']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'sample workspace']);
  return dir;
}

export function headCommit(dir: string): string {
  return git(dir, ['rev-parse', 'HEAD']);
}
