/**
 * `spec.verify` pitfalls of OCIRepository and HelmChart (facts d.1-d.3, P11):
 * keyless cosign without `matchOIDCIdentity` trusts any identity Fulcio
 * certified; more than one identity entry breaks cosign v3 bundle verification;
 * notation cannot work without its secret; identity matchers are Go RE2.
 */
import { type YAMLMap } from 'yaml';
import { isMap } from '../yaml/nodeTests';
import { Severity, type Diagnostic } from '../diagnostics';
import { SOURCE_GROUP, type Lint } from './lintTypes';
import { isSet, mapAt, pairOf, rangeOf, seqAt, stringAt, stringNodeAt } from '../yaml/yamlNodes';
import { isTemplated, type FluxObject } from '../flux/fluxObject';
import { appendToMap } from '../yaml/yamlEdits';
import { checkRegex } from './semverExpressions';
import { splitOciUrl } from './ociRepositoryUrl';

export const cosignVerify: Lint = (obj) => {
  if (obj.group !== SOURCE_GROUP || (obj.kind !== 'OCIRepository' && obj.kind !== 'HelmChart')) return [];
  const verify = mapAt(obj.spec, 'verify');
  if (!verify) return [];
  const out: Diagnostic[] = [];
  const provider = stringAt(verify, 'provider') ?? 'cosign';
  const verifyKey = rangeOf(obj.doc, pairOf(obj.spec, 'verify')?.key);
  if (provider === 'notation') {
    if (!isSet(verify, 'secretRef') && verifyKey) {
      out.push({
        range: verifyKey,
        severity: Severity.Error,
        code: 'flux/verify-notation-secret',
        message:
          'Notation verification needs spec.verify.secretRef: a Secret with trustpolicy.json and at least one .crt or .pem CA certificate. Without it every verification fails.',
      });
    }
    return out;
  }
  if (provider !== 'cosign') return out;

  const identitiesPair = pairOf(verify, 'matchOIDCIdentity');
  const identities = seqAt(verify, 'matchOIDCIdentity');
  if (identities && identities.items.length > 1) {
    const range = rangeOf(obj.doc, identitiesPair?.key);
    if (range) {
      out.push({
        range,
        severity: Severity.Warning,
        code: 'flux/verify-multiple-identities',
        message:
          `matchOIDCIdentity lists ${identities.items.length} identities: signatures in the cosign v3 bundle format (the cosign v3 default) then fail with ` +
          '"unsupported: multiple identities are not supported at this time". Use one entry and widen its issuer/subject regexes with alternation, e.g. subject: "^https://github.com/org/(app|lib)/.*$".',
      });
    }
  }
  for (const item of identities?.items ?? []) {
    if (!isMap(item)) continue;
    checkRegex(obj, stringNodeAt(item as YAMLMap, 'issuer'), 'matchOIDCIdentity issuer', out);
    checkRegex(obj, stringNodeAt(item as YAMLMap, 'subject'), 'matchOIDCIdentity subject', out);
  }

  const keyless = !isSet(verify, 'secretRef');
  const noIdentity = !identities || identities.items.length === 0;
  if (keyless && noIdentity && verifyKey) {
    const edit = identitiesPair ? undefined : appendToMap(obj.doc, verify, { matchOIDCIdentity: [githubIdentity(obj)] });
    out.push({
      range: verifyKey,
      severity: Severity.Warning,
      code: 'flux/verify-any-identity',
      message:
        'Keyless cosign verification without matchOIDCIdentity accepts a signature from any identity Fulcio certified, so anyone can sign an artifact that passes. ' +
        'Add matchOIDCIdentity with issuer and subject regexes for your CI (or verify with keys through secretRef).',
      ...(edit ? { fixes: [{ title: 'Add matchOIDCIdentity for GitHub Actions (check the subject)', edits: [edit] }] } : {}),
    });
  }
  return out;
};

/**
 * A GitHub Actions identity for one repository, guessing it from a ghcr.io URL
 * (`ghcr.io/org/repo/...`): the subject names the repository, since `org/.*`
 * would let every repository of the org sign (flux/verify-identity-regex).
 */
function githubIdentity(obj: FluxObject): { issuer: string; subject: string } {
  const url = stringAt(obj.spec, 'url');
  const parts = url && !isTemplated(url) ? splitOciUrl(url) : undefined;
  const [org, repo] = parts?.host === 'ghcr.io' ? parts.path.split('/') : [];
  return {
    issuer: '^https://token\\.actions\\.githubusercontent\\.com$',
    subject: `^https://github\\.com/${org ? escapeRegex(org) : 'ORG'}/${repo ? escapeRegex(repo) : 'REPO'}/.*$`,
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
