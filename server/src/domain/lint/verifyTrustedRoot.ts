/**
 * `spec.verify.trustedRootSecretRef` (a Sigstore trusted_root.json for
 * self-hosted Fulcio/Rekor) exists only on OCIRepository, since Flux 2.9
 * (source-controller 1.9 CRDs): HelmChart and GitRepository verification have
 * no such field, so the API server refuses it. On an OCIRepository it only
 * serves cosign keyless verification, so with notation it does nothing.
 */
import { Severity, type Diagnostic } from '../diagnostics';
import { SOURCE_GROUP, type Lint } from './lintTypes';
import { isSet, mapAt, pairOf, rangeOf, stringAt } from '../yaml/yamlNodes';
import { type FluxObject } from '../flux/fluxObject';
import { removePair } from '../yaml/yamlEdits';

export const verifyTrustedRoot: Lint = (obj) => {
  if (obj.group !== SOURCE_GROUP) return [];
  const verify = mapAt(obj.spec, 'verify');
  const pair = pairOf(verify, 'trustedRootSecretRef');
  if (!verify || !pair) return [];
  const range = rangeOf(obj.doc, pair.key);
  if (!range) return [];
  if (obj.kind === 'HelmChart' || obj.kind === 'GitRepository') {
    const edit = removePair(obj.doc, verify, pair);
    const why =
      obj.kind === 'HelmChart'
        ? 'To verify a chart against a self-hosted Sigstore, pull it with an OCIRepository (layerSelector for the chart layer, operation: copy) and point the HelmRelease at it with spec.chartRef.'
        : 'GitRepository verification checks PGP or SSH commit signatures with the keys in verify.secretRef; Sigstore trusted roots do not apply to Git.';
    return [
      {
        range,
        severity: Severity.Error,
        code: 'flux/verify-trusted-root-unsupported',
        message: `Only OCIRepository supports spec.verify.trustedRootSecretRef (Flux 2.9+); a ${obj.kind} has no such field and the API server rejects it. ${why}`,
        ...(edit ? { fixes: [{ title: 'Remove trustedRootSecretRef', edits: [edit] }] } : {}),
      },
    ];
  }
  if (obj.kind === 'OCIRepository' && stringAt(verify, 'provider') === 'notation') return [notationIgnores(obj, range)];
  return [];
};

function notationIgnores(obj: FluxObject, range: Diagnostic['range']): Diagnostic {
  const keyed = isSet(mapAt(obj.spec, 'verify'), 'secretRef');
  return {
    range,
    severity: Severity.Warning,
    code: 'flux/verify-trusted-root-unsupported',
    message:
      'trustedRootSecretRef is a Sigstore trusted root for cosign keyless verification; with provider: notation it is not used' +
      (keyed
        ? ' (notation trusts the CA certificates and trustpolicy.json in verify.secretRef).'
        : '. Notation trusts the CA certificates and trustpolicy.json of verify.secretRef.'),
  };
}
