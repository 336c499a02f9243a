// The story of someone editing an OCIRepository while CI pushes artifacts to a
// real registry (Debian's docker-registry on 127.0.0.1): the editor shows what
// Flux will deploy, completes tags, digests and ranges, warns about refs Flux
// cannot resolve, and rewrites refs (pin, upgrade, tag → range). Everything goes
// through the real language server over stdio JSON-RPC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CodeAction, Diagnostic, Hover, InlayHint, MarkupContent } from 'vscode-languageserver-protocol';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { LspClient } from '../helpers/lspClient.ts';
import { applyEdits, at, eventually, ociRepository, seed, type Seeded } from './stories.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
let registry: StartedRegistry;
let lsp: LspClient;
let app: Seeded;
let chart: Seeded;
let docCount = 0;

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  app = await seed(registry.host, 'team/app', ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v2.0.0-rc.1', 'not-semver'], { latest: 'v1.2.0', 'v1.2': 'v1.2.0' });
  chart = await seed(registry.host, 'team/chart', ['1.0.0', '1.1.0_build.7']);
  lsp = await LspClient.start();
});
after(async () => {
  await lsp?.stop();
  await registry?.stop();
});

function open(text: string): string {
  const uri = `file:///work/resolution-${++docCount}.yaml`;
  lsp.open(uri, text);
  return uri;
}

