import { type Node, type YAMLMap } from 'yaml';
import { isMap, isScalar, isSeq } from '../yaml/nodeTests';
import type { Range } from '../text/lineIndex';
import { isFluxApiVersion } from '../flux/apiGroups';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { embeddedObjects } from '../flux/resourceSet';
import { isResourceSetTemplate } from '../flux/resourceSetTemplates';

/**
 * What one Kubernetes document declares and which other objects it names, in
 * the document's own coordinates. Extracted once per parse (memoised), so the
 * workspace index costs nothing for documents an edit did not touch.
 */
export interface DeclaredObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The whole document's content. */
  range: Range;
  /** The `metadata.name` value. */
  nameRange: Range;
}

/** The field a reference comes from; the LSP and diagnostics treat them alike. */
export type ReferenceField = 'sourceRef' | 'chartRef' | 'dependsOn' | 'secretRef' | 'providerRef' | 'imageRepositoryRef';

export interface ObjectReference {
  field: ReferenceField;
  /** YAML path of the reference block, e.g. ['spec', 'chart', 'spec', 'sourceRef']. */
  path: Array<string | number>;
  target: { kind: string; name: string; namespace?: string };
  /** The `name` value. */
  nameRange: Range;
  /** The whole reference block (for hover on any part of it). */
  range: Range;
  /** The `kind` value, when the block spells it (so a fix can repoint the reference). */
  kindRange?: Range;
  /** The object making the reference when it is not the document's own (an object of a ResourceSet's spec.resources). */
  owner?: { kind: string; apiVersion?: string; name?: string; namespace?: string };
}

export interface DocumentObjects {
  object?: DeclaredObject;
  /**
   * Objects the document's object brings into being besides itself, in the same
   * coordinates: the ExternalArtifacts an ArtifactGenerator produces.
   */
  nested: DeclaredObject[];
  references: ObjectReference[];
}

/** Reads the object a document declares and its references (memoised on the parse). */
export function documentObjects(doc: ParsedDocument): DocumentObjects {
  return doc.memoize('workspace/documentObjects', () => extract(doc));
}

// Subtrees whose content belongs to someone else (chart values, patches) or is not desired state.
const skippedKeys = new Set([
  'values',
  'patches',
  'patchesJson6902',
  'patchesStrategicMerge',
  'status',
  'metadata',
  'commonMetadata',
  'healthCheckExprs',
  'substitute',
]);

function extract(doc: ParsedDocument): DocumentObjects {
  const root = doc.root as YAMLMap | null;
  const id = doc.identity;
  const result: DocumentObjects = { nested: [], references: [] };
  if (!root || !id.kind || !id.apiVersion) return result;
  const meta = root.get('metadata', true);
  const nameNode = meta && isMap(meta) ? meta.get('name', true) : undefined;
  if (id.name !== undefined && isScalar(nameNode)) {
    const range = doc.rangeOfNode(root as Node);
    const nameRange = doc.rangeOfNode(nameNode);
    if (range && nameRange) {
      result.object = { apiVersion: id.apiVersion, kind: id.kind, name: id.name, range, nameRange };
      if (id.namespace !== undefined) result.object.namespace = id.namespace;
    }
  }
  if (!isFluxApiVersion(id.apiVersion)) {
    addEmbedded(doc, result);
    return result;
  }
  const spec = root.get('spec', true);
  if (spec && isMap(spec)) walk(doc, spec, ['spec'], id.kind, id.namespace, result.references);
  if (spec && isMap(spec) && id.kind === 'ArtifactGenerator') result.nested.push(...generatedArtifacts(doc, spec, id.namespace));
  return result;
}

/**
 * The objects of a ResourceSet's spec.resources and their references. Objects and
 * targets whose names are templated are left out: only the operator knows them.
 */
function addEmbedded(doc: ParsedDocument, result: DocumentObjects): void {
  for (const e of embeddedObjects(doc)) {
    const inner = documentObjects(e.parsed);
    const id = e.parsed.identity;
    const literal = (o: { name: string; namespace?: string }): boolean => !isResourceSetTemplate(o.name) && !isResourceSetTemplate(o.namespace ?? '');
    if (inner.object && literal(inner.object)) result.nested.push(inner.object);
    result.nested.push(...inner.nested.filter(literal));
    for (const r of inner.references) {
      if (!literal(r.target) || isResourceSetTemplate(r.target.kind)) continue;
      const owner: NonNullable<ObjectReference['owner']> = { kind: id.kind ?? '' };
      if (id.apiVersion !== undefined) owner.apiVersion = id.apiVersion;
      if (id.name !== undefined && !isResourceSetTemplate(id.name)) owner.name = id.name;
      if (id.namespace !== undefined && !isResourceSetTemplate(id.namespace)) owner.namespace = id.namespace;
      result.references.push({ ...r, owner });
    }
  }
}

