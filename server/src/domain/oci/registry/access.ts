/**
 * The one way to reach a registry with credentials: `--creds`, the editor's log-ins,
 * the docker config and cloud provider logins, TLS and plain-HTTP settings, timeouts
 * and cancellation. The CLI's operations, the editor's artifact commands, signature
 * checks and live resolution all build their clients here, so they behave the same.
 */
import { RegistryClient } from './client';
import { CredentialChain, StaticCredentials, credentialFromFlag, type Credential, type CredentialSource } from './auth/credential';
import { DockerConfigCredentials } from './auth/dockerConfig';
import { CloudProviderCredentials, providers, type Provider } from './auth/cloudProviders';
import { RegistryError } from './errors';
import type { RetryPolicy } from './retryPolicy';

/** What a retry looks like to someone waiting: e.g. a progress line. */
export type RetryListener = (message: string) => void;

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
  userAgent?: string;
  /**
   * With a cloud `provider`: static credentials (the editor's log-ins, the docker config) first and
   * the provider's login only when they have none, as source-controller does with `spec.provider`
   * beside a secret. Without it the provider's login is the only one, as `flux push --provider` does.
   */
  providerAfterStatic?: boolean;
}

export function credentialSource(conn: ConnectionOptions): CredentialSource {
  const env = conn.env ?? process.env;
  const provider = conn.provider ?? 'generic';
  if (!providers.includes(provider)) {
    throw new RegistryError(`unknown provider "${String(provider)}"`, { code: 'credentials', action: `use one of ${providers.join(', ')}` });
  }
  if (conn.creds !== undefined) {
    if (provider !== 'generic') throw new RegistryError('--creds and --provider cannot be used together', { code: 'credentials', action: 'pick one of them' });
    return new StaticCredentials(credentialFromFlag(conn.creds), '--creds');
  }
  const cloud = provider !== 'generic' ? new CloudProviderCredentials(provider, env) : undefined;
  if (cloud && !conn.providerAfterStatic) return cloud;
  const sources: CredentialSource[] = [];
  if (conn.session) sources.push(conn.session);
  sources.push(new LazyDockerConfig(env, conn.dockerConfig));
  if (cloud) sources.push(cloud);
  return sources.length === 1 ? sources[0]! : new CredentialChain(sources);
}

/** The docker config read when first needed, so a broken config.json fails that lookup, not the caller's setup. */
class LazyDockerConfig implements CredentialSource {
  private inner: DockerConfigCredentials | undefined;
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly configPath: string | undefined,
  ) {}
  get description(): string {
    return this.inner?.description ?? 'docker config';
  }
  resolve(registry: string, signal?: AbortSignal): Promise<Credential | undefined> {
    this.inner ??= new DockerConfigCredentials(this.env, this.configPath);
    return this.inner.resolve(registry, signal);
  }
}

export function openRegistry(registry: string, conn: ConnectionOptions, onRetry?: RetryListener): RegistryClient {
  return new RegistryClient({
    registry,
    credentials: credentialSource(conn),
    ...(conn.insecure ? { insecure: true } : {}),
    ...(conn.caFile ? { caFile: conn.caFile } : {}),
    ...(conn.env ? { env: conn.env } : {}),
    ...(conn.signal ? { signal: conn.signal } : {}),
    ...(conn.retry ? { retry: conn.retry } : {}),
    ...(conn.idleTimeoutMs ? { idleTimeoutMs: conn.idleTimeoutMs } : {}),
    ...(conn.userAgent ? { userAgent: conn.userAgent } : {}),
    onRetry: ({ attempt, delayMs, reason }) => onRetry?.(`${registry}: ${reason}, retry ${attempt} in ${(delayMs / 1000).toFixed(1)}s`),
  });
}

/** Runs `work` with a client and always closes its connections. */
export async function withRegistry<T>(
  registry: string,
  conn: ConnectionOptions,
  onRetry: RetryListener | undefined,
  work: (client: RegistryClient) => Promise<T>,
): Promise<T> {
  const client = openRegistry(registry, conn, onRetry);
  try {
    return await work(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}
