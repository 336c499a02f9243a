// npm run demo: a local docker-registry seeded with sample artifacts (pushed by our CLI),
// code-server with the packaged VSIX and a sample workspace whose OCIRepository points at
// that registry. Prints the address to open; Ctrl-C stops everything and removes the temp
// folders. Uses the same harness as the end-to-end suite.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRegistry } from '../../test/peers/registry.ts';
import { missingTools, startCodeServer } from '../../test/e2e/harness.ts';
import { makeSampleWorkspace, repoRoot } from '../../test/e2e/sampleWorkspace.ts';

const missing = missingTools();
if (missing) {
  console.error(`demo: ${missing}`);
  process.exit(1);
}
const vsix = process.argv[2]!;
const registry = await startRegistry();
const ws = makeSampleWorkspace(registry.host, mkdtempSync(path.join(tmpdir(), 'flux-oci-demo-')));
for (const v of ['1.0.0', '1.1.0', '1.2.0', '2.0.0']) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'flux-oci'), 'push', 'artifact', `oci://${registry.host}/flux-oci-demo/app:${v}`, '--path', 'deploy/app', '--annotations', `org.opencontainers.image.version=${v}`], { cwd: ws, encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: ws } });
  if (r.status !== 0) {
    console.error(`demo: seeding ${v} failed: ${r.stderr}`);
    await registry.stop();
    process.exit(1);
  }
}
const server = await startCodeServer({ vsix, workspace: ws, settings: { 'editor.quickSuggestions': { other: 'on', comments: 'off', strings: 'on' }, 'editor.suggestOnTriggerCharacters': true, 'editor.acceptSuggestionOnEnter': 'on', 'editor.autoIndent': 'advanced', '[yaml]': {}, 'editor.wordBasedSuggestions': 'off' } });
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log('\ndemo: stopping code-server and the registry');
  await server.stop();
  await registry.stop();
  rmSync(ws, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
console.log(`
Flux OCI demo is running.
  Open:      ${server.url}/?folder=${encodeURIComponent(ws)}
  Registry:  http://${registry.host} (flux-oci-demo/app: 1.0.0, 1.1.0, 1.2.0, 2.0.0)
  Workspace: ${ws}
Try: hover the url in clusters/dev/app-source.yaml, the quick fix on interval: 10 in
clusters/dev/app-sync.yaml, and "Flux OCI: Push Artifact" from the command palette.
Press Ctrl-C to stop.`);
