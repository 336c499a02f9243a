/** OCIRepository `spec.ref.digest` must be a well-formed content digest; Flux fails to pull otherwise. */
import { Severity } from '../diagnostics';
import { checkDigest } from '../digest/digest';
import { SOURCE_GROUP, type Lint } from './lintTypes';
import { mapAt, rangeOf, stringNodeAt } from '../yaml/yamlNodes';
import { isTemplated } from '../flux/fluxObject';
import { replaceScalar } from '../yaml/yamlEdits';

export const digestSyntax: Lint = (obj) => {
  if (obj.group !== SOURCE_GROUP || obj.kind !== 'OCIRepository') return [];
  const node = stringNodeAt(mapAt(obj.spec, 'ref'), 'digest');
  if (!node || node.value === '' || isTemplated(node.value)) return [];
  const check = checkDigest(node.value);
  if (check.ok) return [];
  const range = rangeOf(obj.doc, node);
  if (!range) return [];
  const edit = check.suggestion ? replaceScalar(obj.doc, node, check.suggestion) : undefined;
  return [
    {
      range,
      severity: Severity.Error,
      code: 'flux/digest-malformed',
      message: `spec.ref.digest '${node.value}' is not a valid digest: ${check.problem}. Flux cannot pull it; write 'sha256:' followed by the 64 lowercase hex digits of the manifest digest.`,
      ...(edit ? { fixes: [{ title: `Change to '${check.suggestion}'`, edits: [edit], preferred: true }] } : {}),
    },
  ];
};
