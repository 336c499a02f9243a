/**
 * A Bucket without `spec.ignore` packs every object under its prefix: unlike
 * Git and OCI sources, source-controller applies no default excludes to
 * Buckets (sc bucket_controller `fetchEtagIndex`), whatever the docs say.
 */
import { Severity } from '../diagnostics';
import { SOURCE_GROUP, type Lint } from './lintTypes';
import { isSet, pairOf, rangeOf } from '../yaml/yamlNodes';
import { appendToMap } from '../yaml/yamlEdits';
import { sourceControllerDefaultExcludes } from '../flux/sourceIgnoreDefaults';

/** The excludes Flux applies to Git and OCI sources when none are given (pkg/sourceignore defaults). */
export const defaultSourceIgnore = [
  '# Flux applies no default excludes to Buckets; these are the ones it uses for Git and OCI sources.',
  ...sourceControllerDefaultExcludes,
];

export const bucketIgnore: Lint = (obj) => {
  if (obj.group !== SOURCE_GROUP || obj.kind !== 'Bucket' || !obj.spec) return [];
  if (isSet(obj.spec, 'ignore')) return [];
  const specKey = pairOf(obj.root, 'spec')?.key;
  const range = rangeOf(obj.doc, specKey);
  if (!range) return [];
  const edit = appendToMap(obj.doc, obj.spec, { ignore: defaultSourceIgnore.join('\n') + '\n' });
  return [
    {
      range,
      severity: Severity.Warning,
      code: 'flux/bucket-no-ignore',
      message:
        'This Bucket has no spec.ignore, and Flux applies no default excludes to Buckets: every object under the prefix is packed into the artifact, ' +
        'including .git/, CI files, images and archives (only a .sourceignore at the bucket root is read). Add spec.ignore listing what must not reach the cluster.',
      ...(edit ? { fixes: [{ title: 'Add spec.ignore with the Git/OCI default excludes', edits: [edit], preferred: true }] } : {}),
    },
  ];
};
