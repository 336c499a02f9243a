/**
 * A GitRepository cannot read OCI: its url pattern is `^(http|https|ssh)://`,
 * so the API server refuses `oci://` outright. The fix turns the object into an
 * OCIRepository, keeping what carries over (interval, url, secretRef, ref.tag,
 * ref.semver, ignore, timeout...) and dropping Git-only fields, and repoints
 * the workspace's sourceRefs from GitRepository to OCIRepository (one edit).
 */
import type { Pair, YAMLMap } from 'yaml';
import { Severity, type Fix, type TextEdit } from '../diagnostics';
import { SOURCE_GROUP, type Lint } from './lintTypes';
import { mapAt, pairOf, rangeOf, stringAt, stringNodeAt } from '../yaml/yamlNodes';
import { type FluxObject } from '../flux/fluxObject';
import { removePair, replaceScalar } from '../yaml/yamlEdits';

/** GitRepository spec fields OCIRepository does not have (or has with another shape). */
const GIT_ONLY_SPEC_FIELDS = ['recurseSubmodules', 'include', 'sparseCheckout', 'verify', 'gitImplementation'];
/** GitRepository ref fields with no OCI meaning; tag and semver carry over. */
const GIT_ONLY_REF_FIELDS = ['branch', 'commit', 'name'];

export const gitRepositoryOciUrl: Lint = (obj) => {
  if (obj.group !== SOURCE_GROUP || obj.kind !== 'GitRepository' || !obj.spec) return [];
  const node = stringNodeAt(obj.spec, 'url');
  if (!node || !node.value.trim().startsWith('oci://')) return [];
  const range = rangeOf(obj.doc, node);
  if (!range) return [];
  const fix = convertToOciRepository(obj);
  return [
    {
      range,
      severity: Severity.Error,
      code: 'flux/gitrepository-oci-url',
      message:
        'A GitRepository cannot pull from an OCI registry: the API server rejects oci:// URLs for it (allowed: http, https, ssh). ' +
        'Use an OCIRepository (source.toolkit.fluxcd.io/v1) for OCI artifacts, and point consumers (Kustomization sourceRef) at kind OCIRepository: the quick fix does both.',
      ...(fix ? { fixes: [fix] } : {}),
    },
  ];
};

function convertToOciRepository(obj: FluxObject): Fix | undefined {
  const doc = obj.doc;
  const spec = obj.spec!;
  const edits: TextEdit[] = [];
  const apiNode = stringNodeAt(obj.root, 'apiVersion');
  const kindNode = stringNodeAt(obj.root, 'kind');
  if (!apiNode || !kindNode) return undefined;
  const a = replaceScalar(doc, apiNode, 'source.toolkit.fluxcd.io/v1');
  const k = replaceScalar(doc, kindNode, 'OCIRepository');
  if (!a || !k) return undefined;
  edits.push(a, k);

  const drop: Pair[] = GIT_ONLY_SPEC_FIELDS.map((f) => pairOf(spec, f)).filter((p): p is NonNullable<typeof p> => !!p);
  // OCIRepository providers are generic|aws|azure|gcp; Git's `github` has no OCI meaning.
  if (stringAt(spec, 'provider') === 'github') drop.push(pairOf(spec, 'provider')!);

  const refPair = pairOf(spec, 'ref');
  const ref = mapAt(spec, 'ref');
  if (refPair && ref) {
    const refDrop = GIT_ONLY_REF_FIELDS.map((f) => pairOf(ref, f)).filter((p): p is NonNullable<typeof p> => !!p);
    if (refDrop.length === ref.items.length && refDrop.length > 0) drop.push(refPair);
    else for (const p of refDrop) if (!pushRemoval(obj, ref, p, edits)) return undefined;
  }
  for (const p of drop) if (!pushRemoval(obj, spec, p, edits)) return undefined;
  const fix: Fix = { title: 'Convert to an OCIRepository', edits, preferred: true };
  // Kustomizations pointing at the GitRepository must follow, or they stop finding their source.
  if (obj.name)
    fix.retarget = {
      from: { kind: 'GitRepository', name: obj.name, ...(obj.namespace !== undefined ? { namespace: obj.namespace } : {}) },
      toKind: 'OCIRepository',
    };
  return fix;
}

function pushRemoval(obj: FluxObject, map: YAMLMap, pair: Pair, edits: TextEdit[]): boolean {
  const e = removePair(obj.doc, map, pair);
  if (!e) return false;
  edits.push(e);
  return true;
}
