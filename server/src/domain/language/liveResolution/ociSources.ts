/**
 * Every OCI source of a YAML document live resolution can resolve: a top-level
 * OCIRepository; the OCIRepositories of a ResourceSet's spec.resources (as written,
 * or once per literal input set of spec.inputs when `<< inputs.x >>` decides the url
 * or ref); a FluxInstance's `spec.sync` of kind OCIRepository.
 */
import { isMap, type Scalar, type YAMLMap } from 'yaml';
import type { ParsedDocument } from '../../yaml/parsedDocument';
import { containsPosition, type Position } from '../../text/lineIndex';
import { embeddedObjects, literalInputSets } from '../../flux/resourceSet';
import { fluxOperatorGroup } from '../../flux/fluxOperator';
import { SOURCE_GROUP, splitApiVersion } from '../../flux/apiGroups';
import { mapAt, pairOf, stringNodeAt } from '../../yaml/yamlNodes';
import { isTemplated } from '../../flux/fluxObject';
import { providers, type Provider } from '../../oci/registry/auth/cloudProviders';
import type { OciSourceRef } from '../../resolution/ociSourceSpec';
import { parseArtifactUrl } from '../../oci/reference';
import { readOciSource, readOciSourceWithInputs, type OciSourceDocument } from './ociSourceDocument';

export function readOciSources(doc: ParsedDocument): OciSourceDocument[] {
  return doc.memoize('liveResolution/ociSources', () => {
    const top = readOciSource(doc);
    if (top) return [top];
    const instance = readFluxInstanceSources(doc);
    if (instance.length) return instance;
    const out: OciSourceDocument[] = [];
    for (const e of embeddedObjects(doc)) {
      const plain = readOciSource(e.parsed);
      if (plain) {
        out.push({ ...plain, objectRange: e.range });
        continue;
      }
      for (const inputs of literalInputSets(doc)) {
        const src = readOciSourceWithInputs(e.parsed, inputs);
        if (src) out.push({ ...src, objectRange: e.range });
      }
    }
    return out;
  });
}

/** The sources of the object at a position (several when input sets are substituted). */
export function ociSourcesAt(doc: ParsedDocument, position: Position): OciSourceDocument[] {
  const all = readOciSources(doc);
  const inside = all.filter((s) => s.objectRange && containsPosition(s.objectRange, position));
  if (inside.length) return inside;
  return all.filter((s) => !s.objectRange);
}

/**
 * FluxInstance `spec.sync` with `kind: OCIRepository`: the operator generates an
 * OCIRepository from `url` and `ref` (a tag, e.g. `latest`; a `sha256:` digest pins).
 * The field names are the operator's public API, described here in our own words.
 */
function readFluxInstanceSources(doc: ParsedDocument): OciSourceDocument[] {
  const { apiVersion, kind } = doc.identity;
  if (kind !== 'FluxInstance' || !apiVersion || splitApiVersion(apiVersion).group !== fluxOperatorGroup) return [];
  const root = doc.root;
  const spec = root && isMap(root) ? mapAt(root as YAMLMap, 'spec') : undefined;
  return [readDistributionArtifact(doc, spec), readSync(doc, mapAt(spec, 'sync'))].filter((s): s is OciSourceDocument => !!s);
}

/**
 * `spec.distribution.artifact`: the OCI artifact the operator reads Flux's manifests from,
 * written with its tag or digest in the URL (`oci://…/flux-operator-manifests:latest`).
 */
