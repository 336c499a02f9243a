// Each release artifact installed the way a user installs it, in a temp folder with nothing else,
// then used: `check` on a fixture, an LSP initialize + didOpen + diagnostics round trip over
// stdio, and push/pull against a real registry (docker-registry on 127.0.0.1).
//   - the npm package (`npm run release:artifacts`' tarball) under Node 24 (the pinned one) and
//     under Node 22.22.2 (the oldest package.json allows; `bash scripts/node22.sh` caches it
//     outside the repo): `npx --package <tgz> flux-oci check .` in an empty folder, and
//     `npm install -g`, offline, with a fresh npm cache: the package needs nothing from a registry;
//   - the single executable, copied into an empty folder, on a PATH without Node.
// The VSIX's contents are checked by package.test.ts and it runs in real code-server in test/e2e.
// The artifacts are built once for this file, by the same script a release uses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import serverNodeFlags from '../../bin/serverNodeFlags.json' with { type: 'json' };
import { LspClient } from '../helpers/lspClient.ts';
import { runProcess, type ProcessRun } from '../helpers/runProcess.ts';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/check');
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string; files: string[] };
const node22Version = /^NODE22_VERSION=(\S+)/m.exec(readFileSync(path.join(repoRoot, 'scripts/node22.sh'), 'utf8'))![1]!;
const node22 = path.join(
  process.env['FLUX_OCI_CACHE'] || path.join(homedir(), '.cache', 'flux-oci'),
  `node-${node22Version}`,
  'node_modules',
  'node',
  'bin',
  'node',
);
const skipRegistry = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';

/** The folder on PATH that holds npm and npx (the machine's, as a user has it). */
function npmDir(): string {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    try {
      accessSync(path.join(dir, 'npx'), constants.X_OK);
      return dir;
    } catch {
      // next
    }
  }
  throw new Error('npm is not on PATH');
}

let scratch: string;
let release: string;
let tarball: string;
let binary: string;
let registry: StartedRegistry | undefined;

before(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'flux-oci-install-'));
  release = path.join(scratch, 'release');
  // The VSIX is left out here: package.test.ts and test/e2e build and install it.
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/release.mjs'), '--out', release, '--only', 'npm,sea'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  tarball = path.join(release, `${pkg.name}-${pkg.version}.tgz`);
  binary = path.join(release, `${pkg.name}-${pkg.version}-linux-x64`);
  if (!skipRegistry) registry = await startRegistry();
});

