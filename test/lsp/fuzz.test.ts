// Fuzz: thousands of seeded mutations of real Flux files (the shared corpus when present,
// else our fixtures) sent to the real server, with every request at random positions.
// The server must answer each request and never die.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Position } from 'vscode-languageserver-protocol';
import { LspClient, repoRoot } from '../helpers/lspClient.ts';
import { seededRandom as rng } from '../helpers/seededRandom.ts';
import { realWorldCorpus, yamlFilesUnder } from '../helpers/corpus.ts';

const corpus = realWorldCorpus;
const seed = Number(process.env['FUZZ_SEED'] ?? 20261122);
const mutations = Number(process.env['FUZZ_MUTATIONS'] ?? 5000);
const budgetMs = Number(process.env['FUZZ_BUDGET_MS'] ?? 75_000);

const random = rng(seed);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const noise = [
  '\t',
  ':',
  '- ',
  '---',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  '#',
  '&a',
  '*a',
  '!!str',
  '|',
  '>',
  '?',
  '%',
  '\u00e9',
  '\u{1F680}',
  '\u200b',
  '\r',
  '${VAR}',
  'sourceRef:',
  'name: x',
  '\\',
  '\u0000',
];

function mutate(text: string): string {
  const lines = text.split('\n');
  const op = int(11);
  const i = int(lines.length);
  switch (op) {
    case 0:
      lines.splice(i, 1);
      break;
    case 1:
      lines.splice(i, 0, lines[int(lines.length)] ?? '');
      break;
    case 2: {
      const j = int(lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      break;
    }
    case 3: {
      const l = lines[i] ?? '';
      const at = int(l.length + 1);
      lines[i] = l.slice(0, at) + pick(noise) + l.slice(at);
      break;
    }
    case 4:
      lines[i] = ' '.repeat(int(5)) + (lines[i] ?? '').trimStart();
      break;
    case 5:
      return text.slice(0, int(text.length + 1));
    case 6:
      lines[i] = (lines[i] ?? '').replace(/^ +/, (m) => '\t'.repeat(Math.ceil(m.length / 2)));
      break;
    case 7:
      lines.splice(i, 0, '---');
      break;
    case 8: {
      const l = lines[i] ?? '';
      const at = int(l.length + 1);
      lines[i] = l.slice(0, at) + String.fromCodePoint(0x80 + int(0x2000)) + l.slice(at);
      break;
    }
    case 9:
      lines[i] = (lines[i] ?? '').slice(0, int((lines[i] ?? '').length + 1));
      break;
    default:
      lines.splice(i, 0, ' '.repeat(int(8)) + pick(['- ', '', 'key: ', '? ']) + pick(noise));
  }
  return lines.join('\n');
}

function randomPosition(text: string): Position {
  const lines = text.split('\n');
  const line = int(lines.length + 1); // sometimes one past the end
  return { line, character: int((lines[line]?.length ?? 0) + 3) };
}

let client: LspClient;
let sources: string[];

before(async () => {
  const dir = existsSync(corpus) ? corpus : path.join(repoRoot, 'test/fixtures');
  if (!existsSync(corpus)) console.log(`fuzz: ${corpus} is absent (it exists only in the flux-oci workplace); using test/fixtures`);
  sources = yamlFilesUnder(dir).map((f) => readFileSync(f, 'utf8'));
  client = await LspClient.start();
});

after(async () => {
  await client.stop();
});

test(`fuzz: ${mutations} seeded mutations (seed ${seed}) never kill the server and every request answers`, async () => {
  assert.ok(sources.length > 0);
  const started = Date.now();
  const open = new Map<string, string>();
  let done = 0;
  let requests = 0;
  for (; done < mutations && Date.now() - started < budgetMs; done++) {
    const slot = `file:///fuzz/doc-${int(6)}.yaml`;
    let text = open.get(slot) ?? pick(sources);
    const steps = 1 + int(3);
    for (let s = 0; s < steps; s++) text = mutate(text);
    if (!open.has(slot)) client.open(slot, text);
    else if (random() < 0.5) client.replaceAll(slot, text);
    else {
      // An incremental edit over a random range, like typing would send.
      const previous = open.get(slot)!;
      const a = randomPosition(previous);
      const b = randomPosition(previous);
      const [start, end] = a.line < b.line || (a.line === b.line && a.character <= b.character) ? [a, b] : [b, a];
      const inserted = pick(noise);
      client.change(slot, [{ range: { start, end }, text: inserted }]);
      // We cannot cheaply mirror a clamped incremental edit, so resend the full text next time.
      text = previous;
      client.replaceAll(slot, text);
    }
    open.set(slot, text);
    if (random() < 0.05) {
      client.close(slot);
      open.delete(slot);
      continue;
    }
    const pos = randomPosition(text);
    const range = { start: pos, end: randomPosition(text) };
    const asked: Array<Promise<unknown>> = [
      client.completion(slot, pos),
      client.hover(slot, pos),
      client.definition(slot, pos),
      client.references(slot, pos, random() < 0.5),
      client.documentSymbols(slot),
      client.codeActions(slot, range, [{ range, message: 'x', code: 'yaml/syntax', severity: 1 }]),
    ];
    requests += asked.length;
    await Promise.all(asked);
    assert.ok(client.alive, `server died after mutation ${done}`);
  }
  // Still healthy: a clean document gets its diagnostics.
  const pending = client.diagnostics('file:///fuzz/final.yaml', 1);
  client.open('file:///fuzz/final.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n');
  assert.deepEqual(await pending, []);
  const crashes = client.logs.filter((l) => / failed: /.test(l));
  console.log(`fuzz: ${done} mutations, ${requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; ${crashes.length} handler errors caught`);
  assert.deepEqual(crashes.slice(0, 5), [], 'no handler threw (errors are caught, but each one is a bug)');
  assert.ok(done >= Math.min(mutations, 500), `ran at least 500 mutations (${done})`);
});
