/**
 * Turns an OCIRepository's `spec.verify` into the policy Flux would apply,
 * with the keys the editor can actually see: the `secretRef` Secret when its
 * manifest is in the workspace, else the key files of the
 * `flux-oci.verify.publicKeyFiles` setting. Keyless uses the trusted root of
 * `flux-oci.verify.trustedRoot`, else Sigstore's public-good root.
 * When nothing usable is found the answer says what is missing; it never
 * guesses a key.
 */
import { createHash } from 'node:crypto';
import type { ParsedDocument } from '../../yaml/parsedDocument';
import type { PublicKeyEntry, VerificationPolicy } from '../../signatures/types';
import { notationTrustOfSecretDocument, publicKeysOfSecretDocument } from './secretKeys';
import type { VerifySpec } from './verifySpec';

/** A file named in a setting, already read (or why it could not be). */
export interface ReadFile {
  /** The path as configured, for messages. */
  name: string;
  text?: string;
  error?: string;
}

export interface KeySources {
  /** The Secret manifest of that name in that namespace, and where it is (for messages). */
  findSecret(name: string, namespace: string | undefined): { doc: ParsedDocument; where: string } | undefined;
  /** `flux-oci.verify.publicKeyFiles`, read. */
  keyFiles: readonly ReadFile[];
  /** `flux-oci.verify.trustedRoot`, read, when set. */
  trustedRoot?: ReadFile;
  /** `flux-oci.verify.notationTrustPolicy` and `notationCaFiles`, read: provider notation without a readable Secret. */
  notationTrustPolicy?: ReadFile;
  notationCaFiles?: readonly ReadFile[];
}

export type PolicyChoice =
  | {
      kind: 'ready';
      policy: VerificationPolicy;
      /** Where the keys or trust came from, e.g. "Secret cosign-pub (clusters/prod/secrets.yaml)". */
      keySource: string;
      /** Stable over identical policies: verification results are cached under it. */
      hash: string;
    }
  | { kind: 'keys-unavailable'; message: string }
  | { kind: 'unsupported'; message: string };

export const publicKeyFilesSetting = 'flux-oci.verify.publicKeyFiles';
export const trustedRootSetting = 'flux-oci.verify.trustedRoot';
export const notationTrustPolicySetting = 'flux-oci.verify.notationTrustPolicy';
export const notationCaFilesSetting = 'flux-oci.verify.notationCaFiles';

export function choosePolicy(verify: VerifySpec, sources: KeySources): PolicyChoice {
  if (verify.provider === 'notation') return notationPolicy(verify, sources);
  if (verify.provider !== 'cosign') {
    return { kind: 'unsupported', message: `provider "${verify.provider}" is not one Flux knows (cosign or notation)` };
  }
  const identities = verify.matchOIDCIdentity.length ? { matchOIDCIdentity: verify.matchOIDCIdentity } : {};
  if (verify.secretName !== undefined) {
    const found = sources.findSecret(verify.secretName, verify.namespace);
    let secretProblem: string;
    if (found) {
      const keys = publicKeysOfSecretDocument(found.doc);
      if (keys.ok) return ready({ provider: 'cosign', publicKeys: keys.keys, ...identities }, `Secret ${verify.secretName} (${found.where})`);
      secretProblem = `Secret ${verify.secretName} (${found.where}) cannot be used: ${keys.problem}`;
    } else {
      secretProblem = `Secret ${verify.secretName}${verify.namespace ? ` in namespace ${verify.namespace}` : ''} is not in the workspace`;
    }
    const files = readKeyFiles(sources.keyFiles);
    if (files.ok)
      return ready({ provider: 'cosign', publicKeys: files.keys, ...identities }, `${files.keys.map((k) => k.name).join(', ')} (${publicKeyFilesSetting})`);
    return { kind: 'keys-unavailable', message: `${secretProblem}; ${files.problem}` };
  }
  // Keyless.
  const root = sources.trustedRoot;
  if (root) {
    if (root.text === undefined)
      return {
        kind: 'keys-unavailable',
        message: `cannot read the trusted root ${root.name} of ${trustedRootSetting} (${root.error ?? 'unknown error'}); fix the path`,
      };
    return ready({ provider: 'cosign', trustedRootJson: root.text, ...identities }, `trusted root ${root.name} (${trustedRootSetting})`);
  }
  return ready({ provider: 'cosign', ...identities }, "Sigstore's public-good trusted root");
}

