/**
 * Finds an OCIRepository in a YAML document and reads what live resolution
 * needs: the spec (url, ref, layer selector, insecure, provider) and where
 * each of those values is written, for hovers, hints, diagnostics and edits.
 * Values written for a templating step are not resolved.
 */
import { isScalar, type Scalar, type YAMLMap } from 'yaml';
import type { ParsedDocument } from '../../yaml/parsedDocument';
import type { Range } from '../../text/lineIndex';
import { isTemplated, mapAt, pairOf, readFluxObject, stringNodeAt } from '../../lint/yamlAccess';
import { providers, type Provider } from '../../oci/registry/auth/cloudProviders';
import type { OciSourceRef, OciSourceSpec } from '../../resolution/ociSourceSpec';

const SOURCE_GROUP = 'source.toolkit.fluxcd.io';
export type RefField = 'tag' | 'semver' | 'semverFilter' | 'digest';
const refFields: RefField[] = ['tag', 'semver', 'semverFilter', 'digest'];

export interface OciSourceDocument {
  doc: ParsedDocument;
  spec: OciSourceSpec;
  specMap: YAMLMap;
  /** `spec.ref` when it is a mapping. */
  refMap?: YAMLMap;
  urlNode: Scalar<string>;
  urlRange: Range;
  /** Range of the `ref` key. */
  refKeyRange?: Range;
  fields: Partial<Record<RefField, { node: Scalar<string>; range: Range; keyRange: Range; key: Scalar }>>;
}

export function readOciSource(doc: ParsedDocument): OciSourceDocument | undefined {
  return doc.memoize('liveResolution/ociSource', () => read(doc));
}

function read(doc: ParsedDocument): OciSourceDocument | undefined {
  const obj = readFluxObject(doc);
  if (!obj || obj.group !== SOURCE_GROUP || obj.kind !== 'OCIRepository' || !obj.spec) return undefined;
  const urlNode = stringNodeAt(obj.spec, 'url');
  if (!urlNode?.range || isTemplated(urlNode.value) || !urlNode.value.startsWith('oci://')) return undefined;
  const ref: OciSourceRef = {};
  const out: OciSourceDocument = {
    doc,
    spec: { url: urlNode.value.trim(), ref },
    specMap: obj.spec,
    urlNode,
    urlRange: doc.lineIndex.rangeOf(urlNode.range[0], urlNode.range[1]),
    fields: {},
  };
  const refPair = pairOf(obj.spec, 'ref');
  const refMap = mapAt(obj.spec, 'ref');
  if (refPair?.key?.range) out.refKeyRange = doc.lineIndex.rangeOf(refPair.key.range[0], refPair.key.range[1]);
  if (refMap) {
    out.refMap = refMap;
    for (const f of refFields) {
      const pair = pairOf(refMap, f);
      const node = stringNodeAt(refMap, f);
      if (!pair || !node?.range || !pair.key.range) continue;
      if (isTemplated(node.value)) return undefined;
      if (node.value !== '') ref[f] = node.value;
      out.fields[f] = { node, key: pair.key, range: doc.lineIndex.rangeOf(node.range[0], node.range[1]), keyRange: doc.lineIndex.rangeOf(pair.key.range[0], pair.key.range[1]) };
    }
  }
  const media = stringNodeAt(mapAt(obj.spec, 'layerSelector'), 'mediaType')?.value;
  if (media) out.spec.layerMediaType = media;
  const insecure = pairOf(obj.spec, 'insecure')?.value;
  if (isScalar(insecure) && insecure.value === true) out.spec.insecure = true;
  const provider = stringNodeAt(obj.spec, 'provider')?.value;
  if (provider && (providers as readonly string[]).includes(provider)) out.spec.provider = provider as Provider;
  return out;
}

/** Which part of the source the position is on: the url, the ref key, or one ref field (key or value). */
export function sourcePartAt(src: OciSourceDocument, line: number, character: number): 'url' | 'ref' | RefField | undefined {
  const inside = (r: Range | undefined): boolean =>
    !!r && (line > r.start.line || (line === r.start.line && character >= r.start.character)) && (line < r.end.line || (line === r.end.line && character <= r.end.character));
  if (inside(src.urlRange)) return 'url';
  const urlKeyLine = src.urlRange.start.line;
  if (line === urlKeyLine) return 'url';
  for (const f of refFields) {
    const fld = src.fields[f];
    if (fld && (inside(fld.range) || inside(fld.keyRange) || line === fld.keyRange.start.line)) return f;
  }
  if (inside(src.refKeyRange)) return 'ref';
  return undefined;
}
