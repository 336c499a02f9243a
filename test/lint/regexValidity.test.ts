// Go RE2 validity of the patterns in Flux objects (flux/regex-invalid, cosign identities): compileRe2
// answers the plain ones from their text without building an re2js program (server/src/domain/regex/re2.ts),
// so its verdict and its matches must stay exactly re2js's on every pattern, plain or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RE2JS } from 're2js';
import { repoRoot } from '../oci/runCli.ts';
import { seededRandom } from '../helpers/seededRandom.ts';

const require = createRequire(import.meta.url);
const { compileRe2 } = require(path.join(repoRoot, 'dist', 'domain.js')) as typeof import('../../server/src/domain/index.ts');

function re2jsVerdict(pattern: string): RE2JS | undefined {
  try {
    return RE2JS.compile(pattern);
  } catch {
    return undefined;
  }
}

const alphabet = [
  'a',
  'b',
  '1',
  '-',
  '/',
  ':',
  '.',
  '*',
  '+',
  '?',
  '^',
  '$',
  '\\',
  '\\.',
  '\\/',
  '\\d',
  '\\q',
  '\\_',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '|',
  ' ',
  '@',
  'é',
  '\t',
];
const subjects = ['', 'a', 'ab1', 'https://github.com/org/app-1/x', 'a.b', 'a/b:c', '^$', 'ba-1/'];

test('compileRe2 says valid exactly when re2js compiles, and matches what re2js matches', () => {
  const random = seededRandom(18);
  const patterns = [
    '^https://github.com/org/app-1/.*$',
    '^https://token.actions.githubusercontent.com$',
    '^https://github\\.com/org/.+/\\.github/workflows/release\\.yml@refs/tags/.*$',
    'a**',
    'a*?',
    'a*??',
    '*a',
    '^*',
    '\\',
    'a\\',
    '(?P<v>.*)',
  ];
  for (let n = 0; n < 20_000; n++) {
    let p = '';
    const len = 1 + Math.floor(random() * 10);
    for (let i = 0; i < len; i++) p += alphabet[Math.floor(random() * alphabet.length)];
    patterns.push(p);
  }
  for (const p of patterns) {
    const ours = compileRe2(p);
    const theirs = re2jsVerdict(p);
    assert.equal(ours.ok, theirs !== undefined, `validity of ${JSON.stringify(p)}`);
    if (!ours.ok || !theirs) continue;
    for (const s of subjects) assert.equal(ours.regex.test(s), theirs.test(s), `${JSON.stringify(p)} on ${JSON.stringify(s)}`);
  }
});
