/**
 * `trustpolicy.json` as notation-go v1.3.2 reads it (verifier/trustpolicy):
 * validation of the document, the statement that applies to an artifact
 * (exact registry scope first, else the `*` statement) and the verification
 * level with its overrides. source-controller hands the Secret's
 * `trustpolicy.json` to this code after blanking the trust stores and
 * identities of `skip` statements (`CleanTrustPolicy`), which we do too.
 */
import { parseDistinguishedName, isSubsetDN, type DistinguishedName } from './distinguishedName';

export type ValidationType = 'integrity' | 'authenticity' | 'authenticTimestamp' | 'expiry' | 'revocation';
export type ValidationAction = 'enforce' | 'log' | 'skip';
export const validationTypes: ValidationType[] = ['integrity', 'authenticity', 'authenticTimestamp', 'expiry', 'revocation'];

export interface VerificationLevel {
  name: 'strict' | 'permissive' | 'audit' | 'skip' | 'custom';
  enforcement: Record<ValidationType, ValidationAction>;
}

const levels: Record<'strict' | 'permissive' | 'audit' | 'skip', VerificationLevel> = {
  strict: {
    name: 'strict',
    enforcement: { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'enforce', expiry: 'enforce', revocation: 'enforce' },
  },
  permissive: {
    name: 'permissive',
    enforcement: { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
  },
  audit: { name: 'audit', enforcement: { integrity: 'enforce', authenticity: 'log', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' } },
  skip: { name: 'skip', enforcement: { integrity: 'skip', authenticity: 'skip', authenticTimestamp: 'skip', expiry: 'skip', revocation: 'skip' } },
};

export interface TrustPolicyStatement {
  name: string;
  registryScopes: string[];
  signatureVerification: { level: string; override?: Record<string, string>; verifyTimestamp?: string };
  trustStores: string[];
  trustedIdentities: string[];
}

export interface TrustPolicyDocument {
  version: string;
  trustPolicies: TrustPolicyStatement[];
}

/** A problem with the trust policy itself: nothing can be verified until it is fixed. */
export class TrustPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustPolicyError';
  }
}

const policyLink = 'https://notaryproject.dev/docs/quickstart/#create-a-trust-policy';

/** Go's encoding/json: a field matches its exact key first, else a key equal to it ignoring case. */
function field(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const k = Object.keys(o).find((key) => key.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function object(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A JSON list of strings, as Go decodes []string: anything else in it fails the whole document. */
function strings(v: unknown, what: string, source: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
    throw new TrustPolicyError(`error occurred while parsing ${source}: ${what} must be a list of strings`);
  return v as string[];
}

function text(v: unknown, what: string, source: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new TrustPolicyError(`error occurred while parsing ${source}: ${what} must be a string`);
  return v;
}

/** Parses like Go's encoding/json into notation's Document struct (unknown keys ignored, case-insensitive names, missing lists empty). */
export function parseTrustPolicy(json: string, source = 'trustpolicy.json'): TrustPolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new TrustPolicyError(`error occurred while parsing ${source}: ${(err as Error).message}`);
  }
  const doc = object(raw);
  if (!doc) throw new TrustPolicyError(`error occurred while parsing ${source}: not a JSON object`);
  const statements = field(doc, 'trustPolicies');
  if (statements !== undefined && statements !== null && !Array.isArray(statements))
    throw new TrustPolicyError(`error occurred while parsing ${source}: trustPolicies must be a list`);
  return {
    version: text(field(doc, 'version'), 'version', source),
    trustPolicies: ((statements as unknown[] | null | undefined) ?? []).map((s: unknown) => {
      const o = object(s) ?? {};
      const sv = object(field(o, 'signatureVerification')) ?? {};
      const override = object(field(sv, 'override')) as Record<string, string> | undefined;
      const verifyTimestamp = field(sv, 'verifyTimestamp');
      return {
        name: text(field(o, 'name'), 'name', source),
        registryScopes: strings(field(o, 'registryScopes'), 'registryScopes', source),
        signatureVerification: {
          level: text(field(sv, 'level'), 'level', source),
          ...(override ? { override } : {}),
          ...(typeof verifyTimestamp === 'string' ? { verifyTimestamp } : {}),
        },
        trustStores: strings(field(o, 'trustStores'), 'trustStores', source),
        trustedIdentities: strings(field(o, 'trustedIdentities'), 'trustedIdentities', source),
      };
    }),
  };
}

/** source-controller's CleanTrustPolicy: `skip` statements lose their trust stores and identities. */
export function cleanTrustPolicy(doc: TrustPolicyDocument): TrustPolicyDocument {
  return {
    ...doc,
    trustPolicies: doc.trustPolicies.map((s) => (s.signatureVerification.level === 'skip' ? { ...s, trustStores: [], trustedIdentities: [] } : s)),
  };
}

export function verificationLevelOf(statement: TrustPolicyStatement): VerificationLevel {
  const sv = statement.signatureVerification;
  if (sv.level === '') throw new TrustPolicyError('signature verification level is empty or missing in the trust policy statement');
  const base = (levels as Record<string, VerificationLevel | undefined>)[sv.level];
  if (!base) throw new TrustPolicyError(`invalid signature verification level "${sv.level}" (use strict, permissive, audit or skip)`);
  const override = Object.entries(sv.override ?? {});
  if (override.length === 0) return base;
  if (base.name === 'skip') throw new TrustPolicyError(`signature verification level "skip" can't be used to customize signature verification`);
  const custom: VerificationLevel = { name: 'custom', enforcement: { ...base.enforcement } };
  for (const [key, value] of override) {
    if (!validationTypes.includes(key as ValidationType))
      throw new TrustPolicyError(
        `verification type "${key}" in custom signature verification is not supported, supported values are ${validationTypes.join(', ')}`,
      );
    if (!['enforce', 'log', 'skip'].includes(value))
      throw new TrustPolicyError(`verification action "${value}" in custom signature verification is not supported, supported values are enforce, log, skip`);
    if (key === 'integrity') throw new TrustPolicyError(`"integrity" verification can not be overridden in custom signature verification`);
    if (key !== 'revocation' && value === 'skip') throw new TrustPolicyError(`"${key}" verification can not be skipped in custom signature verification`);
    custom.enforcement[key as ValidationType] = value as ValidationAction;
  }
  return custom;
}

const domainRe = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+)?(?::[0-9]+)?$/;
const repositoryRe = /^[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?(?:(?:\/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$/;

function checkScope(scope: string): void {
  const hint = 'make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository';
  if (scope.length > 1 && scope.includes('*')) throw new TrustPolicyError(`registry scope "${scope}" with wild card(s) is not valid, ${hint}`);
  const slash = scope.indexOf('/');
  const domain = slash < 0 ? '' : scope.slice(0, slash);
  const repo = slash < 0 ? '' : scope.slice(slash + 1);
  if (!domain || !repo || !domainRe.test(domain) || !repositoryRe.test(repo)) throw new TrustPolicyError(`registry scope "${scope}" is not valid, ${hint}`);
}

const storeTypes = ['ca', 'signingAuthority', 'tsa'];

/** notation-go's Document.Validate, same order and wording where it matters. */
export function validateTrustPolicy(doc: TrustPolicyDocument): void {
  if (doc.version === '') throw new TrustPolicyError('trust policy document has empty version, version must be specified ("version": "1.0")');
  if (doc.version !== '1.0') throw new TrustPolicyError(`trust policy document uses unsupported version "${doc.version}" (only "1.0" is supported)`);
  if (doc.trustPolicies.length === 0) throw new TrustPolicyError('trust policy document can not have zero trust policy statements');
  const names = new Set<string>();
  for (const s of doc.trustPolicies) {
    if (names.has(s.name)) throw new TrustPolicyError(`multiple trust policy statements use the same name "${s.name}", statement names must be unique`);
    if (s.name === '') throw new TrustPolicyError('trust policy: a trust policy statement is missing a name, every statement requires a name');
    let level: VerificationLevel;
    try {
      level = verificationLevelOf(s);
    } catch (err) {
      throw new TrustPolicyError(`trust policy: trust policy statement "${s.name}" has invalid signatureVerification: ${(err as Error).message}`);
    }
    const vt = s.signatureVerification.verifyTimestamp;
    if (vt !== undefined && vt !== '' && vt !== 'always' && vt !== 'afterCertExpiry') {
      throw new TrustPolicyError(
        `trust policy: trust policy statement "${s.name}" has invalid signatureVerification: verifyTimestamp must be "always" or "afterCertExpiry", but got "${vt}"`,
      );
    }
    if (level.name === 'skip') {
      if (s.trustStores.length > 0 || s.trustedIdentities.length > 0) {
        throw new TrustPolicyError(
          `trust policy: trust policy statement "${s.name}" is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped`,
        );
      }
    } else {
      if (s.trustStores.length === 0 || s.trustedIdentities.length === 0) {
        throw new TrustPolicyError(
          `trust policy: trust policy statement "${s.name}" is either missing trust stores or trusted identities, both must be specified`,
        );
      }
      for (const store of s.trustStores) {
        const colon = store.indexOf(':');
        if (colon < 0)
          throw new TrustPolicyError(
            `trust policy: trust policy statement "${s.name}" has malformed trust store value "${store}". The required format is <TrustStoreType>:<TrustStoreName>`,
          );
        const type = store.slice(0, colon);
        const named = store.slice(colon + 1);
        if (!storeTypes.includes(type))
          throw new TrustPolicyError(
            `trust policy: trust policy statement "${s.name}" uses an unsupported trust store type "${type}" in trust store value "${store}" (ca, signingAuthority or tsa)`,
          );
        if (!/^[a-zA-Z0-9_.-]+$/.test(named))
          throw new TrustPolicyError(
            `trust policy: trust policy statement "${s.name}" uses an unsupported trust store name "${named}" in trust store value "${store}". Named store name needs to follow [a-zA-Z0-9_.-]+ format`,
          );
      }
      validateIdentities(s);
    }
    names.add(s.name);
  }
  const counts = new Map<string, number>();
  for (const s of doc.trustPolicies) {
    if (s.registryScopes.length === 0)
      throw new TrustPolicyError(`trust policy statement "${s.name}" has zero registry scopes, it must specify registry scopes with at least one value`);
    if (s.registryScopes.length > 1 && s.registryScopes.includes('*'))
      throw new TrustPolicyError(
        `trust policy statement "${s.name}" uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values`,
      );
    for (const scope of s.registryScopes) {
      if (scope !== '*') checkScope(scope);
      counts.set(scope, (counts.get(scope) ?? 0) + 1);
    }
  }
  for (const [scope, n] of counts) {
    if (n > 1)
      throw new TrustPolicyError(
        `registry scope "${scope}" is present in multiple trust policy statements, one registry scope value can only be associated with one statement`,
      );
  }
}

function validateIdentities(s: TrustPolicyStatement): void {
  const tis = s.trustedIdentities;
  if (tis.length > 1 && tis.includes('*'))
    throw new TrustPolicyError(
      `trust policy: trust policy statement "${s.name}" uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values`,
    );
  const parsed: Array<{ raw: string; dn: DistinguishedName }> = [];
  for (const identity of tis) {
    if (identity === '') throw new TrustPolicyError(`trust policy: trust policy statement "${s.name}" has an empty trusted identity`);
    if (identity === '*') continue;
    const colon = identity.indexOf(':');
    if (colon < 0) throw new TrustPolicyError(`trust policy: trust policy statement "${s.name}" has trusted identity "${identity}" missing separator`);
    if (identity.slice(0, colon) !== 'x509.subject') continue;
    const value = identity.slice(colon + 1);
    if (value === '')
      throw new TrustPolicyError(`trust policy: trust policy statement "${s.name}" has trusted identity "${identity}" without an identity value`);
    try {
      parsed.push({ raw: identity, dn: parseDistinguishedName(value) });
    } catch (err) {
      throw new TrustPolicyError(
        `trust policy: trust policy statement "${s.name}" has trusted identity "${identity}" with invalid identity value: ${(err as Error).message}`,
      );
    }
  }
  for (let i = 0; i < parsed.length; i++) {
    for (let j = 0; j < parsed.length; j++) {
      if (i !== j && isSubsetDN(parsed[i]!.dn, parsed[j]!.dn)) {
        throw new TrustPolicyError(
          `trust policy: trust policy statement "${s.name}" has overlapping x509 trustedIdentities, "${parsed[i]!.raw}" overlaps with "${parsed[j]!.raw}"`,
        );
      }
    }
  }
}

/**
 * The statement for `host/repo@digest`: the one whose registryScopes name
 * `host/repo` exactly, else the `*` statement, else an error.
 */
export function applicableStatement(doc: TrustPolicyDocument, artifactReference: string): TrustPolicyStatement {
  const at = artifactReference.lastIndexOf('@');
  if (at < 0) throw new TrustPolicyError(`artifact URI "${artifactReference}" could not be parsed`);
  const path = artifactReference.slice(0, at);
  checkScope(path);
  let wildcard: TrustPolicyStatement | undefined;
  let exact: TrustPolicyStatement | undefined;
  for (const s of doc.trustPolicies) {
    if (s.registryScopes.includes('*')) wildcard = s;
    else if (s.registryScopes.includes(path)) exact = s;
  }
  const found = exact ?? wildcard;
  if (!found) {
    throw new TrustPolicyError(
      `artifact "${artifactReference}" has no applicable trust policy statement: no statement has "${path}" or "*" in its registryScopes; add the repository to a statement's registryScopes (see ${policyLink})`,
    );
  }
  return found;
}
