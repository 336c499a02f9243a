// The CLI loads only the code of the command it runs (issue 18): `pull artifact` starts without
// the linter, the schemas or sigstore, `check` without the registry client. Every command is
// still reachable, and `--help` still lists them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { runCli, repoRoot } from '../oci/runCli.ts';
import { runProcess } from '../helpers/runProcess.ts';

const chunkDir = path.join(repoRoot, 'dist', 'cli');

/** A hook that names every dist/cli chunk the process loads, one `loaded <file>` line each on stderr. */
const traceLoads = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
registerHooks({ load(url, context, next) {
  if (url.includes('/dist/cli/')) process.stderr.write('loaded ' + url.slice(url.lastIndexOf('/') + 1) + '\\n');
  return next(url, context);
} });`)}`;

async function chunksLoadedBy(args: string[]): Promise<string[]> {
  const r = await runProcess(process.execPath, ['--import', traceLoads, path.join(repoRoot, 'bin', 'flux-oci'), ...args], { cwd: repoRoot });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return [...r.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1]!);
}

const bytesOf = (chunks: string[]) => chunks.reduce((n, c) => n + statSync(path.join(chunkDir, c)).size, 0);

test('pull artifact and check each load their own code and not the other’s', async () => {
  const all = readdirSync(chunkDir).filter((f) => f.endsWith('.mjs'));
  const pull = await chunksLoadedBy(['pull', 'artifact', '--help']);
  const check = await chunksLoadedBy(['check', '--help']);
  assert.ok(
    pull.some((c) => c.startsWith('pull-')),
    pull.join(' '),
  );
  assert.ok(
    check.some((c) => c.startsWith('check-')),
    check.join(' '),
  );
  assert.ok(!pull.some((c) => c.startsWith('check-') || c.startsWith('artifactSignatures-')), `pull loads no linter or sigstore: ${pull.join(' ')}`);
  assert.ok(!check.some((c) => c.startsWith('pull-')), `check loads no pull: ${check.join(' ')}`);
  // The whole CLI is several MB; pull needs the registry client and tar, a fraction of it.
  assert.ok(bytesOf(pull) < bytesOf(all) / 3, `pull loads ${bytesOf(pull)} of ${bytesOf(all)} bytes`);
  const version = await chunksLoadedBy(['--version']);
  assert.deepEqual(
    version.filter((c) => !pull.includes(c)),
    [],
    '--version loads nothing pull does not',
  );
});

test('--help lists every command, and each command module answers its own --help', async () => {
  const list = await runCli(['--help'], { cwd: repoRoot });
  assert.equal(list.code, 0, list.stderr);
  const commands = [...list.stdout.matchAll(/^ {2}(\S+(?: \S+)*?) {2,}\S/gm)].map((m) => m[1]!.split(' '));
  for (const words of [['check'], ['pull', 'artifact'], ['push', 'artifact'], ['get', 'sources'], ['reconcile', 'kustomization'], ['apply']])
    assert.ok(
      commands.some((c) => c.join(' ') === words.join(' ')),
      `${words.join(' ')} is listed`,
    );
  // One command per leading word: the cluster verbs' kinds share one module each.
  const oneEach = commands.filter((c, i) => commands.findIndex((d) => d[0] === c[0]) === i);
  for (const words of oneEach) {
    const help = await runCli([...words, '--help'], { cwd: repoRoot });
    assert.equal(help.code, 0, `${words.join(' ')} --help: ${help.stderr}`);
    assert.match(help.stdout, /Usage: flux-oci /, words.join(' '));
  }
});
