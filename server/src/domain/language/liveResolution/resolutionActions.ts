/**
 * Refactorings offered where the cursor is on an OCIRepository's url or ref,
 * once it is resolved: pin to digest, upgrade to the newest tag of the same
 * major, turn a tag into a semver range.
 */
import type { TextEdit } from '../../diagnostics';
import type { Resolution } from '../../resolution/resolution';
import { short } from '../../resolution/resolveOciSource';
import type { OciSourceDocument } from './ociSourceDocument';
import { pinDigestEdits, tagToRange, tagToRangeEdits, upgradeEdits } from './resolutionEdits';

export interface ResolutionAction {
  title: string;
  kind: 'refactor.rewrite' | 'quickfix';
  edits: TextEdit[];
  preferred?: boolean;
}

export function resolutionActions(src: OciSourceDocument, r: Resolution | undefined): ResolutionAction[] {
  const out: ResolutionAction[] = [];
  // Text that is not the spec as written (inputs substituted, a FluxInstance field) is not ours to rewrite.
  if (src.origin) return out;
  if (r?.ok && (r.kind === 'tag' || r.kind === 'latest' || r.kind === 'semver') && r.tag && src.spec.ref.digest === undefined) {
    // Pinning a semver ref keeps the range for reading but Flux uses the digest (digest wins).
    const edits = r.kind === 'semver' ? undefined : pinDigestEdits(src, r.digest, r.tag);
    if (edits) out.push({ title: `Pin ${r.tag} to its digest ${short(r.digest)}…`, kind: 'refactor.rewrite', edits });
  }
  if (r?.ok && r.newerTag && src.fields.tag) {
    const edits = upgradeEdits(src, r.newerTag.tag, r.newerTag.digest);
    if (edits) out.push({ title: `Upgrade to ${r.newerTag.tag} (newest of the same major version)`, kind: 'refactor.rewrite', edits });
  }
  const tag = src.spec.ref.tag;
  if (tag && !src.spec.ref.semver && !src.spec.ref.digest) {
    const range = tagToRange(tag);
    const edits = range && tagToRangeEdits(src, range);
    if (range && edits) out.push({ title: `Follow a semver range instead: ${range}`, kind: 'refactor.rewrite', edits });
  }
  return out;
}
