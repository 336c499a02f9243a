// The real-world corpus: 168 Flux files from public repositories, with the true
// problems listed in EXPECTED_DIAGNOSTICS.tsv. `flux-oci check` must find every
// one of them and must not raise a single error anywhere else.
//
// Needs ../shared beside the repository (the corpus lives only in this workplace); skips without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { realWorldCorpus } from '../helpers/corpus.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const corpus = realWorldCorpus;
const require = createRequire(import.meta.url);

interface JsonDiagnostic {
  file: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  code: string;
}

interface ExpectedRow {
  file: string;
  category: string;
  detail: string;
}

/** Categories that are real problems (errors), with the diagnostic code family that reports them. */
const trueProblemCodes: Record<string, (code: string) => boolean> = {
  'apiVersion-not-served': (c) => c === 'schema/api-version-not-served',
  cel: (c) => c === 'schema/cel',
  metadata: (c) => c.startsWith('metadata/'),
  // A Flux lint that explains a schema error carries its own code (the schema's words follow its message).
  pattern: (c) => c === 'schema/pattern' || c === 'flux/duration-format',
  required: (c) => c === 'schema/required',
  type: (c) => c === 'schema/type' || c === 'flux/duration-format',
  'unknown-field': (c) => c === 'schema/unknown-field',
  'yaml-duplicate-key': (c) => c === 'yaml/duplicate-key',
  'yaml-syntax': (c) => c === 'yaml/syntax',
};
/** Categories that look wrong but are legal: they must never produce an error. */
const mustNotBeErrors = new Set(['partial-patch-doc', 'null-value-pruned', 'yaml-duplicate-anchor']);

function readExpected(): ExpectedRow[] {
  // The shared list is read-only here; rows it lacks (with the reason) are kept beside this test.
  const shared = readFileSync(path.join(corpus, 'EXPECTED_DIAGNOSTICS.tsv'), 'utf8').split('\n').slice(1);
  const additions = readFileSync(path.join(import.meta.dirname, 'EXPECTED_ADDITIONS.tsv'), 'utf8')
    .split('\n')
    .slice(1);
  return [...shared, ...additions]
    .filter((l) => l.trim())
    .map((l) => {
      const [file, category, detail] = l.split('\t');
      return { file: file!, category: category!, detail: detail ?? '' };
    });
}

/** `Kind/name` of the document a line falls in, read with the domain library (same splitting as the checker). */
function objectAt(file: string, line: number): string {
  const domain = require(path.join(repoRoot, 'dist/domain.js')) as typeof import('../../server/src/domain/index.ts');
  const text = readFileSync(path.join(corpus, file), 'utf8');
  const slices = domain.splitDocuments(text);
  let slice = slices[0]!;
  for (const s of slices) if (s.startLine <= line) slice = s;
  const id = new domain.ParsedDocument(slice.text).identity;
  return `${id.kind ?? '?'}/${id.name ?? 'None'}`;
}

/** Does this diagnostic report the expected row? Matches the file, the code family, the object, and the field or words of the row. */
function matches(row: ExpectedRow, d: JsonDiagnostic): boolean {
  if (d.file !== row.file || !trueProblemCodes[row.category]?.(d.code)) return false;
  const m = /^([A-Za-z]+)\/(\S+): (.*)$/.exec(row.detail);
  if (m) {
    const [, kind, name, rest] = m;
    if (objectAt(d.file, d.range.start.line) !== `${kind}/${name}`) return false;
    switch (row.category) {
      case 'apiVersion-not-served': {
        const apiVersion = rest!.split(' ')[0]!;
        return d.message.includes(`${apiVersion} ${kind}`);
      }
      case 'cel':
        return d.message.includes(rest!.replace(/\s*\([^)]*\)\s*$/, ''));
      default: {
        const field = /^[^\s=:']+/.exec(rest!)![0];
        const quoted = row.category === 'metadata' ? [...rest!.matchAll(/'([^']+)'/g)].map((q) => q[1]!) : [];
        return d.message.includes(field) && quoted.every((q) => d.message.includes(q));
      }
    }
  }
  if (row.category === 'yaml-duplicate-key') {
    const key = /key '([^']+)' repeated \(line (\d+)\)/.exec(row.detail);
    return !!key && d.message.includes(`'${key[1]}'`) && d.range.start.line + 1 === Number(key[2]);
  }
  return true; // yaml-syntax: any syntax error in the file
}

test(
  'flux-oci check finds every true problem of the real-world corpus and raises no false error',
  { skip: existsSync(corpus) ? false : `skipped: ${corpus} is absent (the corpus exists only in the flux-oci workplace)` },
  () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'check', '--format', 'json', '.'], {
      cwd: corpus,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    assert.ok(r.status === 0 || r.status === 1, `check must not crash (exit ${r.status}): ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /internal error/);
    const diagnostics = JSON.parse(r.stdout) as JsonDiagnostic[];
    const files = new Set(diagnostics.map((d) => d.file));
    assert.ok(diagnostics.length > 0 && files.size > 10, 'the corpus has known problems in many files');

    const expected = readExpected();
    const used = new Set<JsonDiagnostic>();
    const missing: ExpectedRow[] = [];
    for (const row of expected.filter((e) => trueProblemCodes[e.category])) {
      const found = diagnostics.find((d) => !used.has(d) && d.severity === 'error' && matches(row, d));
      if (found) used.add(found);
      else missing.push(row);
      // a file that is not valid YAML may well have several syntax errors: all of them are true
      if (found && row.category === 'yaml-syntax') for (const d of diagnostics) if (d.file === row.file && d.code === 'yaml/syntax') used.add(d);
    }
    const unknownCategories = expected.filter((e) => !trueProblemCodes[e.category] && !mustNotBeErrors.has(e.category));
    const falseErrors = diagnostics.filter((d) => d.severity === 'error' && !used.has(d));

    const table: string[] = [];
    for (const m of missing) table.push(`MISSING      ${m.file}\t${m.category}\t${m.detail}`);
    for (const f of falseErrors) table.push(`FALSE ERROR  ${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}\t${f.code}\t${f.message}`);
    for (const u of unknownCategories) table.push(`UNKNOWN CATEGORY ${u.category} (${u.file}): teach this test about it`);
    assert.equal(table.length, 0, `corpus check differs from EXPECTED_DIAGNOSTICS.tsv:\n${table.join('\n')}`);
  },
);

test('the must-not-be-error constructs of the corpus get at most hints', { skip: existsSync(corpus) ? false : `skipped: ${corpus} is absent` }, () => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/flux-oci'), 'check', '--format', 'json', '.'], {
    cwd: corpus,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const diagnostics = JSON.parse(r.stdout) as JsonDiagnostic[];
  for (const row of readExpected().filter((e) => mustNotBeErrors.has(e.category))) {
    const loud = diagnostics.filter((d) => d.file === row.file && (d.severity === 'error' || d.severity === 'warning'));
    assert.deepEqual(
      loud.map((d) => `${d.code}: ${d.message}`),
      [],
      `${row.file} (${row.category}) must not get errors or warnings`,
    );
  }
  // the null the API server prunes is explained, not hidden
  const pruned = diagnostics.filter((d) => d.code === 'schema/null-pruned' && d.file.includes('cloudflare-dns'));
  assert.equal(pruned.length, 1);
  assert.match(pruned[0]!.message, /spec\.postBuild is null/);
});
