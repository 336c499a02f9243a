// A FluxInstance that syncs the cluster from an OCI artifact (issue 10, part 3a), through the
// real language server over stdio against a real registry (Debian's docker-registry on
// 127.0.0.1) seeded with our CLI and signed with the real cosign:
// - completion in `spec.sync.ref` offers the repository's tags, newest first, like an
//   OCIRepository's `spec.ref.tag` (the operator reads that string as a tag; sha256: pins);
// - `spec.sync` has no `verify` field, so nothing checks a signature before Flux deploys: the
//   hover says so, and what signatures the registry holds for the digest (information only,
//   never a diagnostic).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { peerBinary } from '../peers/goPeers.ts';
import { LspClient, cursor } from '../helpers/lspClient.ts';
import { at, eventually, seed, type Seeded } from '../resolution/stories.ts';
import { cosignSign, generateKeyPair } from '../signatures/signingPeers.ts';
import { fluxInstanceYaml } from './fluxInstance.ts';

const cosignBin = peerBinary('cosign');
const skip = !dockerRegistryAvailable()
  ? 'docker-registry is not installed (apt-get install docker-registry)'
  : !cosignBin
    ? 'cosign is not built; run: bash scripts/peers/build.sh cosign'
    : false;

const markdown = (h: Hover | null): string => (h ? (h.contents as MarkupContent).value : '');

const fluxInstance = (url: string, ref: string): string => fluxInstanceYaml({ sync: { url, ref } });

describe('FluxInstance spec.sync from an OCI artifact, against a local registry', { skip }, () => {
  let registry: StartedRegistry;
  let lsp: LspClient;
  let dir: string;
  let signed: Seeded;
  let unsigned: Seeded;
  let n = 0;

  before(async () => {
    registry = await startRegistry();
    dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-instance-sync-'));
    signed = await seed(registry.host, 'fleet/clusters', ['v1.0.0', 'v1.1.0', 'v2.0.0'], { latest: 'v2.0.0' });
    unsigned = await seed(registry.host, 'fleet/unsigned', ['v1.0.0']);
    const keys = await generateKeyPair(cosignBin!, dir, 'cosign');
    await cosignSign(cosignBin!, dir, `${registry.host}/fleet/clusters@${signed.digests['v2.0.0']}`, { key: keys.key, bundle: true });
    lsp = await LspClient.start();
  });

  after(async () => {
    await lsp?.stop();
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function open(text: string): string {
    const uri = `file:///work/instance-${++n}.yaml`;
    lsp.open(uri, text);
    return uri;
  }

  test('completion in spec.sync.ref lists the tags, newest first', async () => {
    const { text, position } = cursor(fluxInstance(`oci://${registry.host}/fleet/clusters`, '|'));
    const uri = open(text);
    const labels = await eventually(async () => {
      const items = await lsp.completion(uri, position);
      const tags = items.map((i) => i.label).filter((l) => /^v\d|latest/.test(l));
      return tags.length >= 4 ? tags : undefined;
    }, 'tag completion');
    assert.deepEqual(labels.slice(0, 3), ['v2.0.0', 'v1.1.0', 'v1.0.0']);
    assert.ok(labels.includes('latest'), labels.join(', '));
  });

  test('completion of the tag in spec.distribution.artifact: after its colon, or appended with one', async () => {
    const url = `oci://${registry.host}/fleet/clusters`;
    const withArtifact = (artifact: string) => fluxInstanceYaml({ artifact, sync: { url, ref: 'latest' } });
    for (const [written, prefix] of [
      [`${url}:v1|`, ''],
      [`${url}|`, ':'],
    ] as const) {
      const { text, position } = cursor(withArtifact(written));
      const uri = open(text);
      const items = await eventually(async () => {
        const got = (await lsp.completion(uri, position)).filter((i) => /^v\d/.test(i.label));
        return got.length >= 3 ? got : undefined;
      }, `tag completion in ${written}`);
      assert.deepEqual(
        items.slice(0, 3).map((i) => (i.textEdit && 'range' in i.textEdit ? i.textEdit.newText : i.insertText)),
        ['v2.0.0', 'v1.1.0', 'v1.0.0'].map((t) => prefix + t),
      );
      const edit = items[0]!.textEdit as { range: { start: { character: number }; end: { character: number } } };
      // the tag part only: the repository stays as written
      assert.equal(edit.range.end.character, position.character);
      assert.equal(edit.range.start.character, position.character - (prefix ? 0 : 2));
    }
  });

  test('the hover says the sync is not verified and that the registry holds a cosign signature for the resolved digest', async () => {
    const text = fluxInstance(`oci://${registry.host}/fleet/clusters`, 'latest');
    const uri = open(text);
    const md = await eventually(async () => {
      const m = markdown(await lsp.hover(uri, at(text, 'url: oci://')));
      return m.includes('The registry holds') ? m : undefined;
    }, 'hover with signature presence');
    assert.ok(md.includes(signed.digests['v2.0.0']!), md);
    assert.match(md, /\*\*Signature:\*\* not verified by Flux\. FluxInstance `spec\.sync` has no `verify` field/);
    assert.match(md, /The registry holds 1 cosign signature \(Sigstore bundle\) for this digest/);
    // republished with the resolution known: still no signature diagnostic (information lives in the hover)
    const republished = lsp.diagnostics(uri, 2);
    lsp.replaceAll(uri, text);
    const diags = await republished;
    assert.deepEqual(
      diags.filter((d) => String(d.code).startsWith('signature/')),
      [],
    );
  });

  test('an unsigned artifact: the hover says the registry holds no signature', async () => {
    const text = fluxInstance(`oci://${registry.host}/fleet/unsigned`, 'v1.0.0');
    const uri = open(text);
    const md = await eventually(async () => {
      const m = markdown(await lsp.hover(uri, at(text, 'ref: v1')));
      return m.includes('The registry holds') ? m : undefined;
    }, 'hover with no signature');
    assert.ok(md.includes(unsigned.digests['v1.0.0']!), md);
    assert.match(md, /The registry holds no cosign or Notation signature for this digest/);
  });

  test('a kustomize patch that may add verify to the generated OCIRepository: the hover does not claim either way', async () => {
    const patched = `${fluxInstance(`oci://${registry.host}/fleet/clusters`, 'latest')}  kustomize:
    patches:
      - target:
          kind: OCIRepository
        patch: |
          - op: add
            path: /spec/verify
            value:
              provider: cosign
`;
    const uri = open(patched);
    const md = await eventually(async () => {
      const m = markdown(await lsp.hover(uri, at(patched, 'url: oci://')));
      return m.includes('The registry holds') ? m : undefined;
    }, 'hover of a patched sync');
    assert.match(
      md,
      /\*\*Signature:\*\* not known\. FluxInstance `spec\.sync` has no `verify` field, but a `spec\.kustomize\.patches` entry mentions `verify`/,
    );
    assert.match(md, /The registry holds 1 cosign signature/);
  });
});
