/**
 * How an operation reaches a registry: credentials (`--creds`, `--provider`,
 * docker config), TLS and plain-HTTP settings, timeouts and cancellation.
 * Shared by the CLI and the language server so both behave the same.
 */
import { RegistryClient } from '../registry/client';
import { CredentialChain, StaticCredentials, credentialFromFlag, type CredentialSource } from '../registry/auth/credential';
import { DockerConfigCredentials } from '../registry/auth/dockerConfig';
import { CloudProviderCredentials, providers, type Provider } from '../registry/auth/cloudProviders';
import { RegistryError } from '../registry/errors';
import type { RetryPolicy } from '../registry/retryPolicy';
import type { ProgressListener } from './progress';

export interface ConnectionOptions {
  /** `user:password`, or a registry token (no colon). */
  creds?: string;
  provider?: Provider;
  /** Allow plain HTTP to a registry that is not on loopback. */
  insecure?: boolean;
  /** Extra CA bundle (PEM) to trust. */
  caFile?: string;
  /** Use this docker config.json instead of the usual locations. */
  dockerConfig?: string;
  /**
   * Credentials held for the caller, tried before the docker config: in the editor, the log-ins
   * of "Log In to a Registry", so artifact commands use what live resolution uses.
   */
  session?: CredentialSource;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
  /** A request idle for this long is retried (default 60 s). */
  idleTimeoutMs?: number;
}

export function credentialSource(conn: ConnectionOptions): CredentialSource {
  const env = conn.env ?? process.env;
  const provider = conn.provider ?? 'generic';
  if (!providers.includes(provider)) {
    throw new RegistryError(`unknown provider "${String(provider)}"`, { code: 'credentials', action: `use one of ${providers.join(', ')}` });
  }
  if (provider !== 'generic') {
    if (conn.creds) throw new RegistryError('--creds and --provider cannot be used together', { code: 'credentials', action: 'pick one of them' });
    return new CloudProviderCredentials(provider, env);
  }
  if (conn.creds !== undefined) return new StaticCredentials(credentialFromFlag(conn.creds), '--creds');
  const docker = new DockerConfigCredentials(env, conn.dockerConfig);
  return conn.session ? new CredentialChain([conn.session, docker]) : docker;
}

export function openRegistry(registry: string, conn: ConnectionOptions, onProgress?: ProgressListener): RegistryClient {
  return new RegistryClient({
    registry,
    credentials: credentialSource(conn),
    ...(conn.insecure ? { insecure: true } : {}),
    ...(conn.caFile ? { caFile: conn.caFile } : {}),
    ...(conn.env ? { env: conn.env } : {}),
    ...(conn.signal ? { signal: conn.signal } : {}),
    ...(conn.retry ? { retry: conn.retry } : {}),
    ...(conn.idleTimeoutMs ? { idleTimeoutMs: conn.idleTimeoutMs } : {}),
    onRetry: ({ attempt, delayMs, reason }) =>
      onProgress?.({ phase: 'retry', message: `${registry}: ${reason}, retry ${attempt} in ${(delayMs / 1000).toFixed(1)}s` }),
  });
}

/** Runs `work` with a client and always closes its connections. */
export async function withRegistry<T>(registry: string, conn: ConnectionOptions, onProgress: ProgressListener | undefined, work: (client: RegistryClient) => Promise<T>): Promise<T> {
  const client = openRegistry(registry, conn, onProgress);
  try {
    return await work(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}
