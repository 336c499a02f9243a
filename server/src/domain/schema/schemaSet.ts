import { AsyncLocalStorage } from 'node:async_hooks';
import { releaseIndex, releaseSchemaTexts, shippedIndex, shippedSchemas } from './shippedSchemas.generated';
import { normalizeSchema, type RawSchema, type SchemaNode } from './schemaNode';
import { objectMetaSchema } from './objectMeta';
import { fluxApiGroups } from '../flux/apiGroups';

/**
 * One consistent set of Flux schemas: a bundled Flux release (2.7, 2.8, 2.9), or
 * the CustomResourceDefinitions found in a workspace or read from a cluster.
 * `schemaRegistry.ts` answers from the set that is active (see `withSchemaSet`),
 * so validation, completion and hover follow whatever the user runs without
 * knowing where the schemas came from.
 */
export interface IndexServed {
  version: string;
  schema: string;
  deprecated?: boolean;
  storage?: boolean;
}

export interface IndexKind {
  group: string;
  kind: string;
  served: IndexServed[];
  /** Versions older Flux releases served for this kind. */
  retired?: { version: string; note?: string }[];
}

export interface SchemaIndex {
  flux: string;
  kinds: IndexKind[];
  retiredVersions: Record<string, { version: string; note?: string }[]>;
}

let nextId = 0;

export class SchemaSet {
  /** Distinguishes sets in caches (analysis results are memoised per set). */
  readonly id: number = nextId++;
  private readonly normalized = new Map<string, SchemaNode>();
  /** For a set made of CRDs: those CRDs and the set the kinds they lack come from (so more CRDs can be layered on it). */
  fromCrds?: { crds: readonly CrdObject[]; base: SchemaSet };

  constructor(
    readonly index: SchemaIndex,
    private readonly raw: (file: string) => RawSchema | undefined,
    /** How the set is named to the user: `Flux 2.8`, `the cluster's CRDs (context kind-dev)`. */
    readonly label: string,
    /** `X.Y` of the Flux release the set is (or is closest to), when known. */
    readonly fluxMinor: string | undefined,
  ) {}

  /** The normalised schema of a file named in the index, with ObjectMeta under `metadata`. */
  schema(file: string): SchemaNode | undefined {
    let node = this.normalized.get(file);
    if (node) return node;
    const raw = this.raw(file);
    if (!raw) return undefined;
    const root = normalizeSchema(raw);
    node = Object.freeze({ ...root, properties: Object.freeze({ ...root.properties, metadata: objectMetaSchema }) });
    this.normalized.set(file, node);
    return node;
  }
}

// ---------- bundled releases ----------

const minorOf = (v: string): string => v.replace(/^v?(\d+\.\d+).*$/, '$1');
const compareMinor = (a: string, b: string): number => {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am! - bm! || an! - bn!;
};

/** A bundled schema: 2.9's are objects; older releases' are JSON text, parsed on first use. */
const fromShipped = (file: string): RawSchema | undefined => {
  const known = shippedSchemas[file];
  if (known !== undefined) return known as RawSchema;
  const text = releaseSchemaTexts[file];
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as RawSchema;
  shippedSchemas[file] = parsed;
  return parsed;
};
const newest = new SchemaSet(
  shippedIndex as unknown as SchemaIndex,
  fromShipped,
  `Flux ${minorOf((shippedIndex as { flux: string }).flux)}`,
  minorOf((shippedIndex as { flux: string }).flux),
);
let bundled: SchemaSet[] | undefined;

/** The bundled releases, oldest first; the newest is the default set. */
export function bundledSchemaSets(): readonly SchemaSet[] {
  if (!bundled) {
    const older = ((releaseIndex as { releases?: SchemaIndex[] }).releases ?? []).map(
      (r) => new SchemaSet(r, fromShipped, `Flux ${minorOf(r.flux)}`, minorOf(r.flux)),
    );
    bundled = [...older.filter((s) => s.fluxMinor !== newest.fluxMinor), newest].sort((a, b) => compareMinor(a.fluxMinor!, b.fluxMinor!));
  }
  return bundled;
}

/** The newest bundled release: what a workspace with no other clue is checked against (as before version awareness). */
export function newestSchemaSet(): SchemaSet {
  return newest;
}

/** The bundled set of a Flux minor (`2.8`, `v2.8.3`), or undefined when none is bundled. */
export function bundledSchemaSet(version: string): SchemaSet | undefined {
  const minor = minorOf(version.trim());
  return bundledSchemaSets().find((s) => s.fluxMinor === minor);
}

/** `X.Y` of every bundled release, oldest first. */
export function bundledFluxVersions(): string[] {
  return bundledSchemaSets().map((s) => s.fluxMinor!);
}

/**
 * The bundled release closest to a Flux version: that minor when bundled; a newer
 * one than we ship gets the newest, an older one the oldest.
 */
export function closestBundledSchemaSet(version: string): SchemaSet {
  const exact = bundledSchemaSet(version);
  if (exact) return exact;
  const sets = bundledSchemaSets();
  const minor = minorOf(version.trim());
  if (!/^\d+\.\d+$/.test(minor)) return newest;
  return compareMinor(minor, sets[0]!.fluxMinor!) < 0 ? sets[0]! : newest;
}

/**
 * When a served version of a group stops being served, by the bundled releases:
 * the first release (after one that served it) that does not. For notes such as
 * "deprecated in Flux 2.7, removed in Flux 2.8".
 */
export function removedIn(group: string, kind: string, version: string): string | undefined {
  let servedBefore = false;
  for (const s of bundledSchemaSets()) {
    const k = s.index.kinds.find((x) => x.group === group && x.kind === kind);
    const serves = !!k?.served.some((v) => v.version === version);
    if (serves) servedBefore = true;
    else if (servedBefore) return s.fluxMinor;
  }
  return undefined;
}

