/**
 * Finds an OCIRepository in a YAML document and reads what live resolution
 * needs: the spec (url, ref, layer selector, insecure, provider) and where
 * each of those values is written, for hovers, hints, diagnostics and edits.
 * Values written for a templating step are not resolved, except ResourceSet
 * `<< inputs.x >>` with a literal input set to substitute (see `readOciSources`).
 */
import { isScalar, type Scalar, type YAMLMap } from 'yaml';
import type { ParsedDocument } from '../../yaml/parsedDocument';
import type { Range } from '../../text/lineIndex';
import { mapAt, pairOf, stringNodeAt } from '../../yaml/yamlNodes';
import { isTemplated, readFluxObject } from '../../flux/fluxObject';
import { providers, type Provider } from '../../oci/registry/auth/cloudProviders';
import type { OciSourceRef, OciSourceSpec } from '../../resolution/ociSourceSpec';
import { substituteInputs, type InputSet } from '../../flux/resourceSetTemplates';
import { SOURCE_GROUP } from '../../flux/apiGroups';

export type RefField = 'tag' | 'semver' | 'semverFilter' | 'digest';
const refFields: RefField[] = ['tag', 'semver', 'semverFilter', 'digest'];

/**
 * The cluster object whose status says what runs from a source, when that is not the
 * document's own OCIRepository: drift compares its revision with what the registry resolves now.
 */
export interface DeployedAt {
  kind: 'OCIRepository' | 'FluxInstance';
  /** `group/version` to read it with. */
  apiVersion: string;
  /** Unset: the kube context's namespace (where `kubectl apply` puts an object without one). */
  namespace?: string;
  /** Unset: named after its namespace (Flux Operator names the sync source so, as `flux bootstrap` does). */
  name?: string;
  /** The status field holding the revision in use. */
  revisionField: readonly string[];
}

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
  /**
   * Set when the spec is not the text as written: the ResourceSet input set substituted
   * (`inputs[1] (tenant: backend)`), or the FluxInstance field it comes from. Such a source
   * is resolved and shown, never edited (an edit would overwrite a template or a field of
   * another shape).
   */
  origin?: string;
  /** The object the source belongs to, when it is not the whole document (a ResourceSet's embedded object). */
  objectRange?: Range;
  /**
   * Where the ref is one string rather than OCIRepository's `spec.ref` mapping: its path from
   * the document root (FluxInstance `spec.sync.ref`, a tag or a digest), for ref completion.
   */
  refValuePath?: readonly string[];
  /** The ref at `refValuePath` is the tag written in the URL after `:` (FluxInstance `spec.distribution.artifact`). */
  refInUrl?: boolean;
  /**
   * Set when the object cannot ask Flux to verify this artifact's signature (FluxInstance
   * `spec.sync` has no `verify` field): the verdict and why, for the hover, which then says
   * what signatures the registry holds, as information.
   */
  unverified?: string;
  /** Where the cluster shows this source's revision, when it is not the document's own OCIRepository (FluxInstance sources). */
  deployedAt?: DeployedAt;
}

export function readOciSource(doc: ParsedDocument): OciSourceDocument | undefined {
  return doc.memoize('liveResolution/ociSource', () => read(doc));
}

/**
 * An OCIRepository read with a ResourceSet input set substituted into its url and ref;
 * undefined unless every template there is a plain `<< inputs.x >>` with a literal value.
 */
export function readOciSourceWithInputs(doc: ParsedDocument, inputs: InputSet): OciSourceDocument | undefined {
  const used: string[] = [];
  const src = read(doc, (text) => {
    const r = substituteInputs(text, inputs);
    if (r) for (const k of r.used) if (!used.includes(k)) used.push(k);
    return r?.text;
  });
  if (!src || !used.length) return undefined; // nothing substituted: the plain reading covers it
  src.origin = inputs.label(used);
  return src;
}

/** What a value written in the file stands for: itself, or undefined when a template decides it. */
type Render = (text: string) => string | undefined;

const asWritten: Render = (text) => (isTemplated(text) ? undefined : text);

function read(doc: ParsedDocument, render: Render = asWritten): OciSourceDocument | undefined {
  const obj = readFluxObject(doc);
  if (!obj || obj.group !== SOURCE_GROUP || obj.kind !== 'OCIRepository' || !obj.spec) return undefined;
  const urlNode = stringNodeAt(obj.spec, 'url');
  const url = urlNode ? render(urlNode.value) : undefined;
  // Whatever a render gives back must be final text: a template never reaches a registry.
  if (!urlNode?.range || url === undefined || isTemplated(url) || !url.startsWith('oci://')) return undefined;
  const ref: OciSourceRef = {};
  const out: OciSourceDocument = {
    doc,
    spec: { url: url.trim(), ref },
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
      const value = render(node.value);
      if (value === undefined || isTemplated(value)) return undefined;
      if (value !== '') ref[f] = value;
      out.fields[f] = {
        node,
        key: pair.key,
        range: doc.lineIndex.rangeOf(node.range[0], node.range[1]),
        keyRange: doc.lineIndex.rangeOf(pair.key.range[0], pair.key.range[1]),
      };
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
    !!r &&
    (line > r.start.line || (line === r.start.line && character >= r.start.character)) &&
    (line < r.end.line || (line === r.end.line && character <= r.end.character));
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
