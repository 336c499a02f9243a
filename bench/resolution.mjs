// Live resolution latency, as an editor sees it: hover on an OCIRepository's
// `ref.semver` over LSP (stdio JSON-RPC) against a real docker-registry on
// 127.0.0.1. Cold = caches dropped with flux-oci.refreshResolution before each
// hover (new connection, scheme detection, tags/list, manifest GET); cached =
// the same hover again. Beside it, a peer doing the same lookup by hand:
// `skopeo list-tags` then `skopeo inspect --raw` of the chosen tag.
// Usage: npm run bench:resolution [-- --tags 12 --cold 15 --cached 200]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { dockerRegistryAvailable, startRegistry } from '../test/peers/registry.ts';
import { LspClient } from '../test/helpers/lspClient.ts';
import { at, ociRepository, seed } from '../test/resolution/stories.ts';

const { values } = parseArgs({
  options: { tags: { type: 'string', default: '12' }, cold: { type: 'string', default: '15' }, cached: { type: 'string', default: '200' } },
});
const tagCount = Number(values.tags);
const coldRuns = Number(values.cold);
const cachedRuns = Number(values.cached);

if (!dockerRegistryAvailable()) {
  console.error('docker-registry is not installed (apt-get install docker-registry); nothing to measure');
  process.exit(1);
}

function pct(samples, p) {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const fmt = (ms) => `${ms.toFixed(1)} ms`;

const registry = await startRegistry();
let lsp;
try {
  const tags = Array.from({ length: tagCount }, (_, i) => `v1.${i}.0`);
  process.stderr.write(`seeding ${tags.length} tags with flux-oci push artifact...\n`);
  await seed(registry.host, 'bench/app', tags);
  lsp = await LspClient.start();
  const text = ociRepository(`oci://${registry.host}/bench/app`, { semver: '>=1.0.0 <2.0.0' });
  const uri = 'file:///bench/ocirepository.yaml';
  lsp.open(uri, text);
  const pos = at(text, 'semver:');
  const expected = `:v1.${tagCount - 1}.0@`;
  const hover = async () => {
    const t = performance.now();
    const h = await lsp.hover(uri, pos);
    const ms = performance.now() - t;
    const md = h?.contents?.value ?? '';
    if (!md.includes(expected)) throw new Error(`hover did not resolve (${md.slice(0, 200)})`);
    return ms;
  };
  await hover().catch(() => undefined); // warm the server's code paths once

  const cold = [];
  for (let i = 0; i < coldRuns; i++) {
    await lsp.connection.sendRequest('workspace/executeCommand', { command: 'flux-oci.refreshResolution', arguments: [] });
    cold.push(await hover());
  }
  const cached = [];
  for (let i = 0; i < cachedRuns; i++) cached.push(await hover());

  const peer = [];
  for (let i = 0; i < Math.min(coldRuns, 5); i++) {
    const t = performance.now();
    const list = spawnSync('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/bench/app`], { encoding: 'utf8' });
    if (list.status !== 0) break;
    const inspect = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/bench/app:v1.${tagCount - 1}.0`], {
      encoding: 'utf8',
    });
    if (inspect.status !== 0) break;
    peer.push(performance.now() - t);
  }

  console.log(`Live resolution over LSP, ${tagCount} tags, semver range, docker-registry on 127.0.0.1`);
  console.log('');
  console.log('| measure | runs | p50 | p95 |');
  console.log('|---|---|---|---|');
  console.log(`| flux-oci hover, cold (after refresh) | ${cold.length} | ${fmt(pct(cold, 50))} | ${fmt(pct(cold, 95))} |`);
  console.log(`| flux-oci hover, cached | ${cached.length} | ${fmt(pct(cached, 50))} | ${fmt(pct(cached, 95))} |`);
  if (peer.length) console.log(`| peer: skopeo list-tags + inspect --raw (by hand) | ${peer.length} | ${fmt(pct(peer, 50))} | ${fmt(pct(peer, 95))} |`);
  else console.log('| peer: skopeo not installed | - | - | - |');
} finally {
  await lsp?.stop();
  await registry.stop();
}