/**
 * Notation trusts the Secret's trustpolicy.json and CA certificates (without secretRef Flux fails
 * every verification); when the manifest is not in the workspace or cannot be read, the files of
 * flux-oci.verify.notationTrustPolicy and notationCaFiles stand in for it.
 */
function notationPolicy(verify: VerifySpec, sources: KeySources): PolicyChoice {
  if (verify.secretName === undefined) {
    return {
      kind: 'keys-unavailable',
      message: 'provider notation needs spec.verify.secretRef: a Secret with trustpolicy.json and the CA certificates (*.crt or *.pem)',
    };
  }
  const found = sources.findSecret(verify.secretName, verify.namespace);
  let problem: string;
  if (found) {
    const where = `Secret ${verify.secretName} (${found.where})`;
    const read = notationTrustOfSecretDocument(found.doc, where);
    if (read.ok) return ready({ provider: 'notation', notation: read.trust }, where);
    problem = `${where} cannot be used: ${read.problem}`;
  } else {
    problem = `Secret ${verify.secretName}${verify.namespace ? ` in namespace ${verify.namespace}` : ''} is not in the workspace; its trustpolicy.json and CA certificates are needed to check Notary signatures`;
  }
  const policyFile = sources.notationTrustPolicy;
  const caFiles = sources.notationCaFiles ?? [];
  if (!policyFile && caFiles.length === 0)
    return { kind: 'keys-unavailable', message: `${problem}; or set ${notationTrustPolicySetting} and ${notationCaFilesSetting}` };
  const unreadable = [policyFile, ...caFiles].filter((f): f is ReadFile => f !== undefined && f.text === undefined);
  if (unreadable.length)
    return {
      kind: 'keys-unavailable',
      message: `${problem}; cannot read ${unreadable.map((f) => `${f.name} (${f.error ?? 'unknown error'})`).join(', ')}; fix the paths`,
    };
  if (!policyFile) return { kind: 'keys-unavailable', message: `${problem}; set ${notationTrustPolicySetting} too (the trust policy)` };
  if (caFiles.length === 0) return { kind: 'keys-unavailable', message: `${problem}; set ${notationCaFilesSetting} too (the CA certificates)` };
  const source = `${[policyFile, ...caFiles].map((f) => f.name).join(', ')} (${notationTrustPolicySetting}, ${notationCaFilesSetting})`;
  return ready(
    { provider: 'notation', notation: { source, trustPolicyJson: policyFile.text!, certificates: caFiles.map((f) => ({ name: f.name, data: f.text! })) } },
    source,
  );
}

function readKeyFiles(files: readonly ReadFile[]): { ok: true; keys: PublicKeyEntry[] } | { ok: false; problem: string } {
  if (files.length === 0) return { ok: false, problem: `set ${publicKeyFilesSetting} to the cosign.pub files to check signatures with` };
  const unreadable = files.filter((f) => f.text === undefined);
  if (unreadable.length) {
    return {
      ok: false,
      problem: `cannot read ${unreadable.map((f) => `${f.name} (${f.error ?? 'unknown error'})`).join(', ')} from ${publicKeyFilesSetting}; fix the paths`,
    };
  }
  return { ok: true, keys: files.map((f) => ({ name: f.name, pem: f.text! })) };
}

function ready(policy: VerificationPolicy, keySource: string): PolicyChoice {
  return { kind: 'ready', policy, keySource, hash: createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 32) };
}
