// npm run test:e2e: builds, packs the VSIX and runs the end-to-end stories in a real
// VS Code (code-server + Chromium driven by Playwright). Extra arguments go to node --test.
// Tools come from scripts/e2e/install.sh (cache outside the repo); with CI=true a missing
// tool fails the run instead of skipping it.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
const vsix = path.join(root, 'test-output', 'e2e', 'flux-oci-e2e.vsix');
const run = (args) => spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env: { ...process.env, FLUX_OCI_E2E_VSIX: vsix } });

mkdirSync(path.dirname(vsix), { recursive: true });
let r = run(['scripts/package.mjs', '--out', vsix]);
if (r.status !== 0) process.exit(r.status ?? 1);
const files = process.argv.slice(2).length ? process.argv.slice(2) : ['test/e2e/vscode.test.ts', 'test/e2e/artifactDiff.test.ts'];
r = run(['--test', '--test-concurrency=1', ...files]);
process.exit(r.status ?? 1);
