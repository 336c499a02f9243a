// The pieces under values help, on archives and schemas made here: reading a chart archive in
// memory (subcharts packed as .tgz, caps against bombs and oversized files, unsafe names
// refused, links and templates never read), the chart's values model (aliases, globals,
// comments) and Helm-like validation in the drafts charts declare (draft-04, 07, 2019-09,
// 2020-12), through the bundled domain (dist/domain.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import tarStream from 'tar-stream';
import type { YAMLMap } from 'yaml';
import { repoRoot } from '../helpers/lspClient.ts';

const require = createRequire(import.meta.url);
const domain = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');
const { readChartArchive, defaultChartLimits } = domain.artifact;

type Entry = { name: string; content?: string | Buffer; type?: 'file' | 'symlink' | 'directory'; linkname?: string };

async function tgz(entries: Entry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const e of entries) {
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? 'x' });
    else if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' });
    else pack.entry({ name: e.name }, typeof e.content === 'string' ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0)));
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

async function refused(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.message, text);
    return true;
  });
}

test('a chart archive is read in memory: the chart, an unpacked and a packed subchart; templates and links are not read', async () => {
  const sub = await tgz([
    { name: 'db/Chart.yaml', content: 'apiVersion: v2\nname: db\nversion: 2.0.0\n' },
    { name: 'db/values.yaml', content: '# -- Port of the database\nport: 5432\nglobal:\n  # -- Shared zone\n  zone: eu\n' },
    {
      name: 'db/values.schema.json',
      content:
        '{"$schema":"https://json-schema.org/draft/2019-09/schema","$defs":{"port":{"type":"integer","maximum":65535}},"properties":{"port":{"$ref":"#/$defs/port"}}}',
    },
  ]);
  const archive = await tgz([
    { name: 'app/', type: 'directory' },
    {
      name: 'app/Chart.yaml',
      content:
        'apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: db\n    alias: primary\n  - name: db\n    alias: replica\n  - name: cache\n',
    },
    { name: 'app/values.yaml', content: 'replicas: 1\nprimary:\n  port: 6000\nglobal:\n  zone: us\n' },
    { name: 'app/templates/values.yaml', content: 'not: read' },
    { name: 'app/values.schema.json', type: 'symlink', linkname: '/etc/passwd' },
    { name: 'app/charts/cache/Chart.yaml', content: 'apiVersion: v2\nname: cache\nversion: 0.1.0\n' },
    { name: 'app/charts/cache/values.yaml', content: 'size: 64\n' },
    { name: 'app/charts/db-2.0.0.tgz', content: sub },
  ]);
  const files = await readChartArchive(archive);
  assert.match(files.chartYaml!, /name: app/);
  assert.equal(files.valuesYaml, 'replicas: 1\nprimary:\n  port: 6000\nglobal:\n  zone: us\n');
  assert.equal(files.schemaJson, undefined, 'a link is never followed');
  assert.equal(files.subcharts.length, 2);

  const chart = domain.chartValuesOf(files);
  assert.deepEqual(chart.subcharts.map((s) => s.key).sort(), ['cache', 'primary', 'replica']);
  // The parent's values for a subchart win; each alias gets the subchart's defaults; globals merge, parent first.
  assert.deepEqual(chart.defaults, { replicas: 1, primary: { port: 6000 }, replica: { port: 5432 }, cache: { size: 64 }, global: { zone: 'us' } });
  assert.equal(chart.comments.get(['replica', 'port'].join('\u0000')), 'Port of the database');
  assert.equal(chart.comments.get(['global', 'zone'].join('\u0000')), 'Shared zone');
  assert.deepEqual(chart.schemas.map((s) => s.prefix.join('.')).sort(), ['primary', 'replica']);

  // The subchart's 2019-09 schema ($defs, $ref) judges each alias.
  const values = new domain.ParsedDocument('replica:\n  port: 70000\nprimary:\n  port: 7000\n');
  const ds = domain.checkChartValues({
    chart,
    target: { doc: values, node: values.yaml.contents as YAMLMap, anchor: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } },
    below: [],
    above: [],
    complete: true,
  });
  assert.equal(ds.length, 1, JSON.stringify(ds));
  assert.deepEqual(ds[0]!.range, { start: { line: 1, character: 8 }, end: { line: 1, character: 13 } });
  assert.match(ds[0]!.message, /replica\.port: must be <= 65535 \(values\.schema\.json of chart db/);
});

