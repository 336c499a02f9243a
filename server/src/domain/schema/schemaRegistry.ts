import { propertySchema, type SchemaNode } from './schemaNode';
import { activeSchemaSet } from './schemaSet';
import { isFluxApiVersion, splitApiVersion } from '../flux/apiGroups';

/**
 * The Flux 2.9 schemas shipped with flux-oci (generated from the CRDs by
 * scripts/generate-schemas.mjs and bundled into the JS by esbuild, so nothing is
 * read from disk at run time). Each kind is normalised on first use.
 */
export interface KnownKind {
  group: string;
  version: string;
  kind: string;
  /** False for versions older Flux releases served and Flux 2.9 does not. */
  served: boolean;
  /** Served, but marked deprecated in its CRD (an older release's beta kept for migration). */
  deprecated?: boolean;
  /** `group/version`, ready for an `apiVersion:` value. */
  apiVersion: string;
  description?: string;
}

interface IndexKind {
  group: string;
  kind: string;
  served: { version: string; schema: string; deprecated?: boolean }[];
  /** Versions older Flux releases served for this kind. */
  retired?: { version: string; note?: string }[];
}

interface IndexFile {
  flux: string;
  kinds: IndexKind[];
  retiredVersions: Record<string, { version: string; note?: string }[]>;
}

/**
 * The index of the active schema set (a bundled Flux release, or CRDs from the
 * workspace or the cluster: see schemaSet.ts), read through on every access so
 * each lookup below answers from the set in place.
 */
const index: IndexFile = {
  get flux() {
    return activeSchemaSet().index.flux;
  },
  get kinds() {
    return activeSchemaSet().index.kinds;
  },
  get retiredVersions() {
    return activeSchemaSet().index.retiredVersions;
  },
};

/** How the active schemas are named to the user, e.g. `Flux 2.8`. */
export function activeSchemaLabel(): string {
  return activeSchemaSet().label;
}

function loadSchema(file: string): SchemaNode | undefined {
  return activeSchemaSet().schema(file);
}

function findKind(group: string, kind: string): IndexKind | undefined {
  return index.kinds.find((k) => k.group === group && k.kind === kind);
}

/** The schema of a whole object, when flux-oci ships one for this apiVersion and kind. */
export function schemaForObject(apiVersion: string, kind: string): SchemaNode | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const k = findKind(group, kind);
  const v = k?.served.find((s) => s.version === version);
  return v ? loadSchema(v.schema) : undefined;
}

/**
 * Whether flux-oci validates, completes and documents an object: every object of a Flux
 * group; another group's only when the active schemas hold its CRD for exactly this version
 * and kind (Flux Operator's FluxInstance with its CRDs in the cluster or the workspace).
 */
export function isCheckedObject(apiVersion: string | undefined, kind: string | undefined): boolean {
  if (!apiVersion || !kind) return false;
  return isFluxApiVersion(apiVersion) || schemaForObject(apiVersion, kind) !== undefined;
}

/** Whether a served version is marked deprecated in its CRD (still served: the API server warns). */
export function isDeprecatedVersion(group: string, kind: string, version: string): boolean {
  return findKind(group, kind)?.served.find((s) => s.version === version)?.deprecated === true;
}

/** What the served schemas know about a kind (any version). */
export function servedVersionsOf(group: string, kind: string): string[] | undefined {
  return findKind(group, kind)?.served.map((s) => s.version);
}

/** The groups (with their served versions) that serve a kind. */
export function groupsOfKind(kind: string): { group: string; versions: string[] }[] {
  return index.kinds.filter((k) => k.kind === kind && k.served.length).map((k) => ({ group: k.group, versions: k.served.map((s) => s.version) }));
}

/** Kinds served by Flux 2.9 in a group. */
export function kindsOfGroup(group: string): string[] {
  return index.kinds.filter((k) => k.group === group).map((k) => k.kind);
}

/** A version an older Flux served in this group (for this kind, when given) and Flux 2.9 does not, with a note when known. */
export function retiredVersion(group: string, version: string, kind?: string): { version: string; note?: string } | undefined {
  const perKind = kind ? findKind(group, kind)?.retired : undefined;
  return (perKind ?? index.retiredVersions[group])?.find((r) => r.version === version);
}

/**
 * Every apiVersion/kind pair flux-oci knows, for `apiVersion:`/`kind:` completion.
 * Retired versions are listed with `served: false` so an editor can show them struck through.
 */
export function knownKinds(): KnownKind[] {
  const out: KnownKind[] = [];
  for (const k of index.kinds) {
    for (const s of k.served) {
      const description = loadSchema(s.schema)?.description;
      out.push({
        group: k.group,
        version: s.version,
        kind: k.kind,
        served: true,
        apiVersion: `${k.group}/${s.version}`,
        ...(description ? { description } : {}),
        ...(s.deprecated ? { deprecated: true } : {}),
      });
    }
    for (const r of k.retired ?? index.retiredVersions[k.group] ?? []) {
      if (k.served.some((s) => s.version === r.version)) continue;
      out.push({ group: k.group, version: r.version, kind: k.kind, served: false, apiVersion: `${k.group}/${r.version}` });
    }
  }
  return out;
}

/**
 * Walks from a schema node along a path of mapping keys and sequence indexes
 * (e.g. `['spec', 'ref', 'semver']`). Returns undefined where the schema says
 * nothing (unknown key, or inside a preserve-unknown-fields value).
 */
export function schemaAtPath(root: SchemaNode, path: readonly (string | number)[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const seg of path) {
    if (!node) return undefined;
    if (typeof seg === 'number') node = node.items;
    else node = propertySchema(node, seg);
  }
  return node;
}
