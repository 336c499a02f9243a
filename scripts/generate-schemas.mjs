// Generates the shipped schemas from Flux's real CRDs so the extension and CLI
// validate offline, without ../shared. Reads ../shared/crds when present; when it
// is absent the committed files in schemas/ are kept as they are.
//
// Writes:
//   schemas/<group>_<version>_<Kind>.json  the version's openAPIV3Schema, x-kubernetes-* kept
//   schemas/index.json                     kinds, served versions, versions no longer served
//   schemas/ATTRIBUTION.md                 Apache-2.0 attribution with source repos/commits
//   server/src/domain/schema/shippedSchemas.generated.ts   static imports so esbuild bundles them,
//     with the older releases' schemas of schemas/releases/ (scripts/generate-release-schemas.mjs,
//     run by hand); a release schema byte-identical to a Flux 2.9 one is imported once, from schemas/
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const crdDir = path.resolve(root, '../shared/crds');
const outDir = path.join(root, 'schemas');
const tsOut = path.join(root, 'server/src/domain/schema/shippedSchemas.generated.ts');

if (!existsSync(crdDir)) {
  if (!existsSync(path.join(outDir, 'index.json'))) {
    console.error(`generate-schemas: ${crdDir} is absent and schemas/index.json is missing; restore schemas/ from git.`);
    process.exit(1);
  }
  console.log('generate-schemas: ../shared/crds absent, keeping the committed schemas/');
  process.exit(0);
}

/**
 * API versions that older Flux releases served and Flux 2.9 no longer does, per
 * group, and when they went away where that is documented. The CRDs only carry
 * the served version, so this history is kept here.
 */
const retiredVersions = {
  'source.toolkit.fluxcd.io': { versions: ['v1alpha1', 'v1beta1', 'v1beta2'], note: { v1beta2: 'removed in Flux 2.8 with source-controller 1.8.0' } },
  'kustomize.toolkit.fluxcd.io': { versions: ['v1alpha1', 'v1beta1', 'v1beta2'], note: {} },
  'helm.toolkit.fluxcd.io': { versions: ['v2alpha1', 'v2beta1', 'v2beta2'], note: {} },
  'notification.toolkit.fluxcd.io': { versions: ['v1alpha1', 'v1beta1', 'v1beta2', 'v1beta3'], note: {} },
  'image.toolkit.fluxcd.io': { versions: ['v1alpha1', 'v1alpha2', 'v1beta1', 'v1beta2'], note: {} },
};

mkdirSync(outDir, { recursive: true });
/** Kinds that did not exist in every retired version of their group. */
const retiredByKind = {
  'source.toolkit.fluxcd.io/OCIRepository': ['v1beta2'],
  'source.toolkit.fluxcd.io/ExternalArtifact': [],
  'notification.toolkit.fluxcd.io/Receiver': ['v1beta1', 'v1beta2'],
};

