// Our Masterminds/semver + fluxcd/pkg/version port against the real Go
// libraries, case by case. Builds tools/semver-oracle with `go` (cached outside
// the repo) and skips, saying why, only when `go` is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom as rng } from '../helpers/seededRandom.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { semver } = require(path.join(root, 'dist', 'domain.js'));

function buildOracle(): string | null {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-semver-oracle.mjs')], { encoding: 'utf8' });
  if (r.status === 127) return null;
  assert.equal(r.status, 0, `building the semver oracle failed:\n${r.stderr}`);
  return r.stdout.trim();
}

const rand = rng(20260807);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const chance = (p: number): boolean => rand() < p;

const NUMS = ['0', '1', '2', '3', '10', '01', '007', '00', '12', '99', '2025', '18446744073709551615', '18446744073709551616'];
const PRE_IDS = ['alpha', 'beta', 'rc', '0', '1', '2', '11', '01', 'rc-1', 'x', 'X', 'a-b', '-', '', 'beta_1', 'Alpha', '1a', '9999999999999999999999'];
const META_IDS = ['build', '1', '001', 'sha-abc', 'a_b', '', 'exp', 'x.y'];

function numPart(): string {
  return pick(NUMS);
}

function genVersion(wild = false): string {
  const parts = pick([1, 2, 3, 3, 3, 3, 4]);
  const seg = (): string => (wild && chance(0.25) ? pick(['x', 'X', '*']) : numPart());
  let v = Array.from({ length: parts }, seg).join('.');
  if (chance(0.35)) v = pick(['v', 'v', 'V', '=']) + v;
  if (chance(0.3)) v += '-' + Array.from({ length: pick([1, 1, 2, 3]) }, () => pick(PRE_IDS)).join('.');
  if (chance(0.2)) v += '+' + Array.from({ length: pick([1, 2]) }, () => pick(META_IDS)).join('.');
  if (chance(0.03)) v = pick([' ', '', 'latest', 'main-abc123', '1.2.3 ', '\n1.2.3', 'sha256-abc.sig']) + (chance(0.5) ? v : '');
  return v;
}

const OPS = ['', '', '=', '!=', '>', '<', '>=', '=>', '<=', '=<', '~', '~>', '^', '== ', '>>'];
const AND = [',', ', ', ' ', '  ', ' ,', '\t', ',,'];
const OR = ['||', ' || ', '|| ', ' |', '|||'];

function genComparator(): string {
  if (chance(0.12)) return `${genVersion(true)} - ${genVersion(true)}`;
  const op = pick(OPS);
  return op + (chance(0.3) ? ' ' : '') + genVersion(true);
}

function genConstraint(): string {
  if (chance(0.04)) return pick(['', '*', 'x', ' ', 'latest', '>=1.0.0 <2.0.0 || 3.x', '1.0.0 - 2.0.0', '>= 1.2', '^0.0', '~0', '!=1.x', '>1.x-0']);
  const groups = pick([1, 1, 1, 2, 3]);
  const g = Array.from({ length: groups }, () => {
    const n = pick([1, 1, 2, 2, 3]);
    return Array.from({ length: n }, genComparator).join(pick(AND));
  });
  return g.join(pick(OR));
}

const FILTERS = [
  '',
  '',
  '',
  '^v',
  '^1\\.',
  '.*-rc.*',
  '^[0-9]+\\.[0-9]+\\.[0-9]+$',
  '(?i)RC',
  'beta',
  '(',
  '[a-',
  'a{1001}',
  '\\d+\\.0\\.',
  '(?P<n>\\d)',
  '^(?!v)',
  'x*',
];

function genTags(): string[] {
  const n = pick([0, 1, 2, 5, 8, 13, 20, 40, 60]);
  const base = Array.from({ length: Math.max(1, Math.ceil(n / 3)) }, () => genVersion());
  const tags: string[] = [];
  for (let i = 0; i < n; i++) {
    // Equal-precedence variants (v prefix, build metadata) exercise Go's unstable sort.
    const b = pick(base);
    const r = rand();
    if (r < 0.2) tags.push(b.startsWith('v') ? b.slice(1) : 'v' + b);
    else if (r < 0.35) tags.push(b + (b.includes('+') ? '.' : '+') + pick(['a', 'b', '1']));
    else if (r < 0.5) tags.push(b.replace('+', '_'));
    else if (r < 0.6) tags.push(pick(['latest', 'main', 'sha256-abc.sig', '1.2', 'v1']));
    else tags.push(genVersion());
  }
  return tags;
}