after(async () => {
  await registry?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A new empty folder, which is also HOME for what runs in it. */
function emptyFolder(name: string): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Environment of a user's shell: PATH and HOME only, plus what the test names. */
function userEnv(home: string, pathDirs: string[], extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: pathDirs.join(':'), HOME: home, FLUX_OCI_REGISTRY_LOOPBACK_ONLY: '1', ...extra };
}

/** npm with a fresh cache, offline: an install that needed anything from a registry fails. */
function npmEnv(home: string, nodeDir: string): NodeJS.ProcessEnv {
  return userEnv(home, [nodeDir, npmDir()], {
    npm_config_cache: path.join(home, '.npm'),
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  });
}

function checkOutput(r: ProcessRun): void {
  assert.equal(r.code, 1, `errors found → exit 1\n${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.ok(
    lines.includes(
      'release.yaml:13:11: error: spec.upgrade.crds: unsupported value "Sometimes": supported values: "Skip", "Create", "CreateReplace" [schema/enum]',
    ),
    r.stdout,
  );
  assert.ok(
    lines.some((l) => l.startsWith('sources.yaml:31:3: error: spec.branch: unknown field "branch"')),
    r.stdout,
  );
  assert.equal(lines.length, 3, r.stdout);
  assert.match(r.stderr, /✗ 3 errors, 0 warnings in 2 files \(2 files checked\)/);
}

/** The LSP round trip an editor makes: initialize, didOpen, diagnostics; then shutdown. */
async function lspRoundTrip(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const workspace = path.join(cwd, 'lsp-workspace');
  cpSync(fixtures, workspace, { recursive: true });
  const client = await LspClient.start({
    command: { file, args, cwd: workspace, env },
    workspaceFolders: [workspace],
    settings: { registry: { offline: true } },
  });
  try {
    assert.deepEqual(client.serverInfo, { name: 'flux-oci-language-server', version: pkg.version });
    assertServerNodeFlags(client.process.pid!);
    const uri = pathToFileURL(path.join(workspace, 'release.yaml')).href;
    client.open(uri, readFileSync(path.join(workspace, 'release.yaml'), 'utf8'));
    const diagnostics = await client.diagnostics(uri, 1, 20_000);
    const enumError = diagnostics.find((d) => d.code === 'schema/enum');
    assert.ok(enumError, JSON.stringify(diagnostics));
    assert.deepEqual(enumError.range, { start: { line: 12, character: 10 }, end: { line: 12, character: 19 } });
    assert.deepEqual(client.stderr.join(''), '', 'nothing on stderr');
  } finally {
    await client.stop();
  }
  assert.equal(client.exitCode, 0, 'exits 0 after shutdown + exit');
}

/**
 * The serving process runs with the server's Node flags (bin/serverLaunch.js): started again with
 * them on its command line (npm's bin scripts), or in NODE_OPTIONS (the single executable, whose
 * arguments are all the program's).
 */
function assertServerNodeFlags(pid: number): void {
  if (!existsSync(`/proc/${pid}/environ`)) return;
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const nodeOptions = (
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((e) => e.startsWith('NODE_OPTIONS=')) ?? ''
  )
    .slice(13)
    .split(' ');
  for (const flag of serverNodeFlags)
    assert.ok(argv.includes(flag) || nodeOptions.includes(flag), `${flag} in ${argv.join(' ')} or NODE_OPTIONS ${nodeOptions.join(' ')}`);
}

/** CI's loop: push a folder as an artifact, pull it back elsewhere, same bytes. */
async function pushPull(file: string, pre: string[], cwd: string, env: NodeJS.ProcessEnv, repository: string): Promise<void> {
  const deploy = path.join(cwd, 'deploy');
  cpSync(fixtures, deploy, { recursive: true });
  const url = `oci://${registry!.host}/install/${repository}:v1`;
  const push = await runProcess(
    file,
    [...pre, 'push', 'artifact', url, '-f', 'deploy', '--source', 'https://example.invalid/app', '--revision', 'v1@sha1:0123abc', '-o', 'json'],
    { cwd, env },
  );
  assert.equal(push.code, 0, push.stderr);
  const pushed = JSON.parse(push.stdout) as { digest: string };
  assert.match(pushed.digest, /^sha256:[a-f0-9]{64}$/);
  const pull = await runProcess(file, [...pre, 'pull', 'artifact', url, '-o', 'out', '--format', 'json'], { cwd, env });
  assert.equal(pull.code, 0, pull.stderr);
  assert.equal((JSON.parse(pull.stdout) as { digest: string }).digest, pushed.digest);
  assert.deepEqual(readdirSync(path.join(cwd, 'out')).sort(), ['release.yaml', 'sources.yaml']);
  for (const f of ['release.yaml', 'sources.yaml']) assert.equal(readFileSync(path.join(cwd, 'out', f), 'utf8'), readFileSync(path.join(deploy, f), 'utf8'));
}

test('the npm tarball holds the bundles, bin/, the docs and the licences, and declares no dependencies', () => {
  const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  const entries = list.stdout
    .trim()
    .split('\n')
    .map((e) => e.replace(/^package\//, ''))
    .sort();
  // The CLI's code is in chunks loaded per command (dist/cli/*.mjs, names hashed); dist/cli.js starts it.
  const chunks = entries.filter((e) => /^dist\/cli\/[\w-]+\.mjs$/.test(e));
  assert.ok(chunks.includes('dist/cli/main.mjs'), 'the CLI entry chunk ships');
  assert.deepEqual(
    entries.filter((e) => !chunks.includes(e)),
    [
      'LICENSE',
      'README.md',
      'bin/flux-oci',
      'bin/flux-oci-language-server',
      'bin/nodeVersion.js',
      'bin/serverLaunch.js',
      'bin/serverNodeFlags.json',
      'dist/THIRD-PARTY-NOTICES.md',
      'dist/cli.js',
      'dist/server.js',
      'package.json',
      'schemas/ATTRIBUTION.md',
      'schemas/releases/ATTRIBUTION.md',
    ],
  );
  const size = statSync(tarball).size;
  assert.ok(size < 4 * 1024 * 1024, `the tarball is small (${(size / 1024).toFixed(0)} KiB)`);
  const manifest = JSON.parse(spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout) as Record<string, unknown>;
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies'])
    assert.equal(manifest[field], undefined, `no ${field}`);
  assert.equal(manifest['private'], undefined, 'publishable');
  const notices = readFileSync(path.join(repoRoot, 'dist/THIRD-PARTY-NOTICES.md'), 'utf8');
  for (const bundled of ['yaml@', 'undici@', 'vscode-languageserver@', '@sigstore/verify@'])
    assert.ok(notices.includes(`## ${bundled}`), `${bundled} is credited`);
});

test('every artifact has a sha256 file sha256sum can check', () => {
  for (const name of [path.basename(tarball), path.basename(binary)]) {
    const line = readFileSync(path.join(release, `${name}.sha256`), 'utf8');
    const hash = createHash('sha256')
      .update(readFileSync(path.join(release, name)))
      .digest('hex');
    assert.equal(line, `${hash}  ${name}\n`);
  }
  const r = spawnSync('sha256sum', ['-c', `${path.basename(tarball)}.sha256`, `${path.basename(binary)}.sha256`], { cwd: release, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

const nodes: Array<{ label: string; node: string; version: string }> = [
  { label: 'Node 24', node: process.execPath, version: process.version },
  { label: `Node ${node22Version}`, node: node22, version: `v${node22Version}` },
];

for (const { label, node, version } of nodes) {
  test(`the npm package under ${label}: npx check in an empty folder, npm install -g, the language server over stdio, push and pull`, async (t) => {
    if (!existsSync(node)) {
      const msg = `Node ${node22Version} is not installed; run: bash scripts/node22.sh`;
      if (process.env['CI']) throw new Error(`${msg} (CI must install it)`);
      t.skip(msg);
      return;
    }
    const nodeDir = path.dirname(node);
    const home = emptyFolder(`npm-${version}`);
    const env = npmEnv(home, nodeDir);
    const which = spawnSync('node', ['--version'], { env, encoding: 'utf8' });
    assert.equal(which.stdout.trim(), version, 'the PATH gives this Node');

    // npx in an empty folder holding only the files to check (npx flux-oci@<version> check . once published).
    const work = emptyFolder(`npm-${version}/work`);
    for (const f of readdirSync(fixtures)) copyFileSync(path.join(fixtures, f), path.join(work, f));
    checkOutput(await runProcess('npx', ['--yes', `--package=${tarball}`, '--', 'flux-oci', 'check', '.'], { cwd: work, env }));

    // npm install -g, as for an editor or a CI image: one package, nothing fetched.
    const prefix = path.join(home, 'global');
    const install = await runProcess('npm', ['install', '--global', '--prefix', prefix, tarball], { cwd: home, env });
    assert.equal(install.code, 0, install.stdout + install.stderr);
    assert.match(install.stdout, /added 1 package\b/, install.stdout);
    const installed = userEnv(home, [path.join(prefix, 'bin'), nodeDir, '/usr/bin', '/bin']);

    const v = await runProcess('flux-oci', ['--version'], { cwd: work, env: installed });
    assert.deepEqual([v.code, v.stdout], [0, `flux-oci ${pkg.version}\n`]);
    const sv = await runProcess('flux-oci-language-server', ['--version'], { cwd: work, env: installed });
    assert.deepEqual([sv.code, sv.stdout], [0, `flux-oci-language-server ${pkg.version}\n`]);
    const lv = await runProcess('flux-oci', ['language-server', '--version'], { cwd: work, env: installed });
    assert.deepEqual([lv.code, lv.stdout], [0, `flux-oci-language-server ${pkg.version}\n`], 'flux-oci language-server, as with the single executable');
    checkOutput(await runProcess('flux-oci', ['check', '.'], { cwd: work, env: installed }));
    const usage = await runProcess('flux-oci', ['no-such-command'], { cwd: work, env: installed });
    assert.equal(usage.code, 2, 'usage errors exit 2');

    // The README's editor configuration: cmd = { 'flux-oci-language-server', '--stdio' }.
    await lspRoundTrip('flux-oci-language-server', ['--stdio'], home, installed);

    if (skipRegistry) return t.diagnostic(`push/pull skipped: ${skipRegistry}`);
    await pushPull('flux-oci', [], emptyFolder(`npm-${version}/ci`), installed, `npm-node${version.split('.')[0]!.slice(1)}`);
  });
}

test('the single executable on a PATH without Node: same commands, output and exit codes as node dist/cli.js; serves LSP; pushes and pulls', async (t) => {
  const home = emptyFolder('binary');
  const bin = path.join(home, 'bin');
  mkdirSync(bin);
  copyFileSync(binary, path.join(bin, 'flux-oci'));
  chmodSync(path.join(bin, 'flux-oci'), 0o755);
  symlinkSync('flux-oci', path.join(bin, 'flux-oci-language-server'));
  const env = userEnv(home, [bin]);
  const node = spawnSync('/bin/sh', ['-c', 'command -v node'], { env, encoding: 'utf8' });
  assert.deepEqual([node.status === 0, node.stdout], [false, ''], 'no node on this PATH');
  const exe = path.join(bin, 'flux-oci');

  const work = emptyFolder('binary/work');
  for (const f of readdirSync(fixtures)) copyFileSync(path.join(fixtures, f), path.join(work, f));
  const v = await runProcess(exe, ['--version'], { cwd: work, env });
  assert.deepEqual([v.code, v.stdout, v.stderr], [0, `flux-oci ${pkg.version}\n`, ''], 'no experimental-feature warning either');
  checkOutput(await runProcess(exe, ['check', '.'], { cwd: work, env }));

  // The same answers as the bundle under Node, exit codes included.
  const cases = [
    ['--help'],
    [],
    ['no-such-command'],
    ['check', '--format', 'json', 'release.yaml'],
    ['check', '--format', 'sarif', '.'],
    ['check', '--format', 'nope', '.'],
    ['push', 'artifact', '--help'],
    ['pull', 'artifact'],
  ];
  for (const args of cases) {
    const ours = await runProcess(exe, args, { cwd: work, env });
    const bundle = await runProcess(process.execPath, [path.join(repoRoot, 'dist/cli.js'), ...args], { cwd: work, env });
    assert.deepEqual(
      { code: ours.code, stdout: ours.stdout, stderr: ours.stderr },
      { code: bundle.code, stdout: bundle.stdout, stderr: bundle.stderr },
      `flux-oci ${args.join(' ')}`,
    );
  }

  const sv = await runProcess(path.join(bin, 'flux-oci-language-server'), ['--version'], { cwd: work, env });
  assert.deepEqual([sv.code, sv.stdout], [0, `flux-oci-language-server ${pkg.version}\n`]);
  // Both ways to start the server: `flux-oci language-server`, and a link named flux-oci-language-server.
  await lspRoundTrip(exe, ['language-server', '--stdio'], emptyFolder('binary/lsp1'), env);
  await lspRoundTrip('flux-oci-language-server', ['--stdio'], emptyFolder('binary/lsp2'), env);

  if (skipRegistry) return t.diagnostic(`push/pull skipped: ${skipRegistry}`);
  await pushPull(exe, [], emptyFolder('binary/ci'), env, 'binary');
});
