// Builds everything: the shipped schemas, then one bundle per entry point.
// esbuild bundles so the VSIX, the npm package and the single executable carry no node_modules:
// every runtime library is a devDependency, inlined here. The licences of what was inlined are
// collected into dist/THIRD-PARTY-NOTICES.md, which ships with each of them.
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
process.chdir(root);

if (existsSync('scripts/generate-schemas.mjs')) {
  const r = spawnSync(process.execPath, ['scripts/generate-schemas.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

/**
 * undici's HTTP/1.1 client requires its HTTP/2 client at load time, and that loads node:http2 (and
 * node:tls with it): 20-30 ms and ~10 MiB at every start of a command that talks HTTP, though a
 * session only needs it once a server agrees on h2 over TLS (issue 18: start-up). Here client.js
 * gets a stand-in that loads the real module at its first call: same behaviour, paid only when used.
 */
const lazyHttp2 = {
  name: 'lazy-undici-http2',
  setup(b) {
    b.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) =>
      /undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/.test(args.importer)
        ? { path: path.join(args.resolveDir, 'client-h2.js'), namespace: 'lazy-h2' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-h2' }, (args) => ({
      contents: `module.exports = function connectH2(client, socket) { return require(${JSON.stringify(args.path)})(client, socket); };`,
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * @kubernetes/client-node's KubeConfig (config.js) takes two names from the generated client's
 * index, which loads every API client and ~800 model classes with them: ~1.5 MB of code, 40-60 ms
 * of every cluster command's start and of the language server's, for `makeApiClient`, which
 * flux-oci never calls (issue 18: start-up). Here config.js gets them from the modules that define
 * them: the same functions, without the rest.
 */
const kubeConfigAlone = {
  name: 'kube-config-alone',
  setup(b) {
    b.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) =>
      /@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/.test(args.importer)
        ? { path: path.join(args.resolveDir, 'gen', 'index.js'), namespace: 'kube-config-gen' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'kube-config-gen' }, (args) => ({
      contents: "export { createConfiguration } from './configuration.js';\nexport { ServerConfiguration } from './servers.js';\n",
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * @kubernetes/client-node imports undici's index for its Agent and ProxyAgent (config.js) and for
 * the generated client's fetch; the index loads fetch, the mocks and the cache stores with them,
 * ~20 ms of every cluster command's start (issue 18). Here its `undici` is a stand-in with the
 * same three names: the agents from the modules that define them, fetch loading the index at
 * its first call (makeApiClient's, which flux-oci never makes).
 */
const kubeUndiciParts = {
  name: 'kube-undici-parts',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) =>
      /@kubernetes[\\/]client-node[\\/]/.test(args.importer) ? { path: 'undici', namespace: 'kube-undici' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'kube-undici' }, () => ({
      contents: [
        "export { default as Agent } from 'undici/lib/dispatcher/agent.js';",
        "export { default as ProxyAgent } from 'undici/lib/dispatcher/proxy-agent.js';",
        "export function fetch(...args) { return require('undici').fetch(...args); }",
      ].join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

/**
 * In the CLI's ES module chunks, a built-in imported the ES module way (`import { readFile } from
 * 'node:fs'`) gets Node's ES module facade, which reads every export of the module at once:
 * node:fs then loads its streams (25 modules), node:crypto its WebCrypto, node:module its source
 * maps. Through `require` (the chunks' banner gives them one) only what is used is loaded.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    // Bare names too (`import * as http from "http"`, as agent-base and minio write them).
    const builtin = new RegExp(`^(node:.*|${builtinModules.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})$`);
    // One stand-in per importing file, not one per built-in: a stand-in shared by several commands
    // became a chunk of its own (a pull loaded eight such 400-byte modules, ~0.3 ms each); one
    // file's own stays in that file's chunk. Named by a hash of the file, so builds are repeatable.
    b.onResolve({ filter: builtin }, (args) =>
      args.kind === 'import-statement'
        ? { path: `${args.path}#${createHash('sha256').update(path.relative(root, args.importer)).digest('hex').slice(0, 8)}`, namespace: 'builtin-by-require' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path.replace(/#[0-9a-f]+$/, ''))});`,
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  plugins: [lazyHttp2, kubeConfigAlone, kubeUndiciParts],
  platform: 'node',
  // The oldest Node the npm package supports (package.json engines: ^22.22.2 || ^24.15.0 || >=26).
  target: 'node22',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
  // keep the output readable: stack traces from users should point somewhere sensible
  minify: false,
  // The one definition of the version is package.json's (server/src/version.ts reads it).
  define: { FLUX_OCI_VERSION: JSON.stringify(pkg.version) },
};

const results = await Promise.all([
  build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client/extension.js', external: ['vscode'] }),
  build({ ...common, entryPoints: ['server/src/main.ts'], outfile: 'dist/server.js' }),
  // The CLI in chunks (ES modules: esbuild splits only those), so each command loads only what it
  // needs: `pull artifact` leaves the linter, the schemas and sigstore on disk (issue 18: about
  // 45 MiB less memory and ~0.2 s less start-up than one 6.5 MB bundle). dist/cli.js starts it.
  build({
    ...common,
    format: 'esm',
    splitting: true,
    entryPoints: { main: 'server/src/cli/bin.ts' },
    outdir: 'dist/cli',
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    plugins: [lazyHttp2, kubeConfigAlone, kubeUndiciParts, builtinsByRequire],
    // The bundled CommonJS packages require node's built-ins; an ES module has no `require` of its own.
    // (process.getBuiltinModule, not an import of node:module: see builtinsByRequire.)
    banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
  }),
  // The CLI and the server in one script, for the single executable (scripts/sea.mjs).
  build({ ...common, entryPoints: ['server/src/sea.ts'], outfile: 'dist/sea.js' }),
  // The domain as a library: used by tests that check pure logic and by other tools.
  build({ ...common, entryPoints: ['server/src/domain/index.ts'], outfile: 'dist/domain.js' }),
  // The client↔server protocol, for the test that keeps docs/lsp-extensions.md current.
  build({ ...common, entryPoints: ['server/src/protocol/index.ts'], outfile: 'dist/protocol.js' }),
]);

writeNotices(results.slice(0, 4).map((r) => r.metafile));
writeCliEntry(results[2].metafile);
for (const r of results) for (const f of Object.keys(r.metafile.outputs)) if (/\.m?js$/.test(f)) oneByteSource(f);

/**
 * Output with no character above U+00FF: V8 keeps a script's source in memory (functions compile
 * lazily from it), one byte a character when it can, else two, and one such character in a comment
 * is enough. The language server's 7.5 MB of source then took 14.4 MiB of heap instead of 7.2
 * (its heap at rest 32.6 -> 25.4 MiB). esbuild writes code ASCII-only, so the characters left are
 * in comments kept from packages (undici's "request’s"): each UTF-16 unit becomes '?', which keeps
 * the source maps' columns. A file with such a character outside a comment is left as it is.
 */
function oneByteSource(file) {
  const text = readFileSync(file, 'utf8');
  const wide = /[^\x00-\xff]/;
  if (!wide.test(text)) return;
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const at = line.search(wide);
    if (at < 0) continue;
    const before = line.slice(0, at);
    const start = before.trimStart();
    if (!before.includes('//') && !start.startsWith('*') && !start.startsWith('/*')) {
      console.warn(`build: ${file}:${i + 1} has a character above U+00FF outside a comment; its source stays two bytes a character`);
      return;
    }
    lines[i] = line.replace(/[^\x00-\xff]/g, '?');
  }
  writeFileSync(`${file}.tmp`, lines.join('\n'));
  renameSync(`${file}.tmp`, file);
}

/**
 * dist/cli.js, the CLI's entry point (bin/flux-oci, `node dist/cli.js`), starts dist/cli/main.mjs;
 * chunks of earlier builds that this one did not write are removed, so none ships. Only those
 * older than two minutes: a build running beside this one (another shell) keeps its chunks.
 */
function writeCliEntry(meta) {
  const entry = 'dist/cli.js';
  writeFileSync(
    `${entry}.tmp`,
    "'use strict';\n// The flux-oci CLI: its code is in dist/cli/ (ES module chunks, loaded per command).\nimport('./cli/main.mjs');\n",
  );
  renameSync(`${entry}.tmp`, entry);
  rmSync(`${entry}.map`, { force: true });
  const written = new Set(Object.keys(meta.outputs).map((f) => path.resolve(f)));
  const before = Date.now() - 120_000;
  for (const f of readdirSync('dist/cli')) {
    const file = path.resolve('dist/cli', f);
    if (!written.has(file) && statSync(file, { throwIfNoEntry: false })?.mtimeMs < before) rmSync(file, { force: true });
  }
}

/** dist/THIRD-PARTY-NOTICES.md: name, version, licence and licence text of every package inlined. */
function writeNotices(metafiles) {
  const dirs = new Set();
  for (const meta of metafiles) {
    for (const input of Object.keys(meta.inputs)) {
      // A plugin's stand-in is named "namespace:path" (lazyHttp2); its package is the one of the path.
      const m = /^(?:[\w-]+:)?(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) dirs.add(m[1]);
    }
  }
  const packages = [...dirs]
    .map((dir) => ({ dir, ...JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
    .sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name < b.name ? -1 : 1));
  const seen = new Set();
  const parts = [
    '# Third-party notices',
    '',
    `flux-oci ${pkg.version} (${pkg.license}) bundles the following packages into dist/*.js.`,
    "The JSON schemas are generated from Flux's CRDs; see schemas/ATTRIBUTION.md.",
    '',
  ];
  for (const p of packages) {
    const key = `${p.name}@${p.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const license = typeof p.license === 'string' ? p.license : (p.license?.type ?? 'see the package');
    const file = readdirSync(p.dir).find((f) => /^(un)?licen[cs]e([-.][\w.-]+)?$|^copying/i.test(f));
    parts.push(`## ${key}`, '', `License: ${license}`, '');
    if (file) parts.push('```', readFileSync(path.join(p.dir, file), 'utf8').trim(), '```', '');
  }
  const out = 'dist/THIRD-PARTY-NOTICES.md';
  writeFileSync(`${out}.tmp`, parts.join('\n'));
  renameSync(`${out}.tmp`, out);
}
