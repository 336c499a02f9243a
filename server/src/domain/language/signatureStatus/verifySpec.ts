/**
 * Reads an OCIRepository's `spec.verify` (provider, secretRef, matchOIDCIdentity)
 * with the range of its `verify` key, where signature diagnostics are shown.
 * Templated values are not checked: the real value is only known after the
 * templating step.
 */
import { isMap, type YAMLMap } from 'yaml';
import type { Range } from '../../text/lineIndex';
import { mapAt, pairOf, rangeOf, seqAt, stringAt } from '../../yaml/yamlNodes';
import { isTemplated } from '../../flux/fluxObject';
import type { IdentityMatcher } from '../../signatures/types';
import type { OciSourceDocument } from '../liveResolution/ociSourceDocument';

export interface VerifySpec {
  provider: string;
  /** `spec.verify.secretRef.name`: keyed mode; absent: keyless. */
  secretName?: string;
  matchOIDCIdentity: IdentityMatcher[];
  /** The OCIRepository's namespace (the Secret must live there). */
  namespace?: string;
  /** Range of the `verify` key: diagnostics go there. */
  keyRange: Range;
  /** Lines the `verify` block spans (hover there shows the signature status). */
  firstLine: number;
  lastLine: number;
}

export function readVerifySpec(src: OciSourceDocument): VerifySpec | undefined {
  return src.doc.memoize('signatureStatus/verifySpec', () => read(src));
}

function read(src: OciSourceDocument): VerifySpec | undefined {
  const pair = pairOf(src.specMap, 'verify');
  const verify = mapAt(src.specMap, 'verify');
  const keyRange = rangeOf(src.doc, pair?.key);
  if (!pair || !verify || !keyRange) return undefined;
  const provider = stringAt(verify, 'provider') ?? 'cosign';
  const secretName = stringAt(mapAt(verify, 'secretRef'), 'name');
  const identities: IdentityMatcher[] = [];
  for (const item of seqAt(verify, 'matchOIDCIdentity')?.items ?? []) {
    if (!isMap(item)) continue;
    const issuer = stringAt(item as YAMLMap, 'issuer');
    const subject = stringAt(item as YAMLMap, 'subject');
    if (issuer === undefined || subject === undefined) continue;
    identities.push({ issuer, subject });
  }
  if ([provider, secretName ?? '', ...identities.flatMap((i) => [i.issuer, i.subject])].some(isTemplated)) return undefined;
  const end = verify.range ? src.doc.lineIndex.rangeOf(verify.range[0], verify.range[1]).end : keyRange.end;
  const out: VerifySpec = {
    provider,
    matchOIDCIdentity: identities,
    keyRange,
    firstLine: keyRange.start.line,
    lastLine: Math.max(keyRange.start.line, end.character === 0 ? end.line - 1 : end.line),
  };
  if (secretName) out.secretName = secretName;
  const ns = src.doc.identity.namespace;
  if (ns !== undefined) out.namespace = ns;
  return out;
}
