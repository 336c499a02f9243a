/** Names cosign v3.0.6 writes into registries (cosign:pkg/types, pkg/oci/remote, pkg/oci/static). */

export const SignatureMediaType = {
  /** cosign matches referrer layers by this prefix. */
  bundlePrefix: 'application/vnd.dev.sigstore.bundle',
  bundleV03: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  simpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  inTotoPayload: 'application/vnd.in-toto+json',
  ociImageConfig: 'application/vnd.oci.image.config.v1+json',
} as const;

export const SignatureAnnotation = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  rekorBundle: 'dev.sigstore.cosign/bundle',
  bundleContent: 'dev.sigstore.bundle.content',
  bundlePredicateType: 'dev.sigstore.bundle.predicateType',
  created: 'org.opencontainers.image.created',
} as const;

/** The predicate cosign v3 puts in the in-toto statement of a plain `cosign sign`. */
export const cosignSignPredicateType = 'https://sigstore.dev/cosign/sign/v1';
export const inTotoStatementType = 'https://in-toto.io/Statement/v1';

/** `sha256:<hex>` → `sha256-<hex>.sig` */
export function legacySignatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}
