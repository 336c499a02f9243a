// The protocol a client of another editor reads about in docs/lsp-extensions.md is the one the
// server speaks: every command, notification and request declared in server/src/protocol is on
// that page and nothing else is, and the server offers exactly the commands the protocol declares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LspClient, repoRoot } from '../helpers/lspClient.ts';

const require = createRequire(import.meta.url);
const protocol = require('../../dist/protocol.js') as Record<string, unknown>;

/** Every `command` and `method` id the protocol module declares, by kind. */
function declared(): { commands: Set<string>; methods: Set<string> } {
  const commands = new Set<string>();
  const methods = new Set<string>();
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o['command'] === 'string') commands.add(o['command']);
    else if (typeof o['method'] === 'string') methods.add(o['method']);
    else for (const x of Object.values(o)) visit(x);
  };
  for (const v of Object.values(protocol)) visit(v);
  return { commands, methods };
}

const page = readFileSync(path.join(repoRoot, 'docs/lsp-extensions.md'), 'utf8');
/** Ids in the first column of the page's tables. */
const documented = new Set([...page.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));

test('every command and message the protocol declares is documented, and only those', () => {
  const { commands, methods } = declared();
  const all = new Set([...commands, ...methods]);
  assert.ok(commands.size >= 15 && methods.size >= 4, `found ${commands.size} commands and ${methods.size} methods`);
  assert.deepEqual([...all].filter((id) => !documented.has(id)).sort(), [], 'declared in server/src/protocol but missing from docs/lsp-extensions.md');
  assert.deepEqual([...documented].filter((id) => !all.has(id)).sort(), [], 'documented but not declared');
});

test('the server offers exactly the commands the protocol declares', async () => {
  const lsp = await LspClient.start();
  try {
    const offered = new Set(lsp.capabilities.executeCommandProvider?.commands ?? []);
    assert.deepEqual([...offered].sort(), [...declared().commands].sort());
  } finally {
    await lsp.stop();
  }
});