function message(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function markdown(h: Hover | null): string {
  return h ? (h.contents as MarkupContent).value : '';
}

/** Hovers until the answer is no longer "resolving" (the first hover may arrive before the registry answered). */
async function resolvedHover(uri: string, text: string, needle: string): Promise<string> {
  return eventually(async () => {
    const m = markdown(await lsp.hover(uri, at(text, needle)));
    return m && !m.includes('Resolving') ? m : undefined;
  }, `hover on ${needle}`);
}

/** The latest diagnostics published for `uri` once they satisfy `test` (already published, or still to come). */
function latestDiagnostics(uri: string, test: (ds: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
  return eventually(
    async () => {
      const last = [...lsp.published].reverse().find((p) => p.uri === uri);
      return last && test(last.diagnostics) ? last.diagnostics : undefined;
    },
    `diagnostics of ${uri}`,
    15_000,
  );
}

function registryDiagnostics(uri: string, code?: string): Promise<Diagnostic[]> {
  return latestDiagnostics(uri, (ds) => ds.some((d) => String(d.code).startsWith('registry/') && (!code || d.code === code)));
}

async function inlayHints(uri: string): Promise<InlayHint[]> {
  return eventually(async () => {
    const hints = await lsp.connection.sendRequest<InlayHint[] | null>('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } },
    });
    return hints && hints.length ? hints : undefined;
  }, 'inlay hints');
}

test('a semver range: hover shows the tag Flux picks, its digest, annotations, size and the other versions in range', { skip }, async () => {
  const text = ociRepository(`oci://${registry.host}/team/app`, { semver: '>=1.0.0 <2.0.0' });
  const uri = open(text);
  const md = await resolvedHover(uri, text, 'semver:');
  assert.match(md, /Flux will deploy/);
  assert.ok(md.includes(`team/app:v1.2.0@${app.digests['v1.2.0']}`), md);
  assert.match(md, /revision \| v1\.2\.0@sha1:0123abcd/);
  assert.match(md, /source \| https:\/\/github\.com\/org\/team\/app/);
  assert.match(md, /created \| \d{4}-\d\d-\d\dT/);
  assert.match(md, /size \| [\d.]+ (B|KiB) \(1 layer\)/);
  assert.match(md, /Also in range \(2\): `v1\.1\.0`, `v1\.0\.0`/);
  // The schema documentation of the field is still there, below.
  assert.match(md, /---/);
  const hints = await inlayHints(uri);
  assert.equal(hints[0]!.label, `→ v1.2.0@${app.digests['v1.2.0']!.slice(0, 19)}…`);
  assert.equal(hints[0]!.position.line, at(text, 'semver:').line);
  assert.match(String(hints[0]!.tooltip), new RegExp(app.digests['v1.2.0']!));
});

test('hover on the url of an OCIRepository without ref says Flux uses latest', { skip }, async () => {
  const text = ociRepository(`oci://${registry.host}/team/app`, undefined);
  const uri = open(text);
  const md = await resolvedHover(uri, text, 'url:');
  assert.match(md, /no ref set, so Flux uses the tag `latest`/);
  assert.ok(md.includes(`team/app:latest@${app.digests['v1.2.0']}`), md);
});

test('precedence: a digest wins over semver and tag, and hover names the tags at that digest', { skip }, async () => {
  const text = ociRepository(`oci://${registry.host}/team/app`, { digest: app.digests['v1.2.0']!, semver: '>=1.0.0', tag: 'v1.2.0' });
  const uri = open(text);
  const md = await resolvedHover(uri, text, 'digest:');
  assert.match(md, /pinned by `ref.digest`/);
  assert.match(md, /Tags at this digest: .*`v1\.2\.0`/);
  assert.match(md, /`latest`/);
  assert.doesNotMatch(md, /Also in range/);
});

test('precedence: semver wins over tag', { skip }, async () => {
  const text = ociRepository(`oci://${registry.host}/team/app`, { semver: '1.0.x', tag: 'v1.2.0' });
  const uri = open(text);
  const md = await resolvedHover(uri, text, 'semver:');
  assert.ok(md.includes(`team/app:v1.0.0@${app.digests['v1.0.0']}`), md);
});

test('prereleases: hidden unless the range has one; -0 admits them; one prerelease comparator in an AND group is enough', { skip }, async () => {
  const hidden = ociRepository(`oci://${registry.host}/team/app`, { semver: '>=2.0.0' });
  const d = await registryDiagnostics(open(hidden), 'registry/semver-no-match');
  const noMatch = d.find((x) => x.code === 'registry/semver-no-match')!;
  assert.equal(noMatch.severity, 2);
  assert.match(message(noMatch), /no tag of .* matches semver >=2\.0\.0/);
  assert.match(message(noMatch), /nearest versions: v2\.0\.0-rc\.1/);
  assert.match(message(noMatch), /v2\.0\.0-rc\.1 is a prerelease/);
  assert.equal(noMatch.range.start.line, at(hidden, 'semver:').line);

  const withZero = ociRepository(`oci://${registry.host}/team/app`, { semver: '>=1.0.0-0' });
  assert.ok((await resolvedHover(open(withZero), withZero, 'semver:')).includes(':v2.0.0-rc.1@'));

  const andGroup = ociRepository(`oci://${registry.host}/team/app`, { semver: '>1.0.0-alpha <3' });
  assert.ok((await resolvedHover(open(andGroup), andGroup, 'semver:')).includes(':v2.0.0-rc.1@'));

  const orGroup = ociRepository(`oci://${registry.host}/team/app`, { semver: '>=1.2.0-alpha <1.2.0 || >=2.0.0' });
  assert.ok(markdown(await lsp.hover(open(orGroup), at(orGroup, 'semver:'))) !== '');
  const orMd = await eventually(async () => {
    const m = markdown(await lsp.hover(`file:///work/resolution-${docCount}.yaml`, at(orGroup, 'semver:')));
    return m.includes('Resolving') ? undefined : m;
  }, 'or-group hover');
  // The prerelease comparator is in the other || group, so v2.0.0-rc.1 stays hidden: nothing matches.
  assert.match(orMd, /no tag of .* matches semver/);
});

test('semverFilter is an unanchored RE2 applied before parsing; a filter that keeps nothing is reported', { skip }, async () => {
  const filtered = ociRepository(`oci://${registry.host}/team/app`, { semver: '*', semverFilter: '1\\.1' });
  assert.ok((await resolvedHover(open(filtered), filtered, 'semver:')).includes(':v1.1.0@'));

  const excludesAll = ociRepository(`oci://${registry.host}/team/app`, { semver: '*', semverFilter: '^release-' });
  const d = await registryDiagnostics(open(excludesAll), 'registry/filter-excludes-all');
  const diag = d.find((x) => x.code === 'registry/filter-excludes-all')!;
  assert.match(message(diag), /semverFilter '\^release-' excludes all 7 tags/);
  assert.equal(diag.range.start.line, at(excludesAll, 'semverFilter:').line);
});

test('Helm chart layers: _ in a tag reads as + and the original tag is returned', { skip }, async () => {
  const helm = ociRepository(
    `oci://${registry.host}/team/chart`,
    { semver: '>=1.0.0' },
    'layerSelector:\n  mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip\n  operation: copy',
  );
  const uri = open(helm);
  const md = await resolvedHover(uri, helm, 'semver:');
  assert.ok(md.includes(`team/chart:1.1.0_build.7@${chart.digests['1.1.0_build.7']}`), md);
  // Our test artifacts carry Flux content, not a chart: Flux would fail to find the chart layer, and we say so.
  const d = await registryDiagnostics(uri, 'registry/layer-not-found');
  assert.match(message(d.find((x) => x.code === 'registry/layer-not-found')!), /no layer of media type application\/vnd\.cncf\.helm\.chart\.content/);

  const plain = ociRepository(`oci://${registry.host}/team/chart`, { semver: '>=1.0.0' });
  assert.ok((await resolvedHover(open(plain), plain, 'semver:')).includes(`team/chart:1.0.0@`));
});

test('a tag that does not exist is a warning naming the nearest tags, with fixes', { skip }, async () => {
  const text = ociRepository(`oci://${registry.host}/team/app`, { tag: 'v1.9.0' });
  const uri = open(text);
  const d = (await registryDiagnostics(uri, 'registry/tag-not-found')).find((x) => x.code === 'registry/tag-not-found')!;
  assert.equal(d.severity, 2);
  assert.match(message(d), /tag v1\.9\.0 is not in 127\.0\.0\.1:\d+\/team\/app \(nearest tags: v1\.2\.0, v1\.1\.0, v1\.0\.0\)/);
  const actions = await lsp.codeActions(uri, d.range, [d]);
  const use = actions.find((a) => a.title === 'Use tag v1.2.0')!;
  assert.ok(use, actions.map((a) => a.title).join('; '));
  assert.match(applyEdits(text, use.edit!.changes![uri]!), /tag: "v1\.2\.0"/);
});

test('a digest the repository does not have is a warning', { skip }, async () => {
  const missing = `sha256:${'0'.repeat(64)}`;
  const text = ociRepository(`oci://${registry.host}/team/app`, { digest: missing });
  const d = (await registryDiagnostics(open(text), 'registry/digest-not-found')).find((x) => x.code === 'registry/digest-not-found')!;
  assert.match(message(d), /digest sha256:000000000000 is not in .*team\/app/);
  assert.equal(d.range.start.line, at(text, 'digest:').line);
});

test('a tag pinned next to a digest that has moved on is a warning, fixed by re-pinning', { skip }, async () => {
  const text = ociRepository(`oci://${registry.host}/team/app`, { tag: 'v1.1.0', digest: app.digests['v1.0.0']! });
  const uri = open(text);
  const d = (await registryDiagnostics(uri, 'registry/tag-moved')).find((x) => x.code === 'registry/tag-moved')!;
  assert.match(message(d), /Tag v1\.1\.0 now points at sha256:[a-f0-9]{12}…, not at the pinned digest/);
  const actions = await lsp.codeActions(uri, d.range, [d]);
  const repin = actions.find((a) => a.title.startsWith('Pin to'))!;
  assert.equal(repin.isPreferred, true);
  assert.ok(applyEdits(text, repin.edit!.changes![uri]!).includes(`digest: "${app.digests['v1.1.0']}"`));
});

test('refactorings on a tag: pin to digest (ref.digest beside the tag), upgrade within the major, turn into a range', { skip }, async () => {
  const text = ociRepository(`oci://${registry.host}/team/app`, { tag: 'v1.1.0' });
  const uri = open(text);
  await resolvedHover(uri, text, 'tag:');
  const actions: CodeAction[] = await lsp.codeActions(uri, { start: at(text, 'tag:'), end: at(text, 'tag:') }, []);
  const titles = actions.map((a) => a.title);
  const pin = actions.find((a) => a.title.startsWith('Pin v1.1.0 to its digest'));
  assert.ok(pin, titles.join('; '));
  const pinned = applyEdits(text, pin.edit!.changes![uri]!);
  assert.ok(pinned.includes(`    tag: "v1.1.0"\n    digest: ${app.digests['v1.1.0']}\n`), pinned);
  assert.ok(!pinned.includes('@sha256'), 'the url keeps no tag@digest');

  const upgrade = actions.find((a) => a.title.startsWith('Upgrade to v1.2.0'));
  assert.ok(upgrade, titles.join('; '));
  assert.ok(applyEdits(text, upgrade.edit!.changes![uri]!).includes('tag: "v1.2.0"'));

  const range = actions.find((a) => a.title.includes('semver range'));
  assert.ok(range, titles.join('; '));
  assert.ok(applyEdits(text, range.edit!.changes![uri]!).includes('    semver: "^1.1.0"\n'));
});

test('completion of tags (semver order, newest first, with created dates), digests and ranges', { skip }, async () => {
  const base = ociRepository(`oci://${registry.host}/team/app`, { tag: 'x' });
  const text = base.replace('tag: "x"', 'tag: ');
  const uri = open(text);
  const pos = { line: at(text, 'tag:').line, character: '    tag: '.length };
  const labels = await eventually(async () => {
    const items = await lsp.completion(uri, pos);
    return items.some((i) => i.detail?.startsWith('created')) ? items : undefined;
  }, 'tag completion with dates');
  const tags = labels.map((i) => i.label);
  assert.deepEqual(tags.slice(0, 4), ['v2.0.0-rc.1', 'v1.2.0', 'v1.1.0', 'v1.0.0']);
  assert.ok(tags.includes('latest') && tags.includes('not-semver'));
  assert.match(labels[0]!.detail!, /^created \d{4}-/);

  const digestText = text.replace('tag: ', 'digest: ');
  const duri = open(digestText);
  const digests = await eventually(async () => {
    const items = await lsp.completion(duri, { line: pos.line, character: '    digest: '.length });
    return items.length >= 4 ? items : undefined;
  }, 'digest completion');
  assert.ok(digests.some((i) => i.label === app.digests['v1.2.0'] && i.detail?.startsWith('v1.2.0')));

  const semverText = text.replace('tag: ', 'semver: ');
  const suri = open(semverText);
  const ranges = await lsp.completion(suri, { line: pos.line, character: '    semver: '.length });
  const caret = ranges.find((i) => i.label === '^1.2.0');
  assert.ok(caret, ranges.map((i) => i.label).join(', '));
  assert.match(caret.detail!, /→ v1\.2\.0/);
  assert.match(ranges.find((i) => i.label === '>=1.2.0-0')!.detail!, /→ v2\.0\.0-rc\.1/);
});

test('the refresh command forgets cached answers: a tag pushed later is found', { skip }, async () => {
  const text = ociRepository(`oci://${registry.host}/team/late`, { tag: 'v1.0.0' });
  const uri = open(text);
  await registryDiagnostics(uri, 'registry/tag-not-found');
  await seed(registry.host, 'team/late', ['v1.0.0']);
  await lsp.connection.sendRequest('workspace/executeCommand', { command: 'flux-oci.refreshResolution', arguments: [] });
  const md = await resolvedHover(uri, text, 'tag:');
  assert.match(md, /team\/late:v1\.0\.0@sha256:/);
  await latestDiagnostics(uri, (ds) => !ds.some((d) => d.code === 'registry/tag-not-found'));
});
