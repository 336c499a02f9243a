/**
 * A `secretRef` naming a Secret of the workspace that cannot serve its use:
 * a registry secretRef that is not a docker config Secret (source-controller
 * reads registry credentials from `kubernetes.io/dockerconfigjson`, facts c.4),
 * a docker config where Git or bucket credentials belong, a certSecretRef that
 * is neither Opaque nor kubernetes.io/tls, a cosign verify Secret without any
 * `*.pub` key (Flux reads every `*.pub` entry as a public key and fails with
 * "no matching signatures" without one, facts d.1), a notation Secret without
 * trustpolicy.json and a CA, a trusted root Secret without trusted_root.json.
 * Only type and key names are read, so no message can show a secret's value.
 */
import type { Scalar, YAMLMap } from 'yaml';
import { Severity, type Diagnostic } from '../diagnostics';
import { SOURCE_GROUP, type Lint, type SecretFacts } from './lintTypes';
import { findSecret } from './secretFacts';
import { mapAt, rangeOf, stringAt, stringNodeAt } from '../yaml/yamlNodes';
import { type FluxObject } from '../flux/fluxObject';

const DOCKER_TYPES = ['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg'];

/** What a secretRef is for, and what is wrong with a Secret for that use (undefined when it fits). */
interface Use {
  ref: YAMLMap | undefined;
  field: string;
  problem: (s: SecretFacts) => { code: string; text: string } | undefined;
}

export const secretRefUse: Lint = (obj, ctx) => {
  if (obj.group !== SOURCE_GROUP || !obj.spec || !ctx.secrets?.size) return [];
  const out: Diagnostic[] = [];
  for (const use of usesOf(obj)) {
    const node: Scalar<string> | undefined = stringNodeAt(use.ref, 'name');
    if (!node || !node.value) continue;
    const secret = findSecret(ctx, obj, node.value);
    if (!secret) continue;
    const problem = use.problem(secret);
    const range = problem && rangeOf(obj.doc, node);
    if (!problem || !range) continue;
    out.push({ range, severity: Severity.Warning, code: problem.code, message: `${use.field}: Secret '${node.value}' ${problem.text}` });
  }
  return out;
};

function usesOf(obj: FluxObject): Use[] {
  const spec = obj.spec!;
  const verify = mapAt(spec, 'verify');
  const uses: Use[] = [];
  switch (obj.kind) {
    case 'OCIRepository':
      uses.push({ ref: mapAt(spec, 'secretRef'), field: 'spec.secretRef', problem: registry });
      uses.push({ ref: mapAt(spec, 'certSecretRef'), field: 'spec.certSecretRef', problem: tls });
      uses.push({ ref: mapAt(verify, 'trustedRootSecretRef'), field: 'spec.verify.trustedRootSecretRef', problem: trustedRoot });
      uses.push({ ref: mapAt(verify, 'secretRef'), field: 'spec.verify.secretRef', problem: stringAt(verify, 'provider') === 'notation' ? notation : cosign });
      break;
    case 'HelmChart':
      uses.push({ ref: mapAt(verify, 'secretRef'), field: 'spec.verify.secretRef', problem: stringAt(verify, 'provider') === 'notation' ? notation : cosign });
      break;
    case 'HelmRepository':
      uses.push({ ref: mapAt(spec, 'certSecretRef'), field: 'spec.certSecretRef', problem: tls });
      // OCI Helm repositories take a docker config; HTTP ones take username/password.
      if (stringAt(spec, 'type') !== 'oci')
        uses.push({
          ref: mapAt(spec, 'secretRef'),
          field: 'spec.secretRef',
          problem: notDocker('HelmRepository (HTTP) reads username and password (or certificates) from its Secret'),
        });
      break;
    case 'GitRepository':
      uses.push({
        ref: mapAt(spec, 'secretRef'),
        field: 'spec.secretRef',
        problem: notDocker('GitRepository reads username/password, bearerToken or identity/known_hosts from its Secret'),
      });
      break;
    case 'Bucket':
      uses.push({
        ref: mapAt(spec, 'secretRef'),
        field: 'spec.secretRef',
        problem: notDocker('Bucket reads accesskey/secretkey (or the cloud provider keys) from its Secret'),
      });
      uses.push({ ref: mapAt(spec, 'certSecretRef'), field: 'spec.certSecretRef', problem: tls });
      break;
  }
  return uses;
}

const WRONG_TYPE = 'flux/secret-wrong-type';
const MISSING_KEYS = 'flux/verify-secret-keys';

function registry(s: SecretFacts): { code: string; text: string } | undefined {
  if (DOCKER_TYPES.includes(s.type)) return undefined;
  return {
    code: WRONG_TYPE,
    text:
      `is of type ${s.type}, but an OCIRepository reads registry credentials only from a kubernetes.io/dockerconfigjson Secret (key .dockerconfigjson), so Flux does not use it to log in. ` +
      "Create it with 'flux create secret oci' or 'kubectl create secret docker-registry', or set type: kubernetes.io/dockerconfigjson with a .dockerconfigjson key.",
  };
}

function notDocker(what: string): (s: SecretFacts) => { code: string; text: string } | undefined {
  return (s) =>
    DOCKER_TYPES.includes(s.type)
      ? { code: WRONG_TYPE, text: `is a docker registry Secret (${s.type}), which has none of what this needs: ${what}.` }
      : undefined;
}

function tls(s: SecretFacts): { code: string; text: string } | undefined {
  if (s.type === 'Opaque' || s.type === 'kubernetes.io/tls') return undefined;
  return {
    code: WRONG_TYPE,
    text: `is of type ${s.type}; a certSecretRef must be an Opaque or kubernetes.io/tls Secret with ca.crt and/or tls.crt + tls.key.`,
  };
}

function cosign(s: SecretFacts): { code: string; text: string } | undefined {
  if (s.keys.some((k) => k.endsWith('.pub'))) return undefined;
  return {
    code: MISSING_KEYS,
    text:
      `has no key ending in .pub: cosign verification reads every *.pub entry as a public key, so with none every signature check fails ("no matching signatures"). ` +
      "Add the public key under a name like cosign.pub ('kubectl create secret generic <name> --from-file=cosign.pub'), or drop verify.secretRef for keyless verification.",
  };
}

function notation(s: SecretFacts): { code: string; text: string } | undefined {
  const policy = s.keys.includes('trustpolicy.json');
  const ca = s.keys.some((k) => k.endsWith('.crt') || k.endsWith('.pem'));
  if (policy && ca) return undefined;
  const missing = [policy ? '' : 'trustpolicy.json', ca ? '' : 'a CA certificate (*.crt or *.pem)'].filter(Boolean).join(' and ');
  return { code: MISSING_KEYS, text: `lacks ${missing}: notation verification needs both, so every verification fails.` };
}

function trustedRoot(s: SecretFacts): { code: string; text: string } | undefined {
  if (s.keys.includes('trusted_root.json')) return undefined;
  return {
    code: MISSING_KEYS,
    text: "has no key trusted_root.json: Flux reads the Sigstore trusted root from that key (make it with 'cosign trusted-root create').",
  };
}
