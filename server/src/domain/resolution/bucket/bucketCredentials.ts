/**
 * Credentials for listing a Bucket, taken the way source-controller takes them
 * (internal/bucket/minio NewClient) where the editor can see them:
 *   1. the `spec.secretRef` Secret when its manifest is in the workspace: `accesskey` and
 *      `secretkey` (`data` base64, `stringData` plain and winning); both keys must exist
 *      (minio.ValidateSecret) and, when one is empty, the controller goes anonymous;
 *   2. else (the Secret is not in the workspace, or encrypted with SOPS, or provider aws
 *      without secretRef) the standard AWS environment (AWS_ACCESS_KEY_ID,
 *      AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and shared files (~/.aws/credentials,
 *      ~/.aws/config, AWS_PROFILE): static keys only, because SSO, assume-role and instance
 *      metadata would send requests that bypass the editor's network gate;
 *   3. provider generic without secretRef: anonymous, as the controller does.
 * Values never reach a log or a message: `from` says only where they came from.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { isMap, isScalar, type YAMLMap } from 'yaml';
import type { ParsedDocument } from '../../yaml/parsedDocument';
import { mapAt } from '../../yaml/yamlNodes';
import { isTemplated } from '../../flux/fluxObject';
import type { BucketSpec } from './bucketSpec';

export interface StaticKeys {
  accessKey: string;
  secretKey: string;
  sessionToken?: string;
}

export type BucketCredentials =
  | { kind: 'static'; keys: StaticKeys; from: string }
  | { kind: 'anonymous'; from: string }
  /** Nothing to sign with, or a Secret the controller would refuse: listing is not tried. */
  | { kind: 'missing'; problem: string };

export interface SecretLookup {
  /** The Secret manifest `name` in `namespace`, when the workspace has it. */
  findSecret(name: string, namespace: string): { doc: ParsedDocument; where: string } | undefined;
}

const base64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

type SecretRead = { ok: true; values: Record<string, string> } | { ok: false; problem: string };

/** `accesskey`/`secretkey` of a Secret manifest, or why they cannot be read here. */
export function readBucketSecret(doc: ParsedDocument): SecretRead {
  return readSecretValues(doc, ['accesskey', 'secretkey']);
}

/** The named entries of a Secret manifest (`data` base64, `stringData` plain and winning), or why they cannot be read here. */
function readSecretValues(doc: ParsedDocument, wanted: readonly string[]): SecretRead {
  const root = doc.root;
  if (!root || !isMap(root)) return { ok: false, problem: 'it is not a mapping' };
  if ((root as YAMLMap).has('sops')) return { ok: false, problem: 'it is encrypted with SOPS' };
  const values: Record<string, string> = {};
  for (const section of ['data', 'stringData'] as const) {
    for (const p of mapAt(root as YAMLMap, section)?.items ?? []) {
      if (!isScalar(p.key) || typeof p.key.value !== 'string') continue;
      const name = p.key.value;
      if (!wanted.includes(name)) continue;
      const raw = isScalar(p.value) && p.value.value !== null && p.value.value !== undefined ? String(p.value.value) : '';
      if (raw.startsWith('ENC[') || isTemplated(raw)) return { ok: false, problem: `its ${name} is encrypted or templated` };
      values[name] = section === 'data' && base64.test(raw) ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    }
  }
  return { ok: true, values };
}

export interface AwsEnvironment {
  env: NodeJS.ProcessEnv;
  /** Home folder for ~/.aws (default: os.homedir()). */
  home?: string;
}

/** Static AWS keys from the environment or the shared credentials/config files, with where they came from. */
export function awsStaticCredentials(aws: AwsEnvironment): { keys: StaticKeys; from: string } | undefined {
  const env = aws.env;
  const id = env['AWS_ACCESS_KEY_ID'];
  const secret = env['AWS_SECRET_ACCESS_KEY'];
  if (id && secret) {
    return {
      keys: { accessKey: id, secretKey: secret, ...(env['AWS_SESSION_TOKEN'] ? { sessionToken: env['AWS_SESSION_TOKEN'] } : {}) },
      from: 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
    };
  }
  const home = aws.home ?? homedir();
  const profile = env['AWS_PROFILE'] || env['AWS_DEFAULT_PROFILE'] || 'default';
  const credentialsFile = env['AWS_SHARED_CREDENTIALS_FILE'] || path.join(home, '.aws', 'credentials');
  const configFile = env['AWS_CONFIG_FILE'] || path.join(home, '.aws', 'config');
  const fromCredentials = iniSection(credentialsFile, profile);
  const fromConfig = iniSection(configFile, profile === 'default' ? 'default' : `profile ${profile}`);
  for (const [section, file] of [
    [fromCredentials, credentialsFile],
    [fromConfig, configFile],
  ] as const) {
    const a = section?.['aws_access_key_id'];
    const s = section?.['aws_secret_access_key'];
    if (a && s) {
      const token = section['aws_session_token'];
      return { keys: { accessKey: a, secretKey: s, ...(token ? { sessionToken: token } : {}) }, from: `profile '${profile}' of ${file.replace(home, '~')}` };
    }
  }
  return undefined;
}