/** An ArtifactGenerator's `spec.artifacts[].name`: each becomes an ExternalArtifact in the generator's namespace. */
function generatedArtifacts(doc: ParsedDocument, spec: YAMLMap, namespace: string | undefined): DeclaredObject[] {
  const artifacts = spec.get('artifacts', true);
  if (!isSeq(artifacts)) return [];
  const out: DeclaredObject[] = [];
  for (const item of artifacts.items) {
    if (!isMap(item)) continue;
    const nameNode = item.get('name', true);
    // A name with `{capture}` placeholders (pathPattern) names many artifacts: none to link by name.
    if (!isScalar(nameNode) || typeof nameNode.value !== 'string' || !nameNode.value || nameNode.value.includes('{')) continue;
    const range = doc.rangeOfNode(item as Node);
    const nameRange = doc.rangeOfNode(nameNode);
    if (!range || !nameRange) continue;
    out.push({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'ExternalArtifact',
      name: nameNode.value,
      ...(namespace !== undefined ? { namespace } : {}),
      range,
      nameRange,
    });
  }
  return out;
}

function walk(
  doc: ParsedDocument,
  map: YAMLMap,
  path: Array<string | number>,
  ownKind: string,
  ownNamespace: string | undefined,
  out: ObjectReference[],
): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined || skippedKeys.has(key)) continue;
    const value = pair.value as Node | null;
    const here = [...path, key];
    // An ArtifactGenerator reads its sources by alias: each item names a source object.
    if (key === 'sources' && ownKind === 'ArtifactGenerator' && path.length === 1 && isSeq(value)) {
      value.items.forEach((item, i) => {
        if (isMap(item)) addRef(doc, item, [...here, i], 'sourceRef', undefined, ownNamespace, out);
      });
      continue;
    }
    if (key === 'dependsOn' && isSeq(value)) {
      value.items.forEach((item, i) => {
        if (isMap(item)) addRef(doc, item, [...here, i], 'dependsOn', ownKind, ownNamespace, out);
      });
      continue;
    }
    const field = referenceField(key);
    if (field && isMap(value)) {
      const kind = field === 'secretRef' ? 'Secret' : field === 'providerRef' ? 'Provider' : field === 'imageRepositoryRef' ? 'ImageRepository' : undefined;
      addRef(doc, value, here, field, kind, ownNamespace, out);
      continue;
    }
    if (isMap(value)) walk(doc, value, here, ownKind, ownNamespace, out);
    else if (isSeq(value)) {
      value.items.forEach((item, i) => {
        if (isMap(item)) walk(doc, item, [...here, i], ownKind, ownNamespace, out);
      });
    }
  }
}

function referenceField(key: string): ReferenceField | undefined {
  if (key === 'sourceRef' || key === 'chartRef' || key === 'providerRef' || key === 'imageRepositoryRef') return key;
  // secretRef, certSecretRef, proxySecretRef, trustedRootSecretRef...: all name a Secret in the object's namespace
  if (key === 'secretRef' || key.endsWith('SecretRef')) return 'secretRef';
  return undefined;
}

function addRef(
  doc: ParsedDocument,
  block: YAMLMap,
  path: Array<string | number>,
  field: ReferenceField,
  fixedKind: string | undefined,
  ownNamespace: string | undefined,
  out: ObjectReference[],
): void {
  const nameNode = block.get('name', true);
  if (!isScalar(nameNode) || typeof nameNode.value !== 'string' || nameNode.value === '') return;
  const kindNode = block.get('kind', true);
  const kind = fixedKind ?? (isScalar(kindNode) && typeof kindNode.value === 'string' ? kindNode.value : undefined);
  if (!kind) return;
  const nsNode = block.get('namespace', true);
  // Secrets are always read from the object's own namespace; other refs may cross namespaces.
  const explicitNs = field !== 'secretRef' && isScalar(nsNode) && typeof nsNode.value === 'string' ? nsNode.value : undefined;
  const namespace = explicitNs ?? ownNamespace;
  const nameRange = doc.rangeOfNode(nameNode);
  const range = doc.rangeOfNode(block as Node);
  if (!nameRange || !range) return;
  const target: ObjectReference['target'] = { kind, name: nameNode.value };
  if (namespace !== undefined) target.namespace = namespace;
  const ref: ObjectReference = { field, path, target, nameRange, range };
  const kindRange = !fixedKind && isScalar(kindNode) ? doc.rangeOfNode(kindNode) : undefined;
  if (kindRange) ref.kindRange = kindRange;
  out.push(ref);
}