// ---------- sets from CRDs ----------

interface CrdVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  deprecated?: boolean;
  schema?: { openAPIV3Schema?: RawSchema };
}

export interface CrdObject {
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { group?: string; names?: { kind?: string }; versions?: CrdVersion[] };
}

/** Whether an object is a CustomResourceDefinition (any group) with a group and a kind. */
export function isCrd(o: unknown): o is CrdObject {
  const c = o as CrdObject | null;
  return !!c && c.kind === 'CustomResourceDefinition' && typeof c.spec?.group === 'string' && typeof c.spec.names?.kind === 'string';
}

/** Whether an object is a CustomResourceDefinition of a Flux API group (the ones that decide which Flux a set is). */
export function isFluxCrd(o: unknown): o is CrdObject {
  return isCrd(o) && (fluxApiGroups as readonly string[]).includes(o.spec!.group!);
}

/** The Flux version a CRD says it belongs to (`app.kubernetes.io/version: v2.8.3`, as flux install/bootstrap label them). */
export function fluxVersionOfCrd(crd: CrdObject): string | undefined {
  const v = crd.metadata?.labels?.['app.kubernetes.io/version'];
  return v && /^v?\d+\.\d+/.test(v) ? v : undefined;
}

/**
 * A set made of CRDs (from a workspace or a cluster). Kinds the CRDs do not cover
 * come from `base` (a cluster without the image controllers still gets ImagePolicy
 * checked against its release), and so do the retired versions. CRDs of other groups
 * (Flux Operator's FluxInstance and ResourceSet, any project's) add their kinds.
 */
export function schemaSetFromCrds(crds: readonly CrdObject[], base: SchemaSet, label: string): SchemaSet {
  const raws = new Map<string, RawSchema>();
  const kinds = new Map<string, IndexKind>();
  for (const crd of crds) {
    if (!isCrd(crd)) continue;
    const group = crd.spec!.group!;
    const kind = crd.spec!.names!.kind!;
    const served: IndexServed[] = [];
    for (const v of crd.spec!.versions ?? []) {
      if (!v.served || !v.name || !v.schema?.openAPIV3Schema) continue;
      const file = `crd:${group}/${v.name}/${kind}`;
      raws.set(file, v.schema.openAPIV3Schema);
      served.push({ version: v.name, schema: file, ...(v.deprecated ? { deprecated: true } : {}), ...(v.storage ? { storage: true } : {}) });
    }
    if (!served.length) continue;
    const baseKind = base.index.kinds.find((k) => k.group === group && k.kind === kind);
    const servedNames = new Set(served.map((s) => s.version));
    const retired = [
      ...(baseKind?.retired ?? base.index.retiredVersions[group] ?? []),
      ...(baseKind?.served ?? []).map((s) => ({ version: s.version })),
    ].filter((r, i, all) => !servedNames.has(r.version) && all.findIndex((x) => x.version === r.version) === i);
    kinds.set(`${group}/${kind}`, { group, kind, served, retired });
  }
  for (const k of base.index.kinds) if (!kinds.has(`${k.group}/${k.kind}`)) kinds.set(`${k.group}/${k.kind}`, k);
  const all = [...kinds.values()].sort((a, b) => (a.group + a.kind).localeCompare(b.group + b.kind));
  const retiredVersions: SchemaIndex['retiredVersions'] = {};
  for (const [group, list] of Object.entries(base.index.retiredVersions)) {
    const servedHere = new Set(all.filter((k) => k.group === group).flatMap((k) => k.served.map((s) => s.version)));
    retiredVersions[group] = list.filter((r) => !servedHere.has(r.version));
  }
  const index: SchemaIndex = { flux: base.index.flux, kinds: all, retiredVersions };
  const set = new SchemaSet(index, (file) => (file.startsWith('crd:') ? raws.get(file) : fromShipped(file)), label, base.fluxMinor);
  set.fromCrds = { crds, base };
  return set;
}

const layered = new Map<string, SchemaSet>();

/**
 * `set` with the kinds of more CRDs added beneath it: a kind the set already has from a CRD
 * (the cluster's, the workspace's Flux CRDs) keeps that one, so the cluster wins over the
 * workspace; Flux kinds the set takes from a bundled release stay bundled unless a Flux CRD
 * says otherwise. Same inputs, same set (analyses are memoised per set).
 */
export function layerCrds(set: SchemaSet, extra: readonly CrdObject[]): SchemaSet {
  if (!extra.length) return set;
  const own = set.fromCrds?.crds ?? [];
  const key = `${set.id}:${JSON.stringify(extra.map((c) => c.spec))}`;
  let out = layered.get(key);
  if (!out) {
    const has = new Set(own.filter(isCrd).map((c) => `${c.spec!.group}/${c.spec!.names!.kind}`));
    const added = extra.filter((c) => isCrd(c) && !has.has(`${c.spec!.group}/${c.spec!.names!.kind}`));
    out = added.length ? schemaSetFromCrds([...own, ...added], set.fromCrds?.base ?? set, set.label) : set;
    if (layered.size > 32) layered.clear();
    layered.set(key, out);
  }
  return out;
}

// ---------- the active set ----------

const active = new AsyncLocalStorage<SchemaSet>();

/** The set schema lookups answer from: the one `withSchemaSet` put in place, else the newest bundled release. */
export function activeSchemaSet(): SchemaSet {
  return active.getStore() ?? newest;
}

/** Runs `fn` (and what it awaits) with `set` as the active schemas; `undefined` keeps the default. */
export function withSchemaSet<T>(set: SchemaSet | undefined, fn: () => T): T {
  return !set || set === active.getStore() ? fn() : active.run(set, fn);
}
