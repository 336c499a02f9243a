// The Gitless reference architecture's sources resolved in the editor (issue 10, parts 1-3),
// through the real language server over stdio against a real registry (Debian's
// docker-registry on 127.0.0.1, behind a logging proxy so we can see every request):
// - d1-fleet's flux-operator.yaml, whose OCIRepository lives inside a ResourceSet, resolves
//   on hover like a top-level one;
// - a ResourceSet whose url and tag are `<< inputs.x >>` resolves once per literal input set
//   of spec.inputs, and says which; an input that is not literal (`${VAR}`) and templates we
//   cannot evaluate are never sent to the registry (the proxy log shows it);
// - a FluxInstance's spec.sync of kind OCIRepository, and its spec.distribution.artifact,
//   resolve on hover.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { startFaultProxy, type FaultProxy } from '../peers/faultProxy.ts';
import { LspClient } from '../helpers/lspClient.ts';
import { realWorldCorpus } from '../helpers/corpus.ts';
import { at, eventually, seed, type Seeded } from '../resolution/stories.ts';
import { fluxInstanceYaml } from './fluxInstance.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
const d1FluxOperator = path.join(realWorldCorpus, 'controlplaneio-fluxcd__d1-fleet/clusters/prod-eu/flux-system/flux-operator.yaml');

const markdown = (h: Hover | null): string => (h ? (h.contents as MarkupContent).value : '');
const message = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