function readDistributionArtifact(doc: ParsedDocument, spec: YAMLMap | undefined): OciSourceDocument | undefined {
  const node = stringNodeAt(mapAt(spec, 'distribution'), 'artifact');
  if (!node?.range || isTemplated(node.value) || !node.value.startsWith('oci://')) return undefined;
  let ref: ReturnType<typeof parseArtifactUrl>;
  try {
    ref = parseArtifactUrl(node.value);
  } catch {
    return undefined; // a malformed URL: nothing to ask a registry
  }
  const specRef: OciSourceRef = ref.digest ? { digest: ref.digest } : ref.tag ? { tag: ref.tag } : {};
  return {
    doc,
    spec: { url: `oci://${ref.registry}/${ref.repository}`, ref: specRef },
    specMap: mapAt(spec, 'distribution')!,
    urlNode: node,
    urlRange: doc.lineIndex.rangeOf(node.range[0], node.range[1]),
    fields: {},
    origin: 'FluxInstance spec.distribution.artifact',
    refValuePath: ['spec', 'distribution', 'artifact'],
    refInUrl: true,
    // the operator records the digest of the manifests artifact it last pulled
    ...(doc.identity.name
      ? {
          deployedAt: {
            kind: 'FluxInstance' as const,
            apiVersion: doc.identity.apiVersion!,
            ...(doc.identity.namespace ? { namespace: doc.identity.namespace } : {}),
            name: doc.identity.name,
            revisionField: ['status', 'lastArtifactRevision'],
          },
        }
      : {}),
  };
}

/** Whether a FluxInstance's `spec.kustomize.patches` (which also reach the sync objects) say anything about `verify`. */
function patchesMentionVerify(doc: ParsedDocument): boolean {
  const root = doc.root;
  const patches = root && isMap(root) ? mapAt(mapAt(root as YAMLMap, 'spec'), 'kustomize')?.get('patches', true) : undefined;
  return !!patches && JSON.stringify(patches).includes('verify');
}

function readSync(doc: ParsedDocument, sync: YAMLMap | undefined): OciSourceDocument | undefined {
  if (!sync || stringNodeAt(sync, 'kind')?.value !== 'OCIRepository') return undefined;
  const urlNode = stringNodeAt(sync, 'url');
  if (!urlNode?.range || isTemplated(urlNode.value) || !urlNode.value.startsWith('oci://')) return undefined;
  const ref: OciSourceRef = {};
  const syncName = stringNodeAt(sync, 'name')?.value;
  const out: OciSourceDocument = {
    doc,
    spec: { url: urlNode.value.trim(), ref },
    specMap: sync,
    urlNode,
    urlRange: doc.lineIndex.rangeOf(urlNode.range[0], urlNode.range[1]),
    fields: {},
    origin: 'FluxInstance spec.sync',
    refValuePath: ['spec', 'sync', 'ref'],
    unverified: patchesMentionVerify(doc)
      ? 'not known. FluxInstance `spec.sync` has no `verify` field, but a `spec.kustomize.patches` entry mentions `verify` and may add one to the OCIRepository Flux Operator generates (flux-oci does not apply the patches)'
      : 'not verified by Flux. FluxInstance `spec.sync` has no `verify` field: the OCIRepository Flux Operator generates from it checks no signature',
  };
  // the OCIRepository the operator generates: in the FluxInstance's namespace and named after that namespace
  // (as flux bootstrap names its sync objects), or after spec.sync.name where one is written
  if (!syncName || !isTemplated(syncName))
    out.deployedAt = {
      kind: 'OCIRepository',
      apiVersion: `${SOURCE_GROUP}/v1`,
      ...(doc.identity.namespace ? { namespace: doc.identity.namespace } : {}),
      ...(syncName ? { name: syncName } : {}),
      revisionField: ['status', 'artifact', 'revision'],
    };
  const refPair = pairOf(sync, 'ref');
  const refNode = stringNodeAt(sync, 'ref');
  if (refPair?.key?.range && refNode?.range && refNode.value !== '') {
    if (isTemplated(refNode.value)) return undefined;
    const field = /^@?sha256:[0-9a-f]{64}$/.test(refNode.value) ? 'digest' : 'tag';
    ref[field] = refNode.value.replace(/^@/, '');
    const keyRange = doc.lineIndex.rangeOf(refPair.key.range[0], refPair.key.range[1]);
    out.refKeyRange = keyRange;
    out.fields[field] = { node: refNode, key: refPair.key as Scalar, range: doc.lineIndex.rangeOf(refNode.range[0], refNode.range[1]), keyRange };
  }
  const provider = stringNodeAt(sync, 'provider')?.value;
  if (provider && (providers as readonly string[]).includes(provider)) out.spec.provider = provider as Provider;
  return out;
}
