// The language server runs with its Node flags however it is started (bin/serverLaunch.js): the
// bin scripts replace their process with one that has them, unless the user chose the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import serverNodeFlags from '../../bin/serverNodeFlags.json' with { type: 'json' };
import { LspClient, repoRoot } from '../helpers/lspClient.ts';

const cmdline = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
const linux = existsSync('/proc/self/cmdline');

for (const [name, args] of [
  ['flux-oci-language-server --stdio', [path.join(repoRoot, 'bin', 'flux-oci-language-server'), '--stdio']],
  ['flux-oci language-server --stdio', [path.join(repoRoot, 'bin', 'flux-oci'), 'language-server', '--stdio']],
] as const) {
  test(`${name} serves LSP on the same process, started again with the server's Node flags`, { skip: !linux && 'needs /proc' }, async () => {
    const lsp = await LspClient.start({ command: { file: process.execPath, args: [...args], cwd: repoRoot, env: process.env } });
    try {
      const pid = lsp.process.pid!;
      const argv = cmdline(pid);
      for (const flag of serverNodeFlags) assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
      assert.equal(argv.filter((a) => a === args[args.length - 1]).length, 1, 'the arguments are passed once');
    } finally {
      await lsp.stop();
    }
  });
}

test('a flag the user gave in NODE_OPTIONS is kept, and the server is not started again', { skip: !linux && 'needs /proc' }, async () => {
  const lsp = await LspClient.start({
    command: {
      file: process.execPath,
      args: [path.join(repoRoot, 'bin', 'flux-oci-language-server'), '--stdio'],
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: '--max-semi-space-size=4' },
    },
  });
  try {
    assert.ok(!cmdline(lsp.process.pid!).some((a) => serverNodeFlags.includes(a)));
  } finally {
    await lsp.stop();
  }
});
