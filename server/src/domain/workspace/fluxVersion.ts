/**
 * Which Flux a workspace folder is checked against, decided from what is at hand
 * and always said with its reason:
 *
 *   1. the CRDs of the current kube context, when the user turned that on (the caller reads them);
 *   2. an explicit version (`flux-oci.fluxVersion`, `check --flux-version`);
 *   3. Flux CustomResourceDefinitions in the folder (`flux-system/gotk-components.yaml` from
 *      `flux bootstrap` holds every CRD of the installed version): used as they are, so a
 *      distribution that patches its CRDs is checked against its own;
 *   4. the version a FluxInstance names (`spec.distribution.version`, Flux Operator);
 *   5. else the newest bundled release (what flux-oci did before it knew versions).
 *
 * CRDs of other groups in the folder (a vendored copy of Flux Operator's, a chart's `crds/`) add
 * their kinds to the set chosen, so FluxInstance and ResourceSet get validation and completion;
 * a kind the cluster's CRDs already give keeps the cluster's.
 */
import { parseAllDocuments } from 'yaml';
import {
  bundledFluxVersions,
  bundledSchemaSet,
  closestBundledSchemaSet,
  fluxVersionOfCrd,
  isCrd,
  isFluxCrd,
  layerCrds,
  newestSchemaSet,
  schemaSetFromCrds,
  type CrdObject,
  type SchemaSet,
} from '../schema/schemaSet';

export interface SchemaChoice {
  set: SchemaSet;
  /** Why this set, for the user: `from flux-system/gotk-components.yaml`. */
  reason: string;
}

/** `Flux 2.8 (from flux-system/gotk-components.yaml)`: the line `check` prints and the hover footer shows. */
export function describeChoice(choice: SchemaChoice): string {
  return `${choice.set.label} (${choice.reason})`;
}

/** What a folder's YAML says about its Flux. */
export interface WorkspaceFluxFacts {
  /**
   * CRDs found, with the file (relative to the folder) they came from: Flux's decide the release
   * (step 3); other groups' (a vendored copy of Flux Operator's, a chart's `crds/`) add their kinds
   * to whichever set is chosen, below the cluster's.
   */
  crds: { crd: CrdObject; file: string }[];
  /** FluxInstances naming a distribution version. */
  instances: { version: string; name: string; file: string }[];
}

const noFacts: WorkspaceFluxFacts = { crds: [], instances: [] };

/** Reads the facts of one file's text (cheap for files that mention neither a CRD nor a FluxInstance). */
export function fluxFactsOfText(text: string, file: string): WorkspaceFluxFacts {
  const hasCrd = text.includes('CustomResourceDefinition');
  const hasInstance = text.includes('FluxInstance');
  if (!hasCrd && !hasInstance) return noFacts;
  const out: WorkspaceFluxFacts = { crds: [], instances: [] };
  for (const doc of parseAllDocuments(text)) {
    if ('errors' in doc && doc.errors.length) continue;
    let o: unknown;
    try {
      o = doc.toJS({ maxAliasCount: 100 });
    } catch {
      continue;
    }
    if (isCrd(o)) out.crds.push({ crd: o, file });
    const inst = o as {
      apiVersion?: string;
      kind?: string;
      metadata?: { name?: string; namespace?: string };
      spec?: { distribution?: { version?: unknown } };
    } | null;
    if (inst?.kind === 'FluxInstance' && inst.apiVersion?.startsWith('fluxcd.controlplane.io/')) {
      const v = inst.spec?.distribution?.version;
      if (typeof v === 'string' && v.trim())
        out.instances.push({ version: v.trim(), name: `${inst.metadata?.namespace ? `${inst.metadata.namespace}/` : ''}${inst.metadata?.name ?? '?'}`, file });
    }
  }
  return out;
}

/** Sets built from CRD text, by content, so a rescan of unchanged files keeps the set (and its cached analyses). */
const crdSets = new Map<string, SchemaSet>();

export interface ChoiceInputs {
  /** The cluster's set when the user turned it on and it could be read. */
  cluster?: SchemaChoice;
  /** `flux-oci.fluxVersion` / `--flux-version`: `2.8`, `v2.8.3`; empty for none. */
  fluxVersion?: string;
  facts?: WorkspaceFluxFacts;
}

/** Decides the schemas of one folder (see the order at the top of this file), with the kinds of the folder's other CRDs added. */
export function chooseSchemas(inputs: ChoiceInputs): SchemaChoice {
  const choice = chooseFluxSchemas(inputs);
  const others = (inputs.facts ?? noFacts).crds.filter((c) => !isFluxCrd(c.crd));
  const set = layerCrds(
    choice.set,
    others.map((c) => c.crd),
  );
  if (set === choice.set) return choice;
  const kinds = [...new Set(others.map((c) => c.crd.spec!.names!.kind!))];
  const files = [...new Set(others.map((c) => c.file))];
  const shown = kinds.length > 3 ? `${kinds.slice(0, 3).join(', ')} and ${kinds.length - 3} more` : kinds.join(', ');
  return { set, reason: `${choice.reason}; ${shown} from ${files[0]}${files.length > 1 ? ` and ${files.length - 1} more` : ''}` };
}

function chooseFluxSchemas(inputs: ChoiceInputs): SchemaChoice {
  if (inputs.cluster) return inputs.cluster;
  const wanted = inputs.fluxVersion?.trim();
  if (wanted) {
    const exact = bundledSchemaSet(wanted);
    if (exact) return { set: exact, reason: 'flux-oci.fluxVersion' };
    const closest = closestBundledSchemaSet(wanted);
    return { set: closest, reason: `flux-oci.fluxVersion is ${wanted}; bundled: ${bundledFluxVersions().join(', ')}` };
  }
  const facts = inputs.facts ?? noFacts;
  const fluxCrds = facts.crds.filter((c) => isFluxCrd(c.crd));
  if (fluxCrds.length) {
    const files = [...new Set(fluxCrds.map((c) => c.file))];
    const version = fluxCrds.map((c) => fluxVersionOfCrd(c.crd)).find((v) => v !== undefined);
    // Loaded here, not imported: most checks never meet a CRD, and node:crypto costs a CLI ~5 ms to load.
    const { createHash } = process.getBuiltinModule('node:crypto');
    const key = createHash('sha256')
      .update(JSON.stringify(fluxCrds.map((c) => c.crd)))
      .digest('hex');
    let set = crdSets.get(key);
    if (!set) {
      const base = version ? closestBundledSchemaSet(version) : newestSchemaSet();
      set = schemaSetFromCrds(
        fluxCrds.map((c) => c.crd),
        base,
        version ? `Flux ${version.replace(/^v?(\d+\.\d+).*$/, '$1')}` : "the workspace's Flux CRDs",
      );
      if (crdSets.size > 16) crdSets.clear();
      crdSets.set(key, set);
    }
    return { set, reason: `from ${files[0]}${files.length > 1 ? ` and ${files.length - 1} more` : ''}` };
  }
  const inst = facts.instances[0];
  if (inst) {
    const set = closestBundledSchemaSet(inst.version);
    return { set, reason: `FluxInstance ${inst.name} in ${inst.file} asks for ${inst.version}` };
  }
  return { set: newestSchemaSet(), reason: 'newest bundled; no Flux version found in the workspace' };
}
