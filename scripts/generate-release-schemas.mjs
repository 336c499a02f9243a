// Generates the schemas of older Flux releases (run by hand; the output is committed).
//
//   node scripts/generate-release-schemas.mjs [--git-mirrors DIR] [--releases v2.7.5,v2.8.3]
//
// For each release, reads which controller versions it pins from fluxcd/flux2's own
// `manifests/bases/<controller>/kustomization.yaml` (the flux2 module zip, from the Go module
// proxy), then takes each controller's `config/crd/bases/*.yaml` at that exact version: from the
// controller's module zip when the Go module proxy serves it, else from the controller's git tag in
// a local clone under --git-mirrors (`DIR/fluxcd+<name>/repo`, `DIR/<name>` or `DIR/<name>.git`).
// Nothing is fetched from anywhere else; a controller found in neither place fails the run.
//
// Writes (schemas/releases/):
//   <group>_<Kind>.<sha256:10>.json  each served version's openAPIV3Schema, named by content, so
//                                    a schema identical across versions or releases is stored once
//   index.json                                 per release: kinds, served/deprecated versions, retired ones
//   ATTRIBUTION.md                             Apache-2.0 attribution: repository, version, commit, file
// The newest release (2.9) stays in schemas/ (scripts/generate-schemas.mjs, from ../shared/crds);
// the build imports a release schema that is byte-identical to a 2.9 one from there, once.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outDir = path.join(root, 'schemas', 'releases');
const argv = process.argv.slice(2);
const arg = (name, d) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : d;
};
const releases = arg('releases', 'v2.7.5,v2.8.3').split(',');
const mirrors = arg('git-mirrors', process.env.FLUX_CRDS_GIT_MIRRORS ?? '');

/** API versions each group served at some point (oldest first); what a release does not serve of these is retired there. */
const history = {
  'source.toolkit.fluxcd.io': ['v1alpha1', 'v1beta1', 'v1beta2'],
  'kustomize.toolkit.fluxcd.io': ['v1alpha1', 'v1beta1', 'v1beta2'],
  'helm.toolkit.fluxcd.io': ['v2alpha1', 'v2beta1', 'v2beta2'],
  'notification.toolkit.fluxcd.io': ['v1alpha1', 'v1beta1', 'v1beta2', 'v1beta3'],
  'image.toolkit.fluxcd.io': ['v1alpha1', 'v1alpha2', 'v1beta1', 'v1beta2'],
};
/** Kinds that did not exist in every version of their group's history. */
const historyByKind = {
  'source.toolkit.fluxcd.io/OCIRepository': ['v1beta2'],
  'source.toolkit.fluxcd.io/ExternalArtifact': [],
  'notification.toolkit.fluxcd.io/Receiver': ['v1beta1', 'v1beta2'],
};

function go(...args) {
  return execFileSync('go', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOFLAGS: '-mod=mod' } });
}

/** `go mod download -json` of one module version, or undefined when the proxy refuses it. */
function moduleDir(module, version) {
  try {
    const info = JSON.parse(go('mod', 'download', '-json', `${module}@${version}`));
    return info.Dir ? { dir: info.Dir, sum: info.Sum } : undefined;
  } catch (e) {
    const out = String(e.stdout ?? '');
    try {
      const info = JSON.parse(out);
      if (info.Dir) return { dir: info.Dir, sum: info.Sum };
    } catch {
      /* refused */
    }
    return undefined;
  }
}

