// The import rules ARCHITECTURE.md states, checked on the source: the domain never imports an
// editor or LSP library; inside it, use cases import mechanisms and mechanisms import the base,
// never the other way, and no two areas import each other in a cycle; the LSP layer and the CLI
// stay apart; the VS Code client reaches the server only through the protocol module, whose
// imports of the domain are types only. A new import that breaks a rule fails here with the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/lspClient.ts';

interface Import {
  from: string; // repo-relative file
  to: string; // repo-relative file, or the package name
  typeOnly: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : n.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4]!;
    const typeOnly = m[2] !== undefined;
    let to = spec;
    if (spec.startsWith('.')) {
      const base = path.resolve(path.dirname(file), spec);
      to = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => existsSync(c) && statSync(c).isFile()) ?? `${base}.ts`;
      to = path.relative(repoRoot, to);
    }
    out.push({ from: path.relative(repoRoot, file), to, typeOnly });
  }
  return out;
}

const all = [...walk(path.join(repoRoot, 'server/src')), ...walk(path.join(repoRoot, 'client/src'))].flatMap(importsOf);
const domain = 'server/src/domain/';

/** The area of a domain file: its folder (oci/<folder> for the OCI engine), or the file for top-level ones. */
function areaOf(file: string): string {
  const parts = file.slice(domain.length).replace(/\.ts$/, '').split('/');
  if (parts[0] === 'oci') return `oci/${parts[1]}`;
  return parts[0]!;
}

// ARCHITECTURE.md, "Import direction": use cases → mechanisms → base.
const layer: Record<string, number> = {
  index: 4,
  language: 3,
  analysis: 3,
  resolution: 3,
  cluster: 3,
  'oci/operations': 3,
  workspace: 3,
  migration: 3,
  lint: 2,
  validation: 2,
  'oci/registry': 2,
  'oci/artifact': 2,
  signatures: 2,
  ci: 2,
  semver: 1,
  regex: 1,
  digest: 1,
  schema: 1,
  yaml: 1,
  text: 1,
  flux: 1,
  diagnostics: 1,
  'oci/reference': 1,
  'oci/registryHost': 1,
  'oci/manifest': 1,
  'oci/mediaTypes': 1,
  'oci/bufferReclaim': 1,
};

test('the domain imports no editor or LSP library', () => {
  assert.ok(all.length > 500, `only ${all.length} imports were read: the parser above is broken`);
  const bad = all.filter((i) => i.from.startsWith(domain) && /^vscode/.test(i.to));
  assert.deepEqual(bad, []);
});

test('every domain area has a layer in ARCHITECTURE.md, and no area imports a higher layer', () => {
  const domainImports = all.filter((i) => i.from.startsWith(domain) && i.to.startsWith(domain));
  const unknown = [...new Set(domainImports.flatMap((i) => [areaOf(i.from), areaOf(i.to)]))].filter((a) => layer[a] === undefined);
  assert.deepEqual(unknown, [], 'give these areas a layer here and in ARCHITECTURE.md');
  const upward = domainImports.filter((i) => layer[areaOf(i.to)]! > layer[areaOf(i.from)]!).map((i) => `${i.from} → ${i.to}`);
  assert.deepEqual(upward, [], 'a lower layer imports a higher one');
});

test('no two domain areas import each other, directly or through others', () => {
  const edges = new Map<string, Set<string>>();
  for (const i of all) {
    if (!i.from.startsWith(domain) || !i.to.startsWith(domain) || i.typeOnly) continue;
    const a = areaOf(i.from);
    const b = areaOf(i.to);
    if (a !== b && a !== 'index') (edges.get(a) ?? edges.set(a, new Set()).get(a)!).add(b);
  }
  const cycles: string[] = [];
  const visit = (node: string, trail: string[]): void => {
    if (trail.includes(node)) {
      cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
      return;
    }
    for (const next of edges.get(node) ?? []) visit(next, [...trail, node]);
  };
  for (const a of edges.keys()) visit(a, []);
  assert.deepEqual([...new Set(cycles)], []);
});

test('the LSP layer and the CLI stay apart, and the client reaches the server only through the protocol', () => {
  const bad = all
    .filter(
      (i) =>
        (i.from.startsWith('server/src/lsp/') && i.to.startsWith('server/src/cli/')) ||
        (i.from.startsWith('server/src/cli/') && i.to.startsWith('server/src/lsp/')) ||
        (i.from.startsWith('client/') && i.to.startsWith('server/') && !i.to.startsWith('server/src/protocol/')) ||
        (i.from.startsWith('server/src/domain/') &&
          (i.to.startsWith('server/src/lsp/') || i.to.startsWith('server/src/cli/') || i.to.startsWith('server/src/protocol/'))),
    )
    .map((i) => `${i.from} → ${i.to}`);
  assert.deepEqual(bad, []);
});

test('the protocol module imports the domain for types only, so the client bundles no domain code', () => {
  const bad = all.filter((i) => i.from.startsWith('server/src/protocol/') && i.to.startsWith(domain) && !i.typeOnly).map((i) => `${i.from} → ${i.to}`);
  assert.deepEqual(bad, []);
});