test('caps: a decompression bomb, an oversized values.yaml, an oversized archive and too many entries stop the read', async () => {
  const limits = { ...defaultChartLimits, maxInflatedBytes: 1 << 20, maxFileBytes: 64 * 1024, maxCompressedBytes: 256 * 1024, maxEntries: 50 };
  // 8 MiB of zeros compress to a few KiB: stopped at 1 MiB inflated, though the file is never read.
  const bomb = await tgz([
    { name: 'app/Chart.yaml', content: 'name: app\n' },
    { name: 'app/templates/blob.bin', content: Buffer.alloc(8 << 20) },
  ]);
  assert.ok(bomb.length < 64 * 1024);
  await refused(readChartArchive(bomb, limits), 'too-large', /unpacks to more than 1048576 bytes/);
  const bigValues = await tgz([{ name: 'app/values.yaml', content: `a: ${'x'.repeat(100 * 1024)}\n` }]);
  await refused(readChartArchive(bigValues, limits), 'too-large', /file app\/values\.yaml is larger than 65536 bytes/);
  const big = await tgz([{ name: 'app/templates/noise.bin', content: randomBytes(300 * 1024) }]);
  await refused(readChartArchive(big, limits), 'too-large', /archive is larger than 262144 bytes/);
  const many = await tgz(Array.from({ length: 60 }, (_, i) => ({ name: `app/templates/t${i}.yaml`, content: 'x' })));
  await refused(readChartArchive(many, limits), 'too-large', /more than 50 entries/);
});

test('unsafe names are refused, and what is not a gzip archive says so', async () => {
  await refused(readChartArchive(await tgz([{ name: 'app/../../etc/values.yaml', content: 'a: 1' }])), 'unsafe-path', /climbs out/);
  await refused(readChartArchive(await tgz([{ name: '/app/values.yaml', content: 'a: 1' }])), 'unsafe-path', /absolute path/);
  await refused(readChartArchive(Buffer.from('-----BEGIN PGP SIGNED MESSAGE-----\n')), 'not-gzip', /not a gzip-compressed chart archive/);
});

test('validation follows Helm: defaults fill required values, null removes a default, draft-04 and draft-07 schemas, substitutions are not judged', () => {
  const files = {
    chartYaml: 'name: app\nversion: 1.0.0\n',
    valuesYaml: 'image:\n  repository: nginx\n  tag: "1.27"\nport: 80\n',
    schemaJson: JSON.stringify({
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      required: ['image', 'port'],
      properties: {
        image: { type: 'object', required: ['repository'], properties: { repository: { type: 'string' }, tag: { type: 'string' } } },
        port: { type: 'integer', maximum: 1024, exclusiveMaximum: true },
        mode: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      },
    }),
    subcharts: [],
  };
  const chart = domain.chartValuesOf(files);
  const check = (text: string, complete = true) => {
    const doc = new domain.ParsedDocument(text);
    return domain.checkChartValues({
      chart,
      target: { doc, node: doc.yaml.contents as YAMLMap, anchor: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } },
      below: [],
      above: [],
      complete,
    });
  };
  assert.deepEqual(check('image:\n  tag: "1.28"\n'), [], 'repository comes from the defaults');
  const removed = check('image:\n  repository: null\n');
  assert.equal(removed.length, 1);
  assert.match(removed[0]!.message, /missing required value image\.repository/);
  assert.deepEqual(removed[0]!.range, { start: { line: 1, character: 2 }, end: { line: 1, character: 12 } }, 'reported on the key that removed it');
  assert.deepEqual(check('image:\n  repository: null\n', false), [], 'with a values layer unknown, required is not judged');
  const bounds = check('port: 1024\n');
  assert.equal(bounds.length, 1);
  assert.match(bounds[0]!.message, /port: must be < 1024/, 'draft-04 boolean exclusiveMaximum');
  const shapes = check('mode:\n  a: 1\n');
  assert.equal(shapes.length, 1);
  assert.match(shapes[0]!.message, /mode: must be string or integer, not object/);
  assert.deepEqual(check('port: ${PORT}\n'), []);
});

