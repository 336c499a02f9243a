// The line-reading fast path (server/src/domain/yaml/fastParse.ts) must build exactly what
// eemeli/yaml's parseDocument builds — same classes, values, ranges, scalar types, document
// fields — for every document it accepts, or decline it. Checked over the real-world corpus,
// every YAML fixture of the repository, and seeded random documents made of the constructs it
// reads and of the ones it must decline (comments at every indent, blank lines, tabs, odd indentation,
// quotes, indicators).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { realWorldCorpus, yamlFilesUnder } from '../helpers/corpus.ts';
import { seededRandom } from '../helpers/seededRandom.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const domain = require(path.join(root, 'dist', 'domain.js'));
const options = domain.documentParseOptions;

/** First difference between two node graphs (constructor, own keys, symbols, values), or undefined. */
function difference(a: any, b: any, at = 'document'): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
  // The bundle (dist/domain.js) carries its own copy of eemeli/yaml: compare class names (esbuild may add _ or a digit).
  const className = (x: object) => String(x.constructor?.name).replace(/^_+|\d+$/g, '');
  if (className(a) !== className(b)) return `${at}: ${className(a)} ≠ ${className(b)}`;
  const keys = (x: object) => Object.keys(x).filter((k) => k !== 'schema');
  if (keys(a).join() !== keys(b).join()) return `${at}: keys ${keys(a).join()} ≠ ${keys(b).join()}`;
  for (const s of Object.getOwnPropertySymbols(a)) if (a[s] !== b[s]) return `${at}: ${String(s)}`;
  if ('schema' in a && (a.schema?.name !== b.schema?.name || a.schema?.tags?.length !== b.schema?.tags?.length)) return `${at}.schema`;
  for (const k of keys(a)) {
    const d = difference(a[k], b[k], `${at}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** Checks every document of a text; returns how many the fast path took. */
function check(text: string, where: string): number {
  let taken = 0;
  for (const slice of domain.splitDocuments(text)) {
    const fast = domain.fastParseDocument(slice.text, { ...options });
    if (!fast) continue;
    taken++;
    const d = difference(parseDocument(slice.text, { ...options }), fast);
    assert.equal(d, undefined, `${where}, document ${slice.index}: ${d}\n${slice.text}`);
  }
  return taken;
}

test('real-world Flux files: every document the fast path takes is parsed exactly as eemeli/yaml parses it', (t) => {
  if (!existsSync(realWorldCorpus)) {
    t.skip('the real-world corpus (../shared) is not present outside the flux-oci workplace');
    return;
  }
  let taken = 0;
  for (const f of yamlFilesUnder(realWorldCorpus)) taken += check(readFileSync(f, 'utf8'), path.relative(realWorldCorpus, f));
  assert.ok(taken > 0);
});

test('the repository’s YAML fixtures: the same', () => {
  let taken = 0;
  for (const f of yamlFilesUnder(path.join(root, 'test', 'fixtures'))) taken += check(readFileSync(f, 'utf8'), path.relative(root, f));
  assert.ok(taken > 0);
});

test('seeded random documents, inside and just outside what the fast path reads: the same', () => {
  const random = seededRandom(18);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const keys = [
    'apiVersion',
    'kind',
    'name',
    'spec',
    'url',
    'ref',
    'a',
    'b',
    'x.y/z',
    'k-1',
    'true',
    'null',
    '1',
    'on',
    'n',
    'Y',
    '~',
    'key with space',
    'a#b',
    '-a',
    'a:b',
  ];
  const scalars = [
    'plain',
    'v1.2.3',
    'oci://ghcr.io/org/app',
    'https://x.io/a#frag',
    '5m',
    '60s',
    '42',
    '-7',
    '0x1F',
    '0o17',
    '1.50',
    '.5',
    '1e3',
    '-.inf',
    '.nan',
    'true',
    'False',
    'NULL',
    '~',
    'null',
    'yes',
    'no',
    'on',
    '"quoted"',
    '"with \\" escape"',
    "'single'",
    "'it''s'",
    '""',
    "''",
    '[]',
    '{}',
    '[a, b]',
    '^v(?P<version>.*)$',
    'a: b',
    'a #c',
    'a#c',
    '*alias',
    '&anchor x',
    '!tag x',
    '%x',
    '@x',
    '`x',
    '|',
    '>',
    '-',
    '- x',
    '? x',
    ':x',
    ',x',
    'a,b',
    'ünïcödé',
    'trailing ',
    '"unclosed',
    'tab\there',
    'x\ry',
  ];
  const lines = (depth: number, indent: number): string[] => {
    const out: string[] = [];
    const n = 1 + Math.floor(random() * 4);
    const seq = depth > 0 && random() < 0.3;
    for (let i = 0; i < n; i++) {
      const pad = ' '.repeat(indent);
      const r = random();
      const key = pick(keys);
      const noise = random();
      if (noise < 0.04) out.push(`${pad}# a comment`);
      else if (noise < 0.05) out.push(`${' '.repeat(Math.max(0, indent - 2))}# an outer comment`, `${pad}#two lines`);
      else if (noise < 0.055) out.push('# at column 0');
      else if (noise < 0.06) out.push(`${pad}  # a deeper comment`);
      else if (noise < 0.065) out.push(`${pad}# trailing space `);
      else if (noise < 0.07) out.push('');
      else if (noise < 0.08) out.push(`${' '.repeat(indent + 1)}odd: indent`);
      if (seq) {
        if (r < 0.5) out.push(`${pad}- ${pick(scalars)}`);
        else {
          const inner = lines(depth - 1, indent + 2);
          out.push(`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1));
        }
      } else if (depth > 0 && r < 0.35) {
        out.push(`${pad}${key}:`, ...lines(depth - 1, indent + pick([2, 2, 4])));
      } else if (r < 0.42) {
        out.push(`${pad}${key}: |`, `${pad}  line one`, `${pad}    indented more`, `${pad}  !not a tag`);
      } else out.push(`${pad}${key}: ${pick(scalars)}`);
    }
    return out;
  };
  let taken = 0;
  const count = 3000;
  for (let i = 0; i < count; i++) {
    const docs = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
      const body = lines(3, 0);
      if (random() < 0.25) body.push(`${pick(['', '', '  ', '    '])}# the end`);
      return body.join('\n');
    });
    const text = docs.join('\n---\n') + (random() < 0.8 ? '\n' : '');
    taken += check(text, `random input ${i}`);
  }
  // Not vacuous: a good share of the inputs is plain enough to take the fast path.
  assert.ok(taken > count / 10, `the fast path took only ${taken} documents`);
});
