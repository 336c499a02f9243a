/**
 * `--provider aws|azure|gcp`: logs in through the cloud's own CLI, which
 * already knows the user's ambient credentials (profiles, SSO, workload
 * identity). The registry host must belong to the provider, as in Flux.
 */
import type { Credential, CredentialSource } from './credential';
import { ProgramNotFound, runProgram, safeStderr } from './runProgram';
import { RegistryError } from '../errors';
import { registryHostName } from '../../registryHost';

export type CloudProvider = 'aws' | 'azure' | 'gcp';
export type Provider = 'generic' | CloudProvider;
export const providers: readonly Provider[] = ['generic', 'aws', 'azure', 'gcp'];

const awsPrivate =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/;
const azureHost = /^[a-z0-9]+\.azurecr\.(?:io|cn|de|us)$/;
const gcpHost = /(?:^|\.)gcr\.io$|-docker\.pkg\.dev$|^docker\.s3nsregistry\.fr$/;

interface ProviderLogin {
  program: string;
  args: string[];
  username: string;
  install: string;
}

/** Which CLI to run for a registry, or a clear error if the host does not belong to the provider. */
export function providerLogin(provider: CloudProvider, registry: string): ProviderLogin {
  const host = registryHostName(registry);
  if (provider === 'aws') {
    if (host === 'public.ecr.aws') {
      return { program: 'aws', args: ['ecr-public', 'get-login-password', '--region', 'us-east-1'], username: 'AWS', install: 'the AWS CLI (aws)' };
    }
    const m = awsPrivate.exec(host);
    if (!m)
      throw new RegistryError(`invalid AWS registry: ${registry}`, {
        code: 'credentials',
        action: 'use an <account>.dkr.ecr.<region>.amazonaws.com host or --provider generic',
      });
    return { program: 'aws', args: ['ecr', 'get-login-password', '--region', m[2]!], username: 'AWS', install: 'the AWS CLI (aws)' };
  }
  if (provider === 'azure') {
    if (!azureHost.test(host))
      throw new RegistryError(`invalid Azure registry: ${registry}`, { code: 'credentials', action: 'use a <name>.azurecr.io host or --provider generic' });
    return {
      program: 'az',
      args: ['acr', 'login', '--name', host.split('.')[0]!, '--expose-token', '--output', 'tsv', '--query', 'accessToken'],
      username: '00000000-0000-0000-0000-000000000000',
      install: 'the Azure CLI (az)',
    };
  }
  if (!gcpHost.test(host))
    throw new RegistryError(`invalid GCP registry: ${registry}`, {
      code: 'credentials',
      action: 'use a *.gcr.io or *-docker.pkg.dev host or --provider generic',
    });
  return { program: 'gcloud', args: ['auth', 'print-access-token'], username: 'oauth2accesstoken', install: 'the Google Cloud CLI (gcloud)' };
}

export class CloudProviderCredentials implements CredentialSource {
  readonly description: string;
  private readonly provider: CloudProvider;
  private readonly env: NodeJS.ProcessEnv;

  constructor(provider: CloudProvider, env: NodeJS.ProcessEnv) {
    this.provider = provider;
    this.env = env;
    this.description = `--provider ${provider}`;
  }

  async resolve(registry: string, signal?: AbortSignal): Promise<Credential> {
    const login = providerLogin(this.provider, registry);
    let result;
    try {
      result = await runProgram(login.program, login.args, { env: this.env, timeoutMs: 60_000, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (err instanceof ProgramNotFound) {
        throw new RegistryError(`--provider ${this.provider} needs ${login.install}, which is not installed`, {
          code: 'credentials',
          action: `install ${login.install} and log in, or use --creds`,
        });
      }
      throw err;
    }
    const token = result.stdout.trim();
    if (result.exitCode !== 0 || !token) {
      throw new RegistryError(`${login.program} could not get a token for ${registry}: ${safeStderr(result.stderr) || `exit ${result.exitCode}`}`, {
        code: 'credentials',
        action: `log in with ${login.program} first, or use --creds`,
      });
    }
    return { kind: 'basic', username: login.username, password: token };
  }
}
