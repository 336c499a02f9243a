// The Flux lints over 168 real-world Flux files (../shared/corpus beside the repository, present only
// in the flux-oci workplace; skipped elsewhere). Nothing Flux accepts may be
// reported as an error: the only errors allowed are the ones the corpus lists as
// true problems in EXPECTED_DIAGNOSTICS.tsv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { realWorldCorpus, yamlFilesUnder } from '../helpers/corpus.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = realWorldCorpus;
const require = createRequire(import.meta.url);
const domain = require(path.join(root, 'dist', 'domain.js'));

test('no Flux lint reports an error on real-world Flux files that Flux accepts', (t) => {
  if (!existsSync(corpus)) {
    t.skip('the real-world corpus (../shared) is not present outside the flux-oci workplace');
    return;
  }
  const expected = readFileSync(path.join(corpus, 'EXPECTED_DIAGNOSTICS.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split('\t'));
  // Files whose listed problems include a bad duration (the only error class our lints share with the list).
  const withBadDurations = new Set(
    expected.filter(([, cat, detail]) => (cat === 'pattern' || cat === 'type') && /interval/.test(detail ?? '')).map(([f]) => f),
  );
  const byCode: Record<string, number> = {};
  const wrongErrors: string[] = [];
  let files = 0;
  for (const f of yamlFilesUnder(corpus)) {
    files++;
    const rel = path.relative(corpus, f);
    const file = domain.YamlFile.parse(readFileSync(f, 'utf8'));
    const docs = file.documents.map((d: { parsed: unknown }) => d.parsed);
    const ctx = domain.lintContextOf(docs);
    for (const d of file.documents) {
      for (const diag of domain.fluxLints(d.parsed, ctx)) {
        byCode[diag.code] = (byCode[diag.code] ?? 0) + 1;
        if (diag.severity === 1 && !(diag.code === 'flux/duration-format' && withBadDurations.has(rel))) {
          wrongErrors.push(`${rel}:${d.slice.startLine + diag.range.start.line + 1} ${diag.code}: ${diag.message}`);
        }
      }
    }
  }
  t.diagnostic(`${files} files; lint findings by code: ${JSON.stringify(byCode)}`);
  assert.deepEqual(wrongErrors, []);
});
