/**
 * Entry points for the CLI and the language server: take an `oci://` URL,
 * resolve a tag to the digest Flux would verify (the top-level manifest), and
 * verify or sign it over one registry connection.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArtifactUrl, referenceSelector } from '../reference';
import { RegistryError } from '../registry/errors';
import type { RegistryClient } from '../registry/client';
import { withRegistry, type ConnectionOptions } from '../registry/access';
import { retryReporter, type ProgressListener } from './progress';
import { verifySignatures, type VerifySignaturesOptions } from '../../signatures/verifyArtifact';
import { loadCosignPrivateKey } from '../../signatures/cosignPrivateKey';
import { signWithClient, type SignFormat, type SignResult } from '../../signatures/signArtifact';
import { SignatureError, type VerificationPolicy, type VerificationResult } from '../../signatures/types';
import { loadNotationSigner, signNotation, type NotationEnvelope, type NotationSignResult } from '../../signatures/notation/signNotation';

export async function resolveDigest(client: RegistryClient, repository: string, reference: string): Promise<string> {
  if (reference.startsWith('sha256:')) return reference;
  const head = await client.headManifest(repository, reference);
  if (!head) {
    throw new RegistryError(`artifact ${client.registry}/${repository}:${reference} not found`, {
      code: 'not-found',
      action: 'check the repository and tag (flux-oci list artifacts shows the tags)',
    });
  }
  return head.digest;
}

export interface VerifyArtifactOptions extends VerifySignaturesOptions {
  url: string;
  policy: VerificationPolicy;
  connection: ConnectionOptions;
  onProgress?: ProgressListener;
}

/** Never throws for a verification problem: the result says `not-verified` and why. Bad URLs still throw. */
export async function verifyArtifact(opts: VerifyArtifactOptions): Promise<VerificationResult> {
  const ref = parseArtifactUrl(opts.url);
  return withRegistry(ref.registry, opts.connection, retryReporter(opts.onProgress), async (client) => {
    let digest: string;
    try {
      digest = await resolveDigest(client, ref.repository, referenceSelector(ref));
    } catch (err) {
      return {
        outcome: 'not-verified',
        reference: `${ref.registry}/${ref.repository}:${referenceSelector(ref)}`,
        digest: '',
        reason: (err as Error).message,
        formatsFound: [],
      };
    }
    opts.onProgress?.({ phase: 'resolve', message: `verifying ${ref.registry}/${ref.repository}@${digest}` });
    return verifySignatures(client, ref, digest, opts.policy, opts);
  });
}

export interface SignArtifactOptions {
  url: string;
  /** Path of the cosign private key (`cosign.key`). */
  keyFile: string;
  /** Its password (cosign reads COSIGN_PASSWORD). */
  password: string;
  format: SignFormat;
  cwd: string;
  connection: ConnectionOptions;
  onProgress?: ProgressListener;
}

export async function signArtifact(opts: SignArtifactOptions): Promise<SignResult> {
  const ref = parseArtifactUrl(opts.url);
  const keyPath = path.resolve(opts.cwd, opts.keyFile);
  const text = await readFile(keyPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new SignatureError(`cannot read the private key ${opts.keyFile} (${err.code ?? err.message})`);
  });
  const key = await loadCosignPrivateKey(text, opts.password, opts.keyFile);
  return withRegistry(ref.registry, opts.connection, retryReporter(opts.onProgress), async (client) => {
    const digest = await resolveDigest(client, ref.repository, referenceSelector(ref));
    opts.onProgress?.({
      phase: 'upload',
      message: `signing ${ref.registry}/${ref.repository}@${digest} (${opts.format === 'bundle' ? 'Sigstore bundle, OCI referrer' : 'legacy .sig tag'})`,
    });
    return signWithClient(client, ref, digest, key, opts.format);
  });
}

export interface SignArtifactNotationOptions {
  url: string;
  /** PEM private key of the signing certificate (unencrypted). */
  keyFile: string;
  /** PEM chain: the signing certificate, its CAs, the root last. */
  chainFile: string;
  envelope: NotationEnvelope;
  /** Signature expiry after the signing time (notation sign --expiry). */
  expirySeconds?: number;
  /** RFC 3161 countersignature: the TSA's URL and its root certificate file (notation's --timestamp-url, --timestamp-root-cert). */
  timestampUrl?: string;
  timestampRootCertFile?: string;
  cwd: string;
  connection: ConnectionOptions;
  onProgress?: ProgressListener;
}

/** Signs with a Notary Project signature (notation sign), which Flux's provider: notation verifies. */
export async function signArtifactNotation(opts: SignArtifactNotationOptions): Promise<NotationSignResult> {
  const ref = parseArtifactUrl(opts.url);
  const read = (file: string, what: string) =>
    readFile(path.resolve(opts.cwd, file), 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new SignatureError(`cannot read the ${what} ${file} (${err.code ?? err.message})`);
    });
  const signer = loadNotationSigner(await read(opts.keyFile, 'private key'), await read(opts.chainFile, 'certificate chain'), opts.keyFile, opts.chainFile);
  let timestamp: { url: string; roots: X509Certificate[] } | undefined;
  if (opts.timestampUrl !== undefined) {
    if (opts.timestampRootCertFile === undefined)
      throw new SignatureError('a timestamping authority needs its root certificate (--timestamp-root-cert) to check what it returns');
    const pem = await read(opts.timestampRootCertFile, 'TSA root certificate');
    const roots = (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
    if (roots.length === 0) throw new SignatureError(`${opts.timestampRootCertFile} holds no PEM certificate`);
    timestamp = { url: opts.timestampUrl, roots };
  }
  return withRegistry(ref.registry, opts.connection, retryReporter(opts.onProgress), async (client) => {
    const digest = await resolveDigest(client, ref.repository, referenceSelector(ref));
    opts.onProgress?.({
      phase: 'upload',
      message: `signing ${ref.registry}/${ref.repository}@${digest} (Notary Project ${opts.envelope.toUpperCase()} signature, OCI referrer)`,
    });
    return signNotation(client, ref, digest, signer, opts.envelope, {
      ...(opts.expirySeconds !== undefined ? { expirySeconds: opts.expirySeconds } : {}),
      ...(timestamp ? { timestamp } : {}),
    });
  });
}
