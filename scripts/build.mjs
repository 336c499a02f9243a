// Builds everything: the shipped schemas, then one bundle per entry point.
// esbuild bundles so the VSIX and the npm package carry no node_modules.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
process.chdir(root);

if (existsSync('scripts/generate-schemas.mjs')) {
  const r = spawnSync(process.execPath, ['scripts/generate-schemas.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  // keep the output readable: stack traces from users should point somewhere sensible
  minify: false,
};

await Promise.all([
  build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client/extension.js', external: ['vscode'] }),
  build({ ...common, entryPoints: ['server/src/main.ts'], outfile: 'dist/server.js' }),
  build({ ...common, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js' }),
  // The domain as a library: used by tests that check pure logic and by other tools.
  build({ ...common, entryPoints: ['server/src/domain/index.ts'], outfile: 'dist/domain.js' }),
  // The client↔server protocol, for the test that keeps docs/lsp-extensions.md current.
  build({ ...common, entryPoints: ['server/src/protocol/index.ts'], outfile: 'dist/protocol.js' }),
]);