describe('OCI sources of Flux Operator objects, resolved against a local registry', { skip }, () => {
  let registry: StartedRegistry;
  let proxy: FaultProxy;
  let lsp: LspClient;
  let host: string;
  let operatorChart: Seeded;
  let teamA: Seeded;
  let fleet: Seeded;
  let n = 0;

  before(async () => {
    registry = await startRegistry();
    operatorChart = await seed(registry.host, 'controlplaneio-fluxcd/charts/flux-operator', ['0.40.0', '0.41.2']);
    teamA = await seed(registry.host, 'team-a/app', ['1.0.0', '1.2.0']);
    await seed(registry.host, 'team-b/app', ['2.0.0']);
    fleet = await seed(registry.host, 'fleet/clusters', ['v1'], { latest: 'v1' });
    // Every request the language server makes goes through the proxy, which logs it.
    proxy = await startFaultProxy({ host: '127.0.0.1', port: registry.port });
    host = `${'127.0.0.1'}:${proxy.port}`;
    lsp = await LspClient.start();
  });

  after(async () => {
    await lsp?.stop();
    await proxy?.stop();
    await registry?.stop();
  });

  function open(text: string): string {
    const uri = `file:///work/operator-${++n}.yaml`;
    lsp.open(uri, text);
    return uri;
  }

  async function resolvedHover(uri: string, text: string, needle: string, done: (md: string) => boolean = (md) => !md.includes('Resolving')): Promise<string> {
    return eventually(async () => {
      const md = markdown(await lsp.hover(uri, at(text, needle)));
      return md && done(md) ? md : undefined;
    }, `hover on ${needle}`);
  }

  test(
    "d1-fleet's flux-operator.yaml: no false error, and the OCIRepository inside the ResourceSet resolves on hover",
    { skip: existsSync(d1FluxOperator) ? false : `skipped: ${realWorldCorpus} is absent` },
    async () => {
      const text = readFileSync(d1FluxOperator, 'utf8').replace('oci://ghcr.io/', `oci://${host}/`);
      const uri = open(text);
      const diags = await lsp.diagnostics(uri, 1);
      assert.deepEqual(diags.filter((d) => d.severity === 1).map(message), []);
      const md = await resolvedHover(uri, text, 'url: oci://', (m) => m.includes('Flux will deploy') && !m.includes('Resolving'));
      assert.ok(md.includes(`flux-operator:0.41.2@${operatorChart.digests['0.41.2']}`), md);
      assert.match(md, /OCIRepository\.spec\.url/); // the schema hover of the embedded kind follows
    },
  );

  test('a templated url and tag resolve once per literal input set, each named; non-literal inputs and unevaluated templates never reach the registry', async () => {
    const text = [
      'apiVersion: fluxcd.controlplane.io/v1',
      'kind: ResourceSet',
      'metadata:',
      '  name: tenants',
      '  namespace: flux-system',
      'spec:',
      '  inputs:',
      '    - tenant: team-a',
      '      tag: "1.2.0"',
      '    - tenant: team-b',
      '      tag: "9.9.9"',
      '    - tenant: team-c',
      '      tag: "${ARTIFACT_TAG}"',
      '  resources:',
      '    - apiVersion: source.toolkit.fluxcd.io/v1',
      '      kind: OCIRepository',
      '      metadata:',
      '        name: << inputs.tenant >>',
      '        namespace: << inputs.tenant >>',
      '      spec:',
      '        interval: 5m',
      `        url: oci://${host}/<< inputs.tenant >>/app`,
      '        ref:',
      '          tag: << inputs.tag >>',
      '    - apiVersion: source.toolkit.fluxcd.io/v1',
      '      kind: OCIRepository',
      '      metadata:',
      '        name: << inputs.tenant >>-upper',
      '      spec:',
      '        interval: 5m',
      `        url: oci://${host}/<< inputs.tenant | upper >>/never`,
      '',
    ].join('\n');
    const uri = open(text);
    const md = await resolvedHover(uri, text, 'url: oci://', (m) => (m.match(/Flux will deploy/g) ?? []).length === 2 && !m.includes('Resolving'));
    assert.match(md, /inputs\[0\] \(tenant: team-a, tag: 1\.2\.0\)/);
    assert.ok(md.includes(`team-a/app:1.2.0@${teamA.digests['1.2.0']}`), md);
    assert.match(md, /inputs\[1\] \(tenant: team-b, tag: 9\.9\.9\)/);
    assert.doesNotMatch(md, /team-c/);

    // The missing tag of one input set is a registry warning that names the input set, and offers no edit of the template.
    const diags = await eventually(
      async () => {
        const last = [...lsp.published].reverse().find((p) => p.uri === uri);
        return last?.diagnostics.some((d) => d.code === 'registry/tag-not-found') ? last.diagnostics : undefined;
      },
      'registry diagnostics',
      15_000,
    );
    const missing = diags.filter((d) => d.code === 'registry/tag-not-found');
    assert.equal(missing.length, 1);
    assert.match(message(missing[0]!), /^inputs\[1\] \(tenant: team-b, tag: 9\.9\.9\): /);
    assert.deepEqual(diags.filter((d) => d.severity === 1).map(message), []);

    // The second object's url keeps a template we do not evaluate: no hover resolution, no request.
    const other = markdown(await lsp.hover(uri, at(text, 'upper >>/never')));
    assert.doesNotMatch(other, /Flux will deploy/);
    const paths = proxy.log.map((l) => decodeURIComponent(l.path));
    assert.ok(
      paths.some((p) => p.startsWith('/v2/team-a/app/')),
      paths.join('\n'),
    );
    assert.ok(
      paths.some((p) => p.startsWith('/v2/team-b/app/')),
      paths.join('\n'),
    );
    for (const p of paths) assert.doesNotMatch(p, /<<|>>|inputs|\$\{|team-c|never|TEAM/, `a templated value reached the registry: ${p}`);
  });

  test('ref.tag of an OCIRepository inside a ResourceSet completes from the registry', async () => {
    const text = [
      'apiVersion: fluxcd.controlplane.io/v1',
      'kind: ResourceSet',
      'metadata:',
      '  name: operator',
      '  namespace: flux-system',
      'spec:',
      '  resources:',
      '    - apiVersion: source.toolkit.fluxcd.io/v1',
      '      kind: OCIRepository',
      '      metadata:',
      '        name: flux-operator',
      '      spec:',
      '        interval: 10m',
      `        url: oci://${host}/controlplaneio-fluxcd/charts/flux-operator`,
      '        ref:',
      '          tag: ',
      '',
    ].join('\n');
    const uri = open(text);
    await lsp.diagnostics(uri, 1);
    const p = at(text, '          tag: ', '          tag: '.length);
    const labels = await eventually(async () => {
      const items = await lsp.completion(uri, p);
      const l = items.map((i) => i.label);
      return l.includes('0.41.2') ? l : undefined;
    }, 'tag completion');
    assert.ok(labels.includes('0.40.0'), labels.join(', '));
  });

  test("a FluxInstance's spec.sync of kind OCIRepository resolves on hover (ref read as a tag)", async () => {
    const text = fluxInstanceYaml({ artifact: `oci://${host}/fleet/clusters:v1`, sync: { url: `oci://${host}/fleet/clusters`, ref: 'latest' } });
    const uri = open(text);
    const md = await resolvedHover(uri, text, 'url: oci://', (m) => m.includes('Flux will deploy') && !m.includes('Resolving'));
    assert.match(md, /FluxInstance spec\.sync/);
    assert.ok(md.includes(`fleet/clusters:latest@${fleet.digests['latest']}`), md);
    const onRef = await resolvedHover(uri, text, 'ref: latest', (m) => m.includes('Flux will deploy') && !m.includes('Resolving'));
    assert.ok(onRef.includes(fleet.digests['latest']!), onRef);
    // The distribution artifact carries its tag in the URL.
    const artifact = await resolvedHover(uri, text, 'artifact: oci://', (m) => m.includes('Flux will deploy') && !m.includes('Resolving'));
    assert.match(artifact, /FluxInstance spec\.distribution\.artifact/);
    assert.ok(artifact.includes(`fleet/clusters:v1@${fleet.digests['v1']}`), artifact);
  });
});
