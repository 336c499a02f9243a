/**
 * The edits live resolution offers: pin a tag to its digest (`ref.digest`
 * written beside the tag, never `tag@sha256` in the URL), move to a newer tag,
 * turn a tag into a semver range, point a pinned digest at where its tag is
 * now. YAML-safe through LS-B's edit helpers; undefined when the layout cannot
 * be edited safely.
 */
import type { TextEdit } from '../../diagnostics';
import { appendToMap, replaceScalar, scalarText } from '../../yaml/yamlEdits';
import { tryParseFluxVersion } from '../../semver/index';
import type { OciSourceDocument } from './ociSourceDocument';

/** Writes (or replaces) `ref.digest`; adds `ref` with the tag when there is none. */
export function pinDigestEdits(src: OciSourceDocument, digest: string, tag: string): TextEdit[] | undefined {
  const existing = src.fields.digest;
  if (existing) {
    const e = replaceScalar(src.doc, existing.node, digest);
    return e ? [e] : undefined;
  }
  if (src.refMap) {
    const e = appendToMap(src.doc, src.refMap, { digest });
    return e ? [e] : undefined;
  }
  if (src.refKeyRange) return undefined; // `ref:` written in a shape we do not edit
  const e = appendToMap(src.doc, src.specMap, { ref: { tag, digest } });
  return e ? [e] : undefined;
}

/** Replaces the tag, and the pinned digest with the new tag's digest when one is pinned. */
export function upgradeEdits(src: OciSourceDocument, tag: string, digest?: string): TextEdit[] | undefined {
  const t = src.fields.tag;
  if (!t) return undefined;
  const edits: TextEdit[] = [];
  const e = replaceScalar(src.doc, t.node, tag);
  if (!e) return undefined;
  edits.push(e);
  if (src.fields.digest) {
    if (!digest) return undefined;
    const d = replaceScalar(src.doc, src.fields.digest.node, digest);
    if (!d) return undefined;
    edits.push(d);
  }
  return edits;
}

/** `tag: v1.2.3` → `semver: ^1.2.3` (same major, Masterminds caret). */
export function tagToRange(tag: string): string | undefined {
  const v = tryParseFluxVersion(tag);
  if (!v) return undefined;
  return `^${v.toString().replace(/\+.*$/, '')}`;
}

export function tagToRangeEdits(src: OciSourceDocument, range: string): TextEdit[] | undefined {
  const t = src.fields.tag;
  if (!t || src.fields.digest || src.fields.semver) return undefined;
  const keyRange = t.key.range;
  if (!keyRange) return undefined;
  const value = replaceScalar(src.doc, t.node, range);
  if (!value) return undefined;
  return [
    { range: src.doc.lineIndex.rangeOf(keyRange[0], keyRange[1]), newText: 'semver' },
    { ...value, newText: scalarText(range, t.node.type) },
  ];
}
