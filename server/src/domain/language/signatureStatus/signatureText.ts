/**
 * How a signature check reads in the editor: a hover section under the
 * resolution and diagnostics on the `verify` key. Only a check that ran and
 * failed is a warning (Flux would refuse the digest); missing keys, an
 * unreachable registry or a format note are information.
 * Codes: signature/not-verified, signature/bundle-needs-flux-2.8,
 * signature/keys-unavailable, signature/unchecked.
 */
import { Severity, type Diagnostic } from '../../diagnostics';
import type { SignatureFormat, VerificationResult } from '../../signatures/types';
import { short } from '../../resolution/resolveOciSource';
import type { SignatureStatus } from './signatureVerifications';
import type { VerifySpec } from './verifySpec';

/** What the editor knows about the signature right now. */
export type SignatureView =
  | SignatureStatus
  | { state: 'offline' }
  /** The artifact is not resolved (yet): there is no digest to check. */
  | { state: 'unresolved' }
  | { state: 'checking' }
  | { state: 'unsupported'; message: string };

const formatNames: Record<SignatureFormat, string> = {
  'cosign-bundle': 'v3 Sigstore bundle',
  'cosign-legacy': 'legacy .sig signature',
  'notation-jws': 'Notary Project JWS signature',
  'notation-cose': 'Notary Project COSE signature',
};

/** Only v3 bundles sign it: source-controller before Flux 2.8 finds no signature. */
export function onlyBundles(result: VerificationResult): boolean {
  return result.formatsFound.length > 0 && result.formatsFound.every((f) => f === 'cosign-bundle');
}

const bundleNote =
  'Only cosign v3 Sigstore bundles sign this artifact: Flux verifies them from v2.8 on, older source-controllers find no signature and refuse to deploy it. ' +
  'Upgrade Flux to 2.8 or newer, or also sign in the legacy format (cosign sign --new-bundle-format=false, or flux-oci sign artifact --new-bundle-format=false).';

export function signatureHover(view: SignatureView): string {
  const head = '**Signature** (`spec.verify`)';
  switch (view.state) {
    case 'offline':
      return `${head}: _not checked, registry lookups are off (\`flux-oci.registry.offline\`)._`;
    case 'unresolved':
      return `${head}: _checked once the artifact resolves._`;
    case 'checking':
      return `${head}: _checking…_ (hover again in a moment)`;
    case 'unsupported':
      return `${head}: ℹ️ ${escape(view.message)}`;
    case 'keys-unavailable':
      return `${head}: ℹ️ no keys found: ${escape(view.message)}`;
    case 'unchecked':
      return `${head}: ℹ️ could not be checked: ${escape(view.message)}`;
    case 'verified': {
      const r = view.result;
      const who =
        r.signer.keyName !== undefined
          ? `with key \`${tick(r.signer.keyName)}\``
          : `signed by \`${tick(r.signer.subject ?? '?')}\` (issuer \`${tick(r.signer.issuer ?? '?')}\`)`;
      const policy = r.signer.trustPolicy ? `, trust policy \`${tick(r.signer.trustPolicy)}\`` : '';
      const lines = [`${head}: ✔ verified ${who} (${formatNames[r.format]}${policy}), trusting ${escape(view.keySource)}`];
      for (const l of r.logged ?? []) lines.push('', `ℹ️ logged by the trust policy, not enforced: ${escape(l)}`);
      if (onlyBundles(r)) lines.push('', `⚠️ ${bundleNote}`);
      return lines.join('\n');
    }
    case 'not-verified':
      if (view.result.fluxIgnores) {
        return [
          `${head}: ⚠️ not verified: ${escape(view.result.reason)}`,
          '',
          `Flux would deploy \`${short(view.result.digest)}…\` without marking it verified (trust: ${escape(view.keySource)}).`,
        ].join('\n');
      }
      return [
        `${head}: ✗ not verified: ${escape(view.result.reason)}`,
        '',
        `Flux would refuse to deploy \`${short(view.result.digest)}…\` (keys: ${escape(view.keySource)}).`,
      ].join('\n');
  }
}

/** Diagnostics in the document's coordinates, on the `verify` key. */
export function signatureDiagnostics(verify: VerifySpec, view: SignatureView): Diagnostic[] {
  const range = verify.keyRange;
  switch (view.state) {
    case 'not-verified':
      if (view.result.fluxIgnores) {
        return [
          {
            range,
            severity: Severity.Warning,
            code: 'signature/not-verified',
            message: `Flux will deploy ${short(view.result.digest)}… without marking it verified (SourceVerified stays unset; trust: ${view.keySource}): ${view.result.reason}`,
          },
        ];
      }
      return [
        {
          range,
          severity: Severity.Warning,
          code: 'signature/not-verified',
          message: `Flux will refuse to deploy ${short(view.result.digest)}…: its signature does not satisfy spec.verify (keys: ${view.keySource}): ${view.result.reason}`,
        },
      ];
    case 'verified':
      return onlyBundles(view.result) ? [{ range, severity: Severity.Information, code: 'signature/bundle-needs-flux-2.8', message: bundleNote }] : [];
    case 'keys-unavailable':
      return [{ range, severity: Severity.Information, code: 'signature/keys-unavailable', message: `Signature not checked, no keys found: ${view.message}` }];
    case 'unchecked':
      return [{ range, severity: Severity.Information, code: 'signature/unchecked', message: `Signature not checked: ${view.message}` }];
    default:
      return [];
  }
}

function tick(s: string): string {
  return s.replaceAll('`', '');
}

function escape(s: string): string {
  return s.replace(/([\\`*_{}[\]<>|])/g, '\\$1');
}
