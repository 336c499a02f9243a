/**
 * OCIRepository `url` shapes source-controller refuses (sc `parseRepository`,
 * ggcr `name.NewRepository`): a tag or digest in the URL, upper-case letters in
 * the repository path, or no repository path at all. All of them stall the
 * object with reason URLInvalid: Flux never retries until the spec changes.
 */
import { Severity, type Diagnostic, type Fix, type TextEdit } from '../diagnostics';
import type { YAMLMap } from 'yaml';
import { SOURCE_GROUP, type Lint } from './lintTypes';
import { isSet, mapAt, pairOf, rangeOf, stringNodeAt } from '../yaml/yamlNodes';
import { isTemplated, type FluxObject } from '../flux/fluxObject';
import { appendToMap, replaceScalar } from '../yaml/yamlEdits';

export interface OciUrlParts {
  host: string;
  /** Repository path without tag or digest ('' when absent). */
  path: string;
  tag?: string;
  digest?: string;
}

/** Splits `oci://host/path[:tag][@digest]` the way ggcr tells registry from repository. */
export function splitOciUrl(url: string): OciUrlParts | undefined {
  if (!url.startsWith('oci://')) return undefined;
  const rest = url.slice('oci://'.length);
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  let path = slash < 0 ? '' : rest.slice(slash + 1);
  const parts: OciUrlParts = { host, path };
  const at = path.indexOf('@');
  if (at >= 0) {
    parts.digest = path.slice(at + 1);
    path = path.slice(0, at);
  }
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    parts.tag = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  parts.path = path;
  return parts;
}

/** ggcr treats the first segment as a registry host when it has a dot or port, or is localhost. */
function looksLikeHost(s: string): boolean {
  return s.includes('.') || s.includes(':') || s === 'localhost';
}

export const ociRepositoryUrl: Lint = (obj) => {
  if (obj.group !== SOURCE_GROUP || obj.kind !== 'OCIRepository' || !obj.spec) return [];
  const node = stringNodeAt(obj.spec, 'url');
  const url = node?.value;
  if (!node || !url || isTemplated(url)) return [];
  const parts = splitOciUrl(url);
  if (!parts) return []; // not oci:// at all: the schema pattern reports that
  const range = rangeOf(obj.doc, node);
  if (!range) return [];
  const out: Diagnostic[] = [];

  if (parts.path === '' && looksLikeHost(parts.host)) {
    out.push({
      range,
      severity: Severity.Error,
      code: 'flux/ocirepository-url-no-path',
      message: `url '${url}' names a registry but no repository: Flux stalls with URLInvalid. Add the repository path, e.g. oci://${parts.host}/org/app.`,
    });
    return out;
  }
  const base = `oci://${parts.host}/${parts.path}`;
  if (parts.digest !== undefined) {
    out.push({
      range,
      severity: Severity.Error,
      code: 'flux/ocirepository-url-digest',
      message: `url must not contain a digest ('@${parts.digest}'): Flux stalls with URLInvalid. Put the digest in spec.ref.digest and keep url to the repository (${base}).`,
      fixes: moveIntoRef(obj, base, 'digest', parts.digest),
    });
  } else if (parts.tag !== undefined) {
    out.push({
      range,
      severity: Severity.Error,
      code: 'flux/ocirepository-url-tag',
      message: `url must not contain a tag (':${parts.tag}'): Flux stalls with "URL must not contain a tag; remove ':${parts.tag}'". Put the tag in spec.ref.tag and keep url to the repository (${base}).`,
      fixes: moveIntoRef(obj, base, 'tag', parts.tag),
    });
  }
  if (parts.path !== parts.path.toLowerCase()) {
    const lowered = url.replace(`/${parts.path}`, `/${parts.path.toLowerCase()}`);
    const edit = replaceScalar(obj.doc, node, lowered);
    out.push({
      range,
      severity: Severity.Error,
      code: 'flux/ocirepository-url-uppercase',
      message: `OCI repository paths are lower-case: '${parts.path}' is rejected and Flux stalls with URLInvalid. Write '${parts.path.toLowerCase()}'.`,
      ...(edit ? { fixes: [{ title: 'Lower-case the repository path', edits: [edit], preferred: true }] } : {}),
    });
  }
  return out;
};

function moveIntoRef(obj: FluxObject, base: string, field: 'tag' | 'digest', value: string): Fix[] | undefined {
  const spec = obj.spec!;
  const urlNode = stringNodeAt(spec, 'url')!;
  const edits: TextEdit[] = [];
  const urlEdit = replaceScalar(obj.doc, urlNode, base);
  if (!urlEdit) return undefined;
  edits.push(urlEdit);
  const refPair = pairOf(spec, 'ref');
  const ref: YAMLMap | undefined = mapAt(spec, 'ref');
  const refEmpty = !refPair || refPair.value === null || (ref !== undefined && ref.items.length === 0);
  if (refEmpty && refPair) return undefined; // `ref:` with nothing or `{}`: rare, leave it to the user
  if (!refPair) {
    const e = appendToMap(obj.doc, spec, { ref: { [field]: value } });
    if (!e) return undefined;
    edits.push(e);
  } else if (ref) {
    const existing = stringNodeAt(ref, field);
    if (existing) {
      const e = replaceScalar(obj.doc, existing, value);
      if (!e) return undefined;
      edits.push(e);
    } else if (field === 'digest' || !(isSet(ref, 'semver') || isSet(ref, 'digest'))) {
      const e = appendToMap(obj.doc, ref, { [field]: value });
      if (!e) return undefined;
      edits.push(e);
    }
  } else {
    return undefined;
  }
  return [{ title: `Move the ${field} into spec.ref.${field}`, edits, preferred: true }];
}