const sources = parseSources(readFileSync(path.join(crdDir, 'SOURCES.md'), 'utf8'));
const kinds = [];
const written = [];
for (const file of readdirSync(crdDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()) {
  for (const doc of parseAllDocuments(readFileSync(path.join(crdDir, file), 'utf8'))) {
    const crd = doc.toJSON();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    const { group, names, scope, versions } = crd.spec;
    const served = [];
    for (const v of versions) {
      if (!v.served) continue;
      const schemaFile = `${group}_${v.name}_${names.kind}.json`;
      writeFileSync(path.join(outDir, schemaFile), JSON.stringify(v.schema.openAPIV3Schema) + '\n');
      written.push({ file: schemaFile, group, version: v.name, kind: names.kind });
      served.push({ version: v.name, storage: !!v.storage, deprecated: !!v.deprecated, schema: schemaFile });
    }
    const src = sources.get(file);
    const servedNames = new Set(served.map((x) => x.version));
    const retiredHere = (retiredByKind[`${group}/${names.kind}`] ?? retiredVersions[group]?.versions ?? [])
      .filter((v) => !servedNames.has(v))
      .map((v) => ({ version: v, ...(retiredVersions[group]?.note[v] ? { note: retiredVersions[group].note[v] } : {}) }));
    kinds.push({
      group,
      kind: names.kind,
      plural: names.plural,
      shortNames: names.shortNames ?? [],
      scope,
      served,
      retired: retiredHere,
      source: src ? { repository: src.repository, path: src.path, commit: src.commit } : undefined,
    });
  }
}

// drop schema files of versions/kinds that are gone
const keep = new Set(written.map((w) => w.file));
for (const f of readdirSync(outDir)) if (/_.+_.+\.json$/.test(f) && !keep.has(f)) rmSync(path.join(outDir, f));

const retired = {};
for (const [group, r] of Object.entries(retiredVersions)) {
  const servedHere = new Set(kinds.filter((k) => k.group === group).flatMap((k) => k.served.map((s) => s.version)));
  retired[group] = r.versions
    .filter((v) => !servedHere.has(v) || kinds.some((k) => k.group === group && !k.served.some((s) => s.version === v)))
    .map((v) => ({ version: v, ...(r.note[v] ? { note: r.note[v] } : {}) }));
}

const index = {
  flux: 'v2.9.4',
  generatedFrom: '../shared/crds (see ATTRIBUTION.md)',
  kinds: kinds.sort((a, b) => (a.group + a.kind).localeCompare(b.group + b.kind)),
  retiredVersions: retired,
};
writeFileSync(path.join(outDir, 'index.json'), JSON.stringify(index, null, 2) + '\n');

const attribution = [
  '# Attribution',
  '',
  'The JSON schemas in this folder are the `openAPIV3Schema` of the CustomResourceDefinitions',
  'generated by controller-gen in the Flux controller repositories (Flux v2.9.4), copied',
  'without change other than the YAML → JSON conversion. They are licensed under the',
  'Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0),',
  'Copyright The Flux authors.',
  '',
  '| Schema | Repository | Path | Commit |',
  '|---|---|---|---|',
  ...written.map((w) => {
    const k = kinds.find((x) => x.group === w.group && x.kind === w.kind);
    const s = k?.source;
    return `| ${w.file} | ${s?.repository ?? '?'} | ${s?.path ?? '?'} | ${s?.commit ?? '?'} |`;
  }),
  '',
  'Generated by `scripts/generate-schemas.mjs`; do not edit by hand.',
  '',
].join('\n');
writeFileSync(path.join(outDir, 'ATTRIBUTION.md'), attribution);

writeFileSync(tsOut, moduleSource(written));
console.log(`generate-schemas: ${written.length} schemas from ${crdDir}`);

function parseSources(md) {
  const rows = new Map();
  for (const line of md.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 7 || !cells[1]?.endsWith('.yaml')) continue;
    rows.set(cells[1], { repository: cells[2], path: cells[3], ref: cells[4], commit: cells[5] });
  }
  return rows;
}

/**
 * The generated module: Flux 2.9's schemas and index as static JSON imports, and the older
 * releases' schemas as JSON text (parsed on first use, so a workspace on the newest Flux pays
 * no start-up time for them); a release schema byte-identical to a 2.9 one is the 2.9 import.
 */
function moduleSource(written) {
  const releaseDir = path.join(outDir, 'releases');
  const hasReleases = existsSync(path.join(releaseDir, 'index.json'));
  const hash = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
  const byHash = new Map(written.map((w, i) => [hash(path.join(outDir, w.file)), `s${i}`]));
  const releaseFiles = hasReleases
    ? readdirSync(releaseDir)
        .filter((f) => f.endsWith('.json') && f !== 'index.json')
        .sort()
    : [];
  const shared = [];
  const texts = [];
  for (const f of releaseFiles) {
    const key = JSON.stringify(`releases/${f}`);
    const same = byHash.get(hash(path.join(releaseDir, f)));
    if (same) shared.push(`  ${key}: ${same},`);
    else texts.push(`  ${key}: ${JSON.stringify(readFileSync(path.join(releaseDir, f), 'utf8').trim())},`);
  }
  return [
    '// Generated by scripts/generate-schemas.mjs: do not edit. Static JSON imports let',
    '// esbuild bundle the schemas into the server and CLI, so a VSIX/npm install needs no files beside them.',
    "import index from '../../../../schemas/index.json';",
    ...written.map((w, i) => `import s${i} from '../../../../schemas/${w.file}';`),
    ...(hasReleases ? ["import releases from '../../../../schemas/releases/index.json';"] : []),
    '',
    'export const shippedIndex = index;',
    '',
    'export const shippedSchemas: Record<string, unknown> = {',
    ...written.map((w, i) => `  ${JSON.stringify(w.file)}: s${i},`),
    '};',
    '',
    '/** Older Flux releases (schemas/releases/index.json); their schema files are keys of shippedSchemas or releaseSchemaTexts. */',
    `export const releaseIndex: unknown = ${hasReleases ? 'releases' : '{ releases: [] }'};`,
    '',
    "// Older releases' schemas identical to a Flux 2.9 one.",
    'Object.assign(shippedSchemas, {',
    ...shared,
    '});',
    '',
    "/** The other older releases' schemas, as JSON text: parsed when a workspace on that release first needs them. */",
    'export const releaseSchemaTexts: Record<string, string> = {',
    ...texts,
    '};',
    '',
  ].join('\n');
}
