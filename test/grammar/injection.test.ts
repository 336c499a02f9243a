// Our grammar injection tokenised by vscode-textmate (the engine VS Code runs) on top of the
// real YAML grammar shipped with VS Code (from the code-server install of the e2e tools):
// digests, oci:// URLs and semver operators get our scopes, YAML keeps its own, comments stay
// comments. Needs `bash scripts/e2e/install.sh`; skipped without it, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = process.env['FLUX_OCI_CACHE'] ?? path.join(homedir(), '.cache', 'flux-oci');
const yamlSyntaxes = path.join(cache, 'e2e', 'code-server-4.139.1', 'node_modules', 'code-server', 'lib', 'vscode', 'extensions', 'yaml', 'syntaxes');
const available = existsSync(path.join(yamlSyntaxes, 'yaml.tmLanguage.json'));
const skip = available ? false : process.env['CI'] === 'true' ? false : `VS Code's YAML grammar is not installed (bash scripts/e2e/install.sh)`;

interface Token {
  text: string;
  scopes: string[];
}

async function tokenizer(): Promise<(text: string) => Token[][]> {
  assert.ok(available, `VS Code's YAML grammar is missing at ${yamlSyntaxes}: run bash scripts/e2e/install.sh`);
  const tm = require('vscode-textmate') as typeof import('vscode-textmate');
  const onig = require('vscode-oniguruma') as typeof import('vscode-oniguruma');
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const byScope = new Map<string, string>();
  for (const f of readdirSync(yamlSyntaxes).filter((f) => f.endsWith('.json'))) {
    const g = JSON.parse(readFileSync(path.join(yamlSyntaxes, f), 'utf8')) as { scopeName?: string };
    if (g.scopeName) byScope.set(g.scopeName, path.join(yamlSyntaxes, f));
  }
  const ours = path.join(repoRoot, 'syntaxes', 'flux-oci.injection.tmLanguage.json');
  byScope.set('flux-oci.injection', ours);
  const registry = new tm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new onig.OnigScanner(p), createOnigString: (s: string) => new onig.OnigString(s) }),
    loadGrammar: async (scope: string) => {
      const file = byScope.get(scope);
      return file ? tm.parseRawGrammar(readFileSync(file, 'utf8'), file) : null;
    },
    // What package.json's contributes.grammars[].injectTo declares.
    getInjections: (scope: string) => (scope === 'source.yaml' ? ['flux-oci.injection'] : undefined),
  });
  const grammar = await registry.loadGrammar('source.yaml');
  assert.ok(grammar);
  return (text: string) => {
    let state = tm.INITIAL;
    return text.split('\n').map((line) => {
      const r = grammar.tokenizeLine(line, state);
      state = r.ruleStack;
      return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
    });
  };
}

function scopesOf(lines: Token[][], text: string): string[] {
  const t = lines.flat().find((x) => x.text === text);
  assert.ok(t, `no token "${text}" in ${JSON.stringify(lines.flat().map((x) => x.text))}`);
  return t.scopes;
}

test('package.json injects our grammar into YAML instead of adding a YAML grammar', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    contributes: { grammars: Array<{ scopeName: string; injectTo?: string[]; language?: string }>; languages?: unknown };
  };
  assert.deepEqual(pkg.contributes.grammars, [
    { scopeName: 'flux-oci.injection', path: './syntaxes/flux-oci.injection.tmLanguage.json', injectTo: ['source.yaml'] },
  ]);
  assert.equal(pkg.contributes.languages, undefined, 'no language of our own: YAML stays YAML');
});

test('an OCIRepository highlights its URL, semver operators and digest on top of YAML', { skip }, async () => {
  const tokenize = await tokenizer();
  const digest = `sha256:${'a1'.repeat(32)}`;
  const lines = tokenize(
    [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'spec:',
      '  url: oci://ghcr.io/org/app',
      '  ref:',
      '    semver: ">=1.0.0 <2.0.0 || ~3.1"',
      `    digest: ${digest}`,
      `  # old: oci://ghcr.io/org/old >=0.1.0 ${digest}`,
      '  revision: main@sha1:0123456789abcdef0123456789abcdef01234567',
    ].join('\n'),
  );
  // YAML keeps its keys.
  assert.ok(
    scopesOf(lines, 'kind').some((s) => s.startsWith('entity.name.tag')),
    scopesOf(lines, 'kind').join(' '),
  );
  // oci:// URL parts.
  assert.ok(scopesOf(lines, 'oci://').includes('keyword.other.scheme.oci.flux-oci'));
  assert.ok(scopesOf(lines, 'ghcr.io').includes('entity.name.namespace.registry.flux-oci'));
  assert.ok(scopesOf(lines, 'ghcr.io').includes('markup.underline.link.oci-url.flux-oci'));
  // Semver operators and versions inside the quoted string, which stays a YAML string.
  const ge = scopesOf(lines, '>=');
  assert.ok(ge.includes('keyword.operator.comparison.semver.flux-oci'), ge.join(' '));
  assert.ok(
    ge.some((s) => s.startsWith('string.quoted.double')),
    'still inside the YAML string',
  );
  assert.ok(scopesOf(lines, '1.0.0').includes('constant.numeric.version.semver.flux-oci'));
  assert.ok(scopesOf(lines, '||').includes('keyword.operator.logical.or.semver.flux-oci'));
  assert.ok(scopesOf(lines, '~').includes('keyword.operator.comparison.semver.flux-oci'));
  // Digest.
  const hex = lines[6]!.find((t) => t.text.includes('a1a1'))!;
  assert.ok(hex.scopes.includes('constant.numeric.digest.sha256.flux-oci'), hex.scopes.join(' '));
  assert.ok(scopesOf(lines, 'sha1').includes('storage.type.digest-algorithm.flux-oci'));
  // Comments stay comments: nothing of ours inside them.
  for (const t of lines[7]!) assert.ok(!t.scopes.some((s) => s.endsWith('.flux-oci')), `${t.text}: ${t.scopes.join(' ')}`);
});

test('plain YAML numbers and words are left alone', { skip }, async () => {
  const tokenize = await tokenizer();
  const lines = tokenize('replicas: 3\nimage: nginx:1.27\nnote: a <b> tag\n');
  for (const t of lines.flat()) assert.ok(!t.scopes.some((s) => s.endsWith('.flux-oci')), `${t.text}: ${t.scopes.join(' ')}`);
});
