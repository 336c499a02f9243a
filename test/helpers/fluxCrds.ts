/**
 * CustomResourceDefinitions of a bundled Flux release, rebuilt from the schemas flux-oci
 * ships (schemas/index.json for the newest, schemas/releases/index.json for the older ones):
 * the openAPIV3Schema of each served version unchanged, names and scope from the index, and
 * the labels `flux install` puts on them. What a `flux-system/gotk-components.yaml` holds,
 * and what the test control plane installs to play a given Flux version.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface IndexKind {
  group: string;
  kind: string;
  plural: string;
  shortNames?: string[];
  scope: string;
  served: { version: string; storage?: boolean; deprecated?: boolean; schema: string }[];
}
interface ReleaseIndex {
  flux: string;
  kinds: IndexKind[];
}

export function bundledReleases(): ReleaseIndex[] {
  const newest = JSON.parse(readFileSync(path.join(root, 'schemas/index.json'), 'utf8')) as ReleaseIndex;
  const older = (JSON.parse(readFileSync(path.join(root, 'schemas/releases/index.json'), 'utf8')) as { releases: ReleaseIndex[] }).releases;
  return [...older, newest];
}

/** `2.7` → the CRD objects of that release (JSON, ready for the API server or a YAML file). */
export function fluxCrds(minor: string, options: { versionLabel?: boolean } = {}): Record<string, unknown>[] {
  const release = bundledReleases().find((r) => r.flux.replace(/^v(\d+\.\d+).*/, '$1') === minor);
  if (!release) throw new Error(`no bundled Flux ${minor}`);
  return release.kinds.map((k) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${k.plural}.${k.group}`,
      labels: { 'app.kubernetes.io/part-of': 'flux', ...(options.versionLabel === false ? {} : { 'app.kubernetes.io/version': release.flux }) },
    },
    spec: {
      group: k.group,
      names: {
        kind: k.kind,
        listKind: `${k.kind}List`,
        plural: k.plural,
        singular: k.kind.toLowerCase(),
        ...(k.shortNames?.length ? { shortNames: k.shortNames } : {}),
      },
      scope: k.scope,
      versions: k.served.map((s) => ({
        name: s.version,
        served: true,
        storage: !!s.storage,
        ...(s.deprecated ? { deprecated: true } : {}),
        schema: { openAPIV3Schema: JSON.parse(readFileSync(path.join(root, 'schemas', s.schema), 'utf8')) },
        subresources: { status: {} },
      })),
    },
  }));
}

/** The CRDs as one multi-document YAML stream (JSON documents are YAML). */
export function fluxCrdsYaml(minor: string, options: { versionLabel?: boolean } = {}): string {
  return fluxCrds(minor, options)
    .map((c) => `---\n${JSON.stringify(c, null, 1)}\n`)
    .join('');
}

/** `../shared/crds`: Flux 2.9's CRD files byte-for-byte (Apache-2.0; see SOURCES.md there), present only in the flux-oci workplace. */
export const sharedCrdDir = path.resolve(root, '..', 'shared', 'crds');

/** The CRD objects of `../shared/crds`, by file name order; undefined when the folder is absent. */
export function sharedFluxCrds(): Record<string, any>[] | undefined {
  if (!existsSync(sharedCrdDir)) return undefined;
  return readdirSync(sharedCrdDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(path.join(sharedCrdDir, f), 'utf8')).map((d) => d.toJS() as Record<string, any>))
    .filter((c) => c?.['kind'] === 'CustomResourceDefinition');
}
