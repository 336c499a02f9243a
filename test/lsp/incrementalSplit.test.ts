// A ranged edit re-splits only the YAML documents it touched; the result must equal a full re-split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/lspClient.ts';
import { seededRandom as rng } from '../helpers/seededRandom.ts';

const require = createRequire(import.meta.url);
const domain = require(path.join(repoRoot, 'dist/domain.js'));

test('parseAfterEdit gives the same documents as a full re-split, for 3000 random edits', () => {
  const random = rng(42);
  const int = (n: number) => Math.floor(random() * n);
  const inserts = ['', 'x', '\n', '---\n', '\n---\n', '---', 'a: b\n', '\n\n', '- ', '  ', '#---\n'];
  const base = ['a.yaml', 'b.yml']
    .map((f) => readFileSync(path.join(repoRoot, 'test/fixtures/lsp/workspace', f === 'a.yaml' ? 'apps/podinfo.yaml' : 'infra/charts.yml'), 'utf8'))
    .join('---\n');
  let text = base;
  let file = domain.YamlFile.parse(text);
  for (let i = 0; i < 3000; i++) {
    if (i % 200 === 0) {
      text = base;
      file = domain.YamlFile.parse(text);
    }
    const index = new domain.LineIndex(text);
    const p1 = { line: int(index.lineCount), character: int(12) };
    const p2 = random() < 0.6 ? p1 : { line: Math.min(index.lineCount - 1, p1.line + int(4)), character: int(12) };
    const start = index.offsetAt(p1);
    const end = Math.max(start, index.offsetAt(p2));
    const s = index.positionAt(start);
    const e = index.positionAt(end);
    const inserted = inserts[int(inserts.length)]!;
    const next = text.slice(0, start) + inserted + text.slice(end);
    const lineDelta = (inserted.match(/\n/g)?.length ?? 0) - (e.line - s.line);
    const incremental = domain.YamlFile.parseAfterEdit(next, file, { startLine: s.line, endLine: e.line, lineDelta });
    const full = domain.YamlFile.parse(next);
    const shape = (f: { documents: Array<{ slice: { index: number; startOffset: number; endOffset: number; startLine: number; text: string } }> }) =>
      f.documents.map((d) => ({ ...d.slice }));
    assert.deepEqual(shape(incremental), shape(full), `edit ${i} at ${JSON.stringify(s)}-${JSON.stringify(e)} inserting ${JSON.stringify(inserted)}`);
    text = next;
    file = incremental;
  }
});