function gitRepo(name) {
  if (!mirrors) return undefined;
  for (const candidate of [path.join(mirrors, `fluxcd+${name}`, 'repo'), path.join(mirrors, name), path.join(mirrors, `${name}.git`)]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const git = (repo, ...args) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

/** The CRD files of one controller version: [{file, text}], plus where they came from. */
function controllerCrds(name, version) {
  const module = name === 'source-watcher' && version.startsWith('v2') ? `github.com/fluxcd/${name}/v2` : `github.com/fluxcd/${name}`;
  const mod = moduleDir(module, version);
  if (mod) {
    const dir = path.join(mod.dir, 'config', 'crd', 'bases');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    return {
      from: `Go module proxy ${module}@${version} (${mod.sum})`,
      commit: '',
      files: files.map((f) => ({ file: f, text: readFileSync(path.join(dir, f), 'utf8') })),
    };
  }
  const repo = gitRepo(name);
  if (!repo) throw new Error(`${module}@${version}: the Go module proxy does not serve it and no clone of fluxcd/${name} was found under --git-mirrors`);
  const commit = git(repo, 'rev-parse', `${version}^{commit}`).trim();
  const files = git(repo, 'ls-tree', '--name-only', commit, 'config/crd/bases/')
    .split('\n')
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return {
    from: `git tag ${version} of fluxcd/${name}`,
    commit,
    files: files.map((f) => ({ file: path.basename(f), text: git(repo, 'show', `${commit}:${f}`) })),
  };
}

/** Which controller versions a Flux release pins (flux2 manifests/bases/<controller>/kustomization.yaml). */
function pinsOf(release) {
  const mod = moduleDir('github.com/fluxcd/flux2/v2', release);
  if (!mod) throw new Error(`github.com/fluxcd/flux2/v2@${release} is not served by the Go module proxy`);
  const bases = path.join(mod.dir, 'manifests', 'bases');
  const pins = [];
  for (const controller of readdirSync(bases).sort()) {
    const k = path.join(bases, controller, 'kustomization.yaml');
    if (!existsSync(k)) continue;
    const resources = parseYaml(readFileSync(k, 'utf8'))?.resources ?? [];
    const crds = resources.find((r) => typeof r === 'string' && r.endsWith('.crds.yaml'));
    const m = crds && /github\.com\/fluxcd\/([a-z-]+)\/releases\/download\/(v[0-9][^/]*)\//.exec(crds);
    if (m) pins.push({ name: m[1], version: m[2] });
  }
  return { pins, sum: mod.sum };
}

const sha = (text) => createHash('sha256').update(text).digest('hex');
const gitBlob = (text) =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(text)}\0`)
    .update(text)
    .digest('hex');

const tmp = `${outDir}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

const out = { generatedBy: 'scripts/generate-release-schemas.mjs', releases: [] };
const attributionRows = [];
const written = new Set();
for (const release of releases) {
  const { pins, sum } = pinsOf(release);
  const kinds = [];
  for (const pin of pins) {
    const src = controllerCrds(pin.name, pin.version);
    for (const { file, text } of src.files) {
      attributionRows.push(
        `| ${release} | fluxcd/${pin.name} | ${pin.version} | config/crd/bases/${file} | ${src.commit || '(module zip)'} | ${gitBlob(text)} | ${src.from} |`,
      );
      for (const doc of parseAllDocuments(text)) {
        const crd = doc.toJSON();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        const { group, names, scope, versions } = crd.spec;
        const served = [];
        for (const v of versions) {
          if (!v.served) continue;
          const json = JSON.stringify(v.schema.openAPIV3Schema) + '\n';
          const schemaFile = `${group}_${names.kind}.${sha(json).slice(0, 10)}.json`;
          if (!written.has(schemaFile)) (writeFileSync(path.join(tmp, schemaFile), json), written.add(schemaFile));
          served.push({ version: v.name, storage: !!v.storage, deprecated: !!v.deprecated, schema: `releases/${schemaFile}` });
        }
        const servedNames = new Set(served.map((s) => s.version));
        const retired = (historyByKind[`${group}/${names.kind}`] ?? history[group] ?? []).filter((v) => !servedNames.has(v)).map((version) => ({ version }));
        kinds.push({
          group,
          kind: names.kind,
          plural: names.plural,
          shortNames: names.shortNames ?? [],
          scope,
          served,
          retired,
          source: { repository: `fluxcd/${pin.name}`, version: pin.version, path: `config/crd/bases/${file}`, ...(src.commit ? { commit: src.commit } : {}) },
        });
      }
    }
  }
  kinds.sort((a, b) => (a.group + a.kind).localeCompare(b.group + b.kind));
  const retiredVersions = {};
  for (const [group, versions] of Object.entries(history)) {
    const servedHere = new Set(kinds.filter((k) => k.group === group).flatMap((k) => k.served.map((s) => s.version)));
    retiredVersions[group] = versions.filter((v) => !servedHere.has(v)).map((version) => ({ version }));
  }
  out.releases.push({
    flux: release,
    flux2Module: `github.com/fluxcd/flux2/v2@${release} (${sum})`,
    controllers: Object.fromEntries(pins.map((p) => [p.name, p.version])),
    kinds,
    retiredVersions,
  });
  console.log(`generate-release-schemas: ${release}: ${kinds.length} kinds from ${pins.map((p) => `${p.name}@${p.version}`).join(', ')}`);
}

writeFileSync(path.join(tmp, 'index.json'), JSON.stringify(out, null, 2) + '\n');
writeFileSync(
  path.join(tmp, 'ATTRIBUTION.md'),
  [
    '# Attribution (older Flux releases)',
    '',
    'The JSON schemas in this folder are the `openAPIV3Schema` of the CustomResourceDefinitions',
    'generated by controller-gen in the Flux controller repositories, at the controller versions',
    'each Flux release pins in `fluxcd/flux2` `manifests/bases/*/kustomization.yaml`, copied without',
    'change other than the YAML → JSON conversion. File names carry the first 10 hex digits of the',
    "JSON's sha256, so a schema shared by several releases is stored once. They are licensed under the",
    'Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0), Copyright The Flux authors.',
    '',
    '| Flux | Repository | Version | File | Commit | Git blob of the CRD | Taken from |',
    '|---|---|---|---|---|---|---|',
    ...attributionRows,
    '',
    'Generated by `scripts/generate-release-schemas.mjs`; do not edit by hand.',
    '',
  ].join('\n'),
);
rmSync(outDir, { recursive: true, force: true });
renameSync(tmp, outDir);
console.log(`generate-release-schemas: ${written.size} distinct schemas in schemas/releases/`);