/** One section of an AWS shared config/credentials file (INI: `[name]`, `key = value`, `#`/`;` comments). */
function iniSection(file: string, name: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let current: string | undefined;
  let out: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = header[1];
      if (current === name) out ??= {};
      continue;
    }
    if (current !== name || !out) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Decides the credentials for `spec` (see the file comment for the order). */
export function bucketCredentials(spec: BucketSpec, secrets: SecretLookup | undefined, aws: AwsEnvironment): BucketCredentials {
  if (spec.provider === 'gcp' || spec.provider === 'azure') {
    return { kind: 'missing', problem: `provider ${spec.provider} is not previewed (flux-oci lists S3-compatible stores: provider generic and aws)` };
  }
  if (spec.sts) return { kind: 'missing', problem: 'spec.sts credentials come from an STS exchange in the cluster, which the editor does not perform' };
  let notHere: string | undefined;
  if (spec.secretRef) {
    const found = secrets?.findSecret(spec.secretRef, spec.namespace);
    if (found) {
      const read = readBucketSecret(found.doc);
      if (read.ok) {
        const { accesskey, secretkey } = read.values;
        if (accesskey === undefined || secretkey === undefined) {
          return {
            kind: 'missing',
            problem: `Secret '${spec.secretRef}' (${found.where}) lacks ${accesskey === undefined ? 'accesskey' : 'secretkey'}: source-controller refuses it ("required fields 'accesskey' and 'secretkey'")`,
          };
        }
        if (accesskey === '' || secretkey === '')
          return { kind: 'anonymous', from: `Secret '${spec.secretRef}' (${found.where}) has an empty key, so source-controller lists anonymously` };
        return { kind: 'static', keys: { accessKey: accesskey, secretKey: secretkey }, from: `Secret '${spec.secretRef}' (${found.where})` };
      }
      notHere = `Secret '${spec.secretRef}' (${found.where}) cannot be read here: ${read.problem}`;
    } else {
      notHere = `Secret '${spec.secretRef}' is not in the workspace`;
    }
  } else if (spec.provider === 'generic') {
    return { kind: 'anonymous', from: 'no spec.secretRef: source-controller lists anonymously' };
  }
  const local = awsStaticCredentials(aws);
  if (local) return { kind: 'static', keys: local.keys, from: notHere ? `${notHere}; using ${local.from}` : local.from };
  const why = notHere ?? "provider aws without spec.secretRef uses the cluster's AWS identity";
  return { kind: 'missing', problem: `${why}, and no AWS credentials are set here (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials)` };
}

export interface BucketTls {
  ca?: string;
  cert?: string;
  key?: string;
  from: string;
}

/**
 * The TLS material of `spec.certSecretRef` (source-controller's TLSConfigFromSecretRef keys:
 * `ca.crt`, added to the system roots, and `tls.crt`/`tls.key` for a client certificate).
 * Undefined without certSecretRef; a problem when the Secret cannot be read here (the listing
 * would then fail on an untrusted certificate, so it is said first).
 */
export function bucketTls(spec: BucketSpec, secrets: SecretLookup | undefined): BucketTls | { problem: string } | undefined {
  if (!spec.certSecretRef || spec.insecure) return undefined;
  const found = secrets?.findSecret(spec.certSecretRef, spec.namespace);
  if (!found)
    return { problem: `the certSecretRef Secret '${spec.certSecretRef}' is not in the workspace, so the store's certificate cannot be checked against its CA` };
  const read = readSecretValues(found.doc, ['ca.crt', 'tls.crt', 'tls.key']);
  if (!read.ok) return { problem: `the certSecretRef Secret '${spec.certSecretRef}' (${found.where}) cannot be read here: ${read.problem}` };
  const v = read.values;
  if (!v['ca.crt'] && !(v['tls.crt'] && v['tls.key']))
    return { problem: `the certSecretRef Secret '${spec.certSecretRef}' (${found.where}) has neither ca.crt nor tls.crt with tls.key` };
  return {
    ...(v['ca.crt'] ? { ca: v['ca.crt'] } : {}),
    ...(v['tls.crt'] && v['tls.key'] ? { cert: v['tls.crt'], key: v['tls.key'] } : {}),
    from: `Secret '${spec.certSecretRef}' (${found.where})`,
  };
}
