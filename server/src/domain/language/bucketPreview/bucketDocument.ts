/**
 * Finds a Bucket in a YAML document and reads what the preview needs, with where
 * the bucket name is written (hover and diagnostics anchor there). A Bucket whose
 * endpoint, bucket name, prefix or secretRef is templated is never listed.
 */
import { isScalar, type Scalar } from 'yaml';
import type { ParsedDocument } from '../../yaml/parsedDocument';
import type { Range } from '../../text/lineIndex';
import { mapAt, pairOf, stringNodeAt } from '../../yaml/yamlNodes';
import { isTemplated, readFluxObject } from '../../flux/fluxObject';
import { SOURCE_GROUP } from '../../flux/apiGroups';
import type { BucketProvider, BucketSpec } from '../../resolution/bucket/bucketSpec';

export interface BucketDocument {
  doc: ParsedDocument;
  spec: BucketSpec;
  /** The `spec.bucketName` value. */
  anchor: Range;
  /** Lines the hover answers on: bucketName, endpoint, prefix, ignore (keys and values). */
  hoverRanges: Range[];
  /** The `spec.ignore` value, for adding patterns. */
  ignoreNode?: Scalar<string>;
}

const providers: readonly BucketProvider[] = ['generic', 'aws', 'gcp', 'azure'];

export function readBucket(doc: ParsedDocument): BucketDocument | undefined {
  return doc.memoize('bucketPreview/bucket', () => read(doc));
}

function read(doc: ParsedDocument): BucketDocument | undefined {
  const obj = readFluxObject(doc);
  if (!obj || obj.group !== SOURCE_GROUP || obj.kind !== 'Bucket' || !obj.spec || !obj.name) return undefined;
  const s = obj.spec;
  const bucketNode = stringNodeAt(s, 'bucketName');
  const endpoint = stringNodeAt(s, 'endpoint')?.value;
  if (!bucketNode?.range || !endpoint) return undefined;
  const prefix = stringNodeAt(s, 'prefix')?.value;
  const secretRef = stringNodeAt(mapAt(s, 'secretRef'), 'name')?.value;
  const certSecretRef = stringNodeAt(mapAt(s, 'certSecretRef'), 'name')?.value;
  const region = stringNodeAt(s, 'region')?.value;
  for (const v of [bucketNode.value, endpoint, prefix, secretRef, certSecretRef, region, obj.name, obj.namespace])
    if (v !== undefined && isTemplated(v)) return undefined;
  const providerText = stringNodeAt(s, 'provider')?.value ?? 'generic';
  const provider = (providers as readonly string[]).includes(providerText) ? (providerText as BucketProvider) : 'generic';
  const insecurePair = pairOf(s, 'insecure');
  const insecure = isScalar(insecurePair?.value) && insecurePair.value.value === true;
  const ignorePair = pairOf(s, 'ignore');
  const ignoreNode = stringNodeAt(s, 'ignore');
  const spec: BucketSpec = {
    name: obj.name,
    namespace: obj.namespace ?? '',
    provider,
    bucketName: bucketNode.value,
    endpoint,
    insecure,
    ...(region ? { region } : {}),
    ...(prefix ? { prefix } : {}),
    // `ignore:` with no value is null in the API: no patterns, as when absent.
    ...(ignorePair && ignoreNode ? { ignore: ignoreNode.value } : {}),
    ...(secretRef ? { secretRef } : {}),
    ...(certSecretRef ? { certSecretRef } : {}),
    ...(pairOf(s, 'sts') ? { sts: true } : {}),
  };
  const hoverRanges: Range[] = [];
  for (const key of ['bucketName', 'endpoint', 'prefix', 'ignore']) {
    const p = pairOf(s, key);
    if (!p?.key?.range) continue;
    const end = (p.value as { range?: [number, number, number] } | null)?.range?.[1] ?? p.key.range[1];
    hoverRanges.push(doc.lineIndex.rangeOf(p.key.range[0], end));
  }
  return {
    doc,
    spec,
    anchor: doc.lineIndex.rangeOf(bucketNode.range[0], bucketNode.range[1]),
    hoverRanges,
    ...(ignoreNode ? { ignoreNode } : {}),
  };
}

/** Whether `pos` (document coordinates) is on one of the Bucket's previewed fields. */
export function onBucketField(b: BucketDocument, line: number, character: number): boolean {
  return b.hoverRanges.some(
    (r) =>
      (line > r.start.line || (line === r.start.line && character >= r.start.character)) &&
      (line < r.end.line || (line === r.end.line && character <= r.end.character)),
  );
}