test('a schema with a remote $ref is never fetched: it documents values but validates nothing; 2020-12 unevaluatedProperties names the key', () => {
  const check = (schema: object, text: string) => {
    const chart = domain.chartValuesOf({ chartYaml: 'name: app\n', valuesYaml: 'a: 1\n', schemaJson: JSON.stringify(schema), subcharts: [] });
    const doc = new domain.ParsedDocument(text);
    return domain.checkChartValues({
      chart,
      target: { doc, node: doc.yaml.contents as YAMLMap, anchor: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } },
      below: [],
      above: [],
      complete: true,
    });
  };
  assert.deepEqual(
    check(
      {
        properties: { a: { $ref: 'https://kubernetesjsonschema.dev/v1.18.0/_definitions.json#/definitions/io.k8s.api.core.v1.Probe' }, b: { type: 'integer' } },
      },
      'b: nope\n',
    ),
    [],
  );
  const unevaluated = check(
    { $schema: 'https://json-schema.org/draft/2020-12/schema', allOf: [{ properties: { a: { type: 'integer' } } }], unevaluatedProperties: false },
    'a: 2\nextra: true\n',
  );
  assert.equal(unevaluated.length, 1, JSON.stringify(unevaluated));
  assert.deepEqual(unevaluated[0]!.range, { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } });
  assert.match(unevaluated[0]!.message, /extra is not a value of the chart/);
});

test('comments as documentation: the nearest paragraph above a key, helm-docs and Bitnami markers; a file header and commented-out YAML are not docs', () => {
  const valuesYaml = [
    '# Default values for app.',
    '# This is a YAML-formatted file.',
    '',
    'replicaCount: 1',
    '## @section Image',
    '## @param image.repository Image repository to pull from',
    'image:',
    '  repository: nginx',
    '  # -- Tag of the image',
    '  # @default -- the chart appVersion',
    '  tag: ""',
    '# resources:',
    '#   limits:',
    '#     cpu: 100m',
    'resources: {}',
    'host: #0.0.0.0',
    '# an old note',
    '',
    '# How long to wait',
    'timeout: 30',
  ].join('\n');
  const c = domain.chartValuesOf({ chartYaml: 'name: app\n', valuesYaml, subcharts: [] });
  const doc = (...p: string[]) => c.comments.get(p.join('\u0000'));
  assert.equal(doc('replicaCount'), undefined, 'the file header describes no key');
  assert.equal(doc('image'), 'Image repository to pull from');
  assert.equal(doc('image', 'tag'), 'Tag of the image');
  assert.equal(doc('resources'), undefined, 'commented-out YAML is an example, not prose');
  assert.equal(doc('host'), 'Example: `0.0.0.0`');
  assert.equal(doc('timeout'), 'How long to wait');
});

test('valuesFiles replace values.yaml as the defaults, merged in order; a missing one is said, not thrown', async () => {
  const archive = await tgz([
    { name: 'app/Chart.yaml', content: 'name: app\nversion: 1.0.0\n' },
    { name: 'app/values.yaml', content: 'a: 1\nb: 1\n' },
    { name: 'app/ci/prod.yaml', content: 'b: 2\nc: 2\n' },
    { name: 'app/ci/eu.yaml', content: 'c: 3\n' },
  ]);
  const files = await readChartArchive(archive, defaultChartLimits, 0, ['./ci/prod.yaml', 'ci/eu.yaml', '../escape.yaml']);
  assert.deepEqual(Object.keys(files.extra ?? {}).sort(), ['ci/eu.yaml', 'ci/prod.yaml']);
  assert.deepEqual(domain.chartValuesOf(files, ['ci/prod.yaml', 'ci/eu.yaml']).defaults, { b: 2, c: 3 });
  assert.deepEqual(domain.chartValuesOf(files, ['values.yaml', 'ci/prod.yaml']).defaults, { b: 2, c: 2, a: 1 });
  const missing = domain.chartValuesOf(files, ['ci/none.yaml']);
  assert.equal(missing.hasValues, false);
  assert.deepEqual(missing.problems, ['values file ci/none.yaml is not in the chart']);
});
