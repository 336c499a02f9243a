// ArtifactGenerator (source.extensions.fluxcd.io/v1beta1) and the ExternalArtifacts it
// produces (issue 10, part 5), through the real language server over stdio: a real
// generator from fluxcd/flux2-kustomize-helm-example opens clean, gets completion and
// hover from its CRD, links both ways with the Kustomization that consumes its artifact,
// and the wrong group of the Flux 2.9 announcement's example is an error with a fix.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Diagnostic, Location, LocationLink } from 'vscode-languageserver-protocol';
import { LspClient, fileUri, repoRoot } from '../helpers/lspClient.ts';

const ERROR = 1;
const fixtures = path.join(repoRoot, 'test/fixtures/operator/flux2-kustomize-helm-example');

const text = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : String(d.message));
const uriOf = (l: Location | LocationLink): string => ('targetUri' in l ? l.targetUri : l.uri);
const startOf = (l: Location | LocationLink) => ('targetSelectionRange' in l ? l.targetSelectionRange.start : l.range.start);

/** The position of the n-th occurrence of `needle` in `text` (0-based line/character). */
function positionOf(body: string, needle: string, nth = 0): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = body.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not found`);
  const before = body.slice(0, at).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

describe('ArtifactGenerator and ExternalArtifact in the editor', () => {
  let ws: string;
  let client: LspClient;
  let generatorUri: string;
  let appsUri: string;
  let generator: string;
  let apps: string;

  before(async () => {
    ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-artifactgen-'));
    cpSync(fixtures, ws, { recursive: true });
    client = await LspClient.start({ workspaceFolders: [ws] });
    generator = readFileSync(path.join(ws, 'artifacts.yaml'), 'utf8');
    apps = readFileSync(path.join(ws, 'apps.yaml'), 'utf8');
    generatorUri = fileUri(path.join(ws, 'artifacts.yaml'));
    appsUri = fileUri(path.join(ws, 'apps.yaml'));
  });

  after(async () => {
    await client.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  test('a real ArtifactGenerator opens with no error; its CRD gives hover and completion', async () => {
    const pending = client.diagnostics(generatorUri, 1);
    client.open(generatorUri, generator);
    const diags = await pending;
    assert.deepEqual(diags.filter((d) => d.severity === ERROR).map(text), []);

    const hover = await client.hover(generatorUri, positionOf(generator, 'originRevision'));
    const shown = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
    assert.match(shown, /org\.opencontainers\.image\.revision/);

    // A copy item gets its `strategy` values from the CRD.
    const withStrategy = generator.replace('          to: "@artifact/"\n', '          to: "@artifact/"\n          strategy: \n');
    const version = client.replaceAll(generatorUri, withStrategy);
    await client.diagnostics(generatorUri, version);
    const at = positionOf(withStrategy, 'strategy: ');
    const items = await client.completion(generatorUri, { line: at.line, character: at.character + 'strategy: '.length });
    assert.deepEqual(items.map((i) => i.label).sort(), ['Extract', 'Merge', 'Overwrite']);
    await client.diagnostics(generatorUri, client.replaceAll(generatorUri, generator));
  });

  test('sourceRef of kind ExternalArtifact goes to the generator that produces it, and back', async () => {
    const pending = client.diagnostics(appsUri, 1);
    client.open(appsUri, apps);
    const diags = await pending;
    assert.deepEqual(diags.filter((d) => d.severity === ERROR).map(text), []);

    const ref = positionOf(apps, 'name: apps', 1);
    const defs = await client.definition(appsUri, { line: ref.line, character: ref.character + 7 });
    assert.equal(defs.length, 1, JSON.stringify(defs));
    assert.equal(uriOf(defs[0]!), generatorUri);
    assert.deepEqual(startOf(defs[0]!), { line: positionOf(generator, 'name: apps').line, character: positionOf(generator, 'name: apps').character + 6 });

    const decl = positionOf(generator, 'name: apps');
    const refs = await client.references(generatorUri, { line: decl.line, character: decl.character + 7 });
    assert.deepEqual(
      refs.map((r) => [r.uri, r.range.start.line]),
      [[appsUri, ref.line]],
    );
  });

  test('the generator reads its sources by name: definition on a source goes to it', async () => {
    const source = [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: GitRepository',
      'metadata:',
      '  name: flux-system',
      '  namespace: flux-system',
      'spec:',
      '  interval: 1m',
      '  url: https://github.com/fluxcd/flux2-kustomize-helm-example',
      '  ref:',
      '    branch: main',
      '',
    ].join('\n');
    const sourceUri = fileUri(path.join(ws, 'source.yaml'));
    const pending = client.diagnostics(sourceUri, 1);
    client.open(sourceUri, source);
    await pending;
    const at = positionOf(generator, 'name: flux-system', 1);
    const defs = await client.definition(generatorUri, { line: at.line, character: at.character + 8 });
    assert.deepEqual(defs.map(uriOf), [sourceUri]);
  });

  test('ArtifactGenerator under source.toolkit.fluxcd.io/v1beta1 is an error with a quick fix to source.extensions.fluxcd.io/v1beta1', async () => {
    const wrong = generator.replace('source.extensions.fluxcd.io/v1beta1', 'source.toolkit.fluxcd.io/v1beta1');
    const uri = fileUri(path.join(ws, 'wrong-group.yaml'));
    const pending = client.diagnostics(uri, 1);
    client.open(uri, wrong);
    const diags = await pending;
    assert.equal(diags.filter((d) => d.code === 'schema/unknown-kind').length, 0);
    const errors = diags.filter((d) => d.severity === ERROR);
    assert.equal(errors.length, 1, diags.map(text).join('\n'));
    assert.equal(errors[0]!.code, 'schema/wrong-api-group');
    assert.match(text(errors[0]!), /source\.extensions\.fluxcd\.io/);
    const actions = await client.codeActions(uri, errors[0]!.range, [errors[0]!]);
    const fix = actions.find((a) => /source\.extensions\.fluxcd\.io\/v1beta1/.test(a.title));
    const edits = fix?.edit?.changes?.[uri];
    assert.ok(edits?.length === 1, actions.map((a) => a.title).join(', '));
    assert.equal(edits[0]!.newText, 'source.extensions.fluxcd.io/v1beta1');
  });
});
