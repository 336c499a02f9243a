// Differential test of flux/sourceIgnoreMatcher.ts against Flux's own matcher: tools/sourceignore-oracle
// links fluxcd/pkg/sourceignore v0.18.0 (what source-controller v1.9.4 matches Bucket keys with) and
// answers the same cases. Curated cases where git and go-git disagree, then seeded random patterns
// (negation, anchoring, directory-only, `**`, character classes, escapes, trailing spaces) and keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/lspClient.ts';
import { readSourceIgnorePatterns, SourceIgnoreMatcher } from '../../server/src/domain/flux/sourceIgnoreMatcher.ts';

interface Case {
  patterns: string;
  paths: string[];
}

/** Builds the oracle into the cache (keyed by its sources); undefined when Go is missing. */
function oracle(): string | undefined {
  const src = path.join(repoRoot, 'tools', 'sourceignore-oracle');
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go'])
    hash
      .update(f)
      .update('\0')
      .update(readFileSync(path.join(src, f)));
  const dir = path.join(
    process.env['FLUX_OCI_CACHE'] || path.join(homedir(), '.cache', 'flux-oci'),
    'tools',
    `sourceignore-oracle-${hash.digest('hex').slice(0, 16)}`,
  );
  const bin = path.join(dir, 'sourceignore-oracle');
  if (existsSync(bin)) return bin;
  const probe = spawnSync('go', ['version']);
  if (probe.error || probe.status !== 0) return undefined;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.tmp-${process.pid}`;
  const r = spawnSync('go', ['build', '-trimpath', '-o', tmp, '.'], {
    cwd: src,
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
  });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`building tools/sourceignore-oracle failed:\n${r.stderr}`);
  }
  renameSync(tmp, bin);
  return bin;
}

function ours(c: Case): boolean[] {
  const m = new SourceIgnoreMatcher(readSourceIgnorePatterns(c.patterns));
  return c.paths.map((p) => m.match(p.split('/'), false));
}

const curated: Case[] = [
  { patterns: 'dumps/\n!dumps/keep.sql\n', paths: ['dumps/keep.sql', 'dumps/a.sql', 'dumps', 'x/dumps/keep.sql', 'x/dumps/a'] },
  { patterns: 'logs/\n', paths: ['logs', 'logs/a', 'a/logs/b', 'logs.txt'] },
  { patterns: '/scratch/\n*.tmp\n', paths: ['scratch/n', 'sub/scratch/n', 'a.tmp', 'x/y/b.tmp', 'tmp'] },
  { patterns: 'a/**/z.yaml\n', paths: ['a/z.yaml', 'a/b/z.yaml', 'a/b/c/z.yaml', 'x/a/b/z.yaml', 'a/b/z.yml'] },
  { patterns: '**/x\n', paths: ['x', 'a/x', 'a/b/x', 'a/x/y', 'xx'] },
  { patterns: 'a/**\n', paths: ['a', 'a/b', 'a/b/c', 'b/a/c'] },
  { patterns: 'a**b\n', paths: ['ab', 'axb', 'a/b'] },
  { patterns: '*.md\n!README.md\n', paths: ['README.md', 'docs/README.md', 'x.md', 'd/x.md'] },
  { patterns: 'logs/[0-9].txt\n[!a]*.y\n[^b]c\n', paths: ['logs/1.txt', 'logs/x.txt', 'b.y', 'a.y', 'ac', 'bc', 'zc'] },
  { patterns: '\\*.yaml\n\\#x\n#comment\n  \n', paths: ['*.yaml', 'a.yaml', '#x'] },
  { patterns: 'trail   \nesc\\ \n', paths: ['trail', 'trail   ', 'esc ', 'esc'] },
  { patterns: '/\n//a\na//b\n', paths: ['a', 'a/b', 'x'] },
  { patterns: '[\n[a-\n[]a]\n', paths: ['[', 'a', ']a'] },
  { patterns: 'é?\n*ü\n', paths: ['éx', 'éé', 'aü', 'ü'] },
];

/** mulberry32, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCases(seed: number, n: number): Case[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const patternParts = ['a', 'b', 'dir', 'x.yaml', '*.yaml', '*', '?', '**', '[ab]', '[!a]*', '[a-c]?', 'a*', '*b', '\\*', 'x?.y*', '.git', 'ab', ''];
  const pathParts = ['a', 'b', 'dir', 'x.yaml', 'y.yml', 'ab', 'ba', '.git', 'c', 'x1.yaml', '*', 'abc'];
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const lines: string[] = [];
    for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
      const parts = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(patternParts));
      let line = parts.join('/');
      if (r() < 0.25) line = `/${line}`;
      if (r() < 0.25) line = `${line}/`;
      if (r() < 0.2) line = `!${line}`;
      if (r() < 0.05) line = `${line}  `;
      lines.push(line);
    }
    const paths = Array.from({ length: 12 }, () => Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(pathParts)).join('/'));
    out.push({ patterns: lines.join('\n') + '\n', paths });
  }
  return out;
}

test("the Bucket matcher answers like fluxcd/pkg/sourceignore's go-git matcher", (t) => {
  const bin = oracle();
  if (!bin) {
    if (process.env['CI']) throw new Error('Go is needed to build tools/sourceignore-oracle (CI must have it)');
    t.skip('Go is not installed: cannot build tools/sourceignore-oracle');
    return;
  }
  const cases = [...curated, ...randomCases(20, 3000)];
  const r = spawnSync(bin, [], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  const want = JSON.parse(r.stdout) as boolean[][];
  const mismatches: string[] = [];
  let checked = 0;
  cases.forEach((c, i) => {
    const got = ours(c);
    c.paths.forEach((p, j) => {
      checked++;
      if (got[j] !== want[i]![j]) mismatches.push(`${JSON.stringify(c.patterns)} ${JSON.stringify(p)}: flux ${want[i]![j]}, ours ${got[j]}`);
    });
  });
  assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} of ${checked} differ`);
  const excluded = want.flat().filter(Boolean).length;
  t.diagnostic(`${checked} (pattern set, key) pairs in ${cases.length} cases agree with Flux's matcher (${excluded} excluded)`);
});