interface Case {
  version?: string;
  constraint?: string;
  tags?: string[];
  filter?: string;
  helm?: boolean;
}

function ours(c: Case): Record<string, unknown> {
  if (c.tags) {
    const r = semver.selectSemverTag(c.tags, c.constraint ?? '', { filter: c.filter, helmUnderscore: c.helm });
    if (r.ok) return { ok: true, tag: r.tag };
    if (r.reason === 'invalid-filter') return { filterErr: true };
    if (r.reason === 'invalid-constraint') return { constraintErr: r.message };
    return { err: r.message };
  }
  if (c.constraint !== undefined) {
    const p = semver.parseConstraintExpression(c.constraint);
    if ('error' in p) return { constraintErr: p.error };
    if (c.version === undefined) return { ok: true };
    try {
      return { ok: true, match: p.constraints.check(semver.newVersion(c.version)) };
    } catch (e) {
      return { err: (e as Error).message };
    }
  }
  const fluxOk = semver.tryParseFluxVersion(c.version!) !== null;
  try {
    return { ok: true, string: semver.newVersion(c.version!).toString(), fluxOk };
  } catch (e) {
    return { err: (e as Error).message, fluxOk };
  }
}

function theirs(a: Record<string, unknown>, c: Case): Record<string, unknown> {
  // Regex error texts differ between Go and re2js; only validity is compared.
  if (a.filterErr) return { filterErr: true };
  const out: Record<string, unknown> = {};
  if (a.constraintErr) return { constraintErr: a.constraintErr };
  if (a.ok) out.ok = true;
  if (a.err) out.err = a.err;
  if (c.tags && a.ok) out.tag = a.tag;
  if (!c.tags && c.constraint !== undefined && c.version !== undefined && a.ok) out.match = a.match ?? false;
  if (c.constraint === undefined && !c.tags) {
    if (a.ok) out.string = a.string;
    out.fluxOk = a.fluxOk ?? false;
  }
  return out;
}

test('our semver engine agrees with Masterminds/semver v3.5.0 and fluxcd/pkg/version on every generated case', (t) => {
  const oracle = buildOracle();
  if (!oracle) {
    t.skip('Go is not installed: cannot build tools/semver-oracle, differential semver check skipped');
    return;
  }
  const cases: Case[] = [];
  for (let i = 0; i < 4000; i++) cases.push({ version: genVersion() });
  for (let i = 0; i < 2500; i++) {
    const constraint = genConstraint();
    cases.push({ constraint });
    for (let k = 0; k < 4; k++) cases.push({ constraint, version: genVersion() });
  }
  for (let i = 0; i < 1500; i++) {
    cases.push({ tags: genTags(), constraint: chance(0.9) ? genConstraint() : pick(['*', '>=0.0.0-0', '>=1.0.0']), filter: pick(FILTERS), helm: chance(0.25) });
  }
  // Known edge cases from the fact sheet and Flux issues.
  cases.push(
    { tags: ['1.0.0', '1.0.1-rc.1', '1.1.0-rc.1'], constraint: '>=1.0.0-0' },
    { tags: ['1.0.0', '1.0.1-rc.1', '1.1.0-rc.1'], constraint: '1.0.x-0' },
    { tags: ['1.0.0', '2.0.0-beta.1'], constraint: '>1.0.0-beta.1 <3' },
    { tags: ['1.0.0', '2.0.0-beta.1'], constraint: '>=1.0.0-0 || >=2' },
    { tags: ['v1.2', 'latest', '1.2.3.4', 'v1.2.3'], constraint: '*' },
    { tags: ['0.1.0_build.1', '0.1.0_build.2'], constraint: '*', helm: true },
  );

  const input = cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const r = spawnSync(oracle, [], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const answers = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(answers.length, cases.length);

  const disagreements: string[] = [];
  for (let i = 0; i < cases.length; i++) {
    const want = theirs(answers[i], cases[i]!);
    const got = ours(cases[i]!);
    try {
      assert.deepEqual(got, want);
    } catch {
      if (disagreements.length < 15) disagreements.push(`${JSON.stringify(cases[i])}\n   go:  ${JSON.stringify(want)}\n   ts:  ${JSON.stringify(got)}`);
      else disagreements.push('');
    }
  }
  t.diagnostic(`${cases.length} cases compared against Go (${cases.filter((c) => c.tags).length} tag selections)`);
  console.log(`semver differential: ${cases.length} cases, ${disagreements.length} disagreements`);
  assert.equal(disagreements.length, 0, `disagreements with Go:\n${disagreements.filter(Boolean).join('\n')}`);
});
