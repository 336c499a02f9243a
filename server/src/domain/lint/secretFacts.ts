/**
 * Secret manifests as the lints may see them: type and key names only. The
 * lints that judge a `secretRef` (is this Secret the right kind for its use?)
 * read these facts, never the values, so no message can leak a secret.
 */
import { type YAMLMap } from 'yaml';
import { isMap, isScalar } from '../yaml/nodeTests';
import type { ParsedDocument } from '../yaml/parsedDocument';
import type { LintContext, SecretFacts } from './lintTypes';
import { mapAt, stringAt } from '../yaml/yamlNodes';
import { isTemplated, type FluxObject } from '../flux/fluxObject';

/** True for a core/v1 Secret document. */
export function isSecretDocument(apiVersion: string | undefined, kind: string | undefined): boolean {
  return apiVersion === 'v1' && kind === 'Secret';
}

/** Type and key names of a Secret document (memoised on the parse); undefined for anything else. */
export function secretFactsOf(doc: ParsedDocument): SecretFacts | undefined {
  if (!isSecretDocument(doc.identity.apiVersion, doc.identity.kind) || doc.hasSyntaxErrors) return undefined;
  return doc.memoize('lint/secretFacts', () => read(doc));
}

function read(doc: ParsedDocument): SecretFacts | undefined {
  const root = doc.root;
  if (!root || !isMap(root)) return undefined;
  const map = root as YAMLMap;
  const keys: string[] = [];
  let opaqueToUs = map.has('sops');
  for (const section of ['data', 'stringData']) {
    for (const p of mapAt(map, section)?.items ?? []) {
      if (!isScalar(p.key) || typeof p.key.value !== 'string') continue;
      keys.push(p.key.value);
      const v = p.value;
      if (isTemplated(p.key.value) || (isScalar(v) && typeof v.value === 'string' && (v.value.startsWith('ENC[') || isTemplated(v.value)))) opaqueToUs = true;
    }
  }
  return { type: stringAt(map, 'type') ?? 'Opaque', keys, opaqueToUs };
}

/** Key for `LintContext.secrets`: `namespace/name`, namespace '' when the manifest does not say. */
export function secretKey(name: string, namespace: string | undefined): string {
  return `${namespace ?? ''}/${name}`;
}

/**
 * The Secret a Flux object's secretRef names (Secrets are read from the
 * object's own namespace). When either side leaves the namespace to
 * kustomize, a single Secret of that name is taken; several are ambiguous.
 */
export function findSecret(ctx: LintContext, obj: FluxObject, name: string): SecretFacts | undefined {
  const secrets = ctx.secrets;
  if (!secrets || isTemplated(name)) return undefined;
  const exact = secrets.get(secretKey(name, obj.namespace)) ?? (obj.namespace !== undefined ? secrets.get(secretKey(name, undefined)) : undefined);
  if (exact) return exact;
  if (obj.namespace !== undefined) return undefined;
  const candidates = [...secrets.entries()].filter(([k]) => k.endsWith(`/${name}`));
  return candidates.length === 1 ? candidates[0]![1] : undefined;
}
