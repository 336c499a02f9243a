/**
 * OCIRepository `spec.ref.tag: 6.6.2@sha256:…` (the form Renovate writes for
 * images). source-controller does not read tag@digest in `tag`: since Flux 2.2
 * the digest is not used as a pin (fluxcd/source-controller#1471), and the
 * maintainers declined to add it to the GA API (#2019); `ref.digest` is the
 * field that pins, and it wins over the tag.
 */
import type { TextEdit } from '../diagnostics';
import { Severity } from '../diagnostics';
import { SOURCE_GROUP, type Lint } from './lintTypes';
import { isSet, mapAt, rangeOf, stringNodeAt } from '../yaml/yamlNodes';
import { isTemplated } from '../flux/fluxObject';
import { appendToMap, replaceScalar } from '../yaml/yamlEdits';

export const ociRefTagDigest: Lint = (obj) => {
  if (obj.group !== SOURCE_GROUP || obj.kind !== 'OCIRepository') return [];
  const ref = mapAt(obj.spec, 'ref');
  const node = stringNodeAt(ref, 'tag');
  // With semver set the tag is never read at all; flux/ref-ignored says so.
  if (!ref || !node || isTemplated(node.value) || (isSet(ref, 'semver') && !isSet(ref, 'digest'))) return [];
  const at = node.value.indexOf('@');
  if (at < 0) return [];
  const tag = node.value.slice(0, at);
  const digest = node.value.slice(at + 1);
  const range = rangeOf(obj.doc, node);
  if (!range) return [];
  const hasDigest = isSet(ref, 'digest');
  const edits: TextEdit[] = [];
  const tagEdit = tag ? replaceScalar(obj.doc, node, tag) : undefined;
  // Without a digest field yet, the fix adds one; an existing digest already pins and is kept.
  const digestEdit = hasDigest ? undefined : appendToMap(obj.doc, ref, { digest });
  if (tagEdit && (hasDigest || digestEdit)) edits.push(tagEdit, ...(digestEdit ? [digestEdit] : []));
  return [
    {
      range,
      severity: Severity.Warning,
      code: 'flux/ref-tag-digest',
      message:
        `spec.ref.tag '${node.value}' combines a tag and a digest: Flux does not read tag@digest in tag (fluxcd/source-controller#1471), so the digest does not pin anything. ` +
        (hasDigest
          ? `spec.ref.digest is already set and wins over the tag: keep only the tag ('${tag}') here.`
          : `Put the digest in spec.ref.digest (it takes precedence over the tag) and keep only the tag ('${tag}') here.`),
      ...(edits.length
        ? { fixes: [{ title: hasDigest ? 'Keep only the tag in spec.ref.tag' : 'Move the digest into spec.ref.digest', edits, preferred: true }] }
        : {}),
    },
  ];
};
