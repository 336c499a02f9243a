/**
 * Credentials from docker's config.json (what `docker login`, `flux`, `oras`
 * and `crane` read): `credHelpers[host]`, then `auths[host]` (auth,
 * username/password, identitytoken), then `credsStore`. Podman's auth.json
 * (REGISTRY_AUTH_FILE or $XDG_RUNTIME_DIR/containers/auth.json) is read when
 * there is no docker config, as go-containerregistry does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import type { Credential, CredentialSource } from './credential';
import { credentialFromHelper } from './credentialHelper';
import { RegistryError } from '../errors';
import { dockerHubConfigKey, dockerHubRegistry, registryKey } from '../../registryHost';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Paths tried in order, first that exists wins. */
export function dockerConfigCandidates(env: NodeJS.ProcessEnv): string[] {
  const home = env['HOME'] || os.homedir();
  const out: string[] = [];
  if (env['DOCKER_CONFIG']) out.push(path.join(env['DOCKER_CONFIG'], 'config.json'));
  else out.push(path.join(home, '.docker', 'config.json'));
  if (env['REGISTRY_AUTH_FILE']) out.push(env['REGISTRY_AUTH_FILE']);
  if (env['XDG_RUNTIME_DIR']) out.push(path.join(env['XDG_RUNTIME_DIR'], 'containers', 'auth.json'));
  return out;
}

/** The entry for `registry`: its exact key first, else any key that names the same registry. */
function findEntry<T>(map: Record<string, T> | undefined, registry: string): T | undefined {
  if (!map) return undefined;
  if (Object.hasOwn(map, registry)) return map[registry];
  const wanted = registryKey(registry);
  for (const [key, value] of Object.entries(map)) if (registryKey(key) === wanted) return value;
  return undefined;
}

function fromAuthEntry(entry: AuthEntry, file: string, registry: string): Credential | undefined {
  if (entry.identitytoken) {
    return { kind: 'identity-token', username: entry.username ?? '<token>', token: entry.identitytoken };
  }
  if (entry.registrytoken) return { kind: 'registry-token', token: entry.registrytoken };
  if (entry.username !== undefined && entry.password !== undefined) {
    return { kind: 'basic', username: entry.username, password: entry.password };
  }
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const idx = decoded.indexOf(':');
    if (idx < 0) {
      throw new RegistryError(`the "auth" entry for ${registry} in ${file} is not base64 of user:password`, {
        code: 'credentials',
        action: 'run docker login again or fix the file',
      });
    }
    return { kind: 'basic', username: decoded.slice(0, idx), password: decoded.slice(idx + 1) };
  }
  return undefined;
}

export class DockerConfigCredentials implements CredentialSource {
  readonly description: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly file: string | undefined;
  private readonly config: DockerConfigFile | undefined;

  /** `configPath` overrides the usual locations (for --docker-config). */
  constructor(env: NodeJS.ProcessEnv, configPath?: string) {
    this.env = env;
    const candidates = configPath ? [configPath] : dockerConfigCandidates(env);
    for (const candidate of candidates) {
      let text: string;
      try {
        text = readFileSync(candidate, 'utf8');
      } catch {
        continue;
      }
      try {
        this.config = JSON.parse(text) as DockerConfigFile;
      } catch {
        throw new RegistryError(`${candidate} is not valid JSON`, { code: 'credentials', action: 'fix or remove the file, or pass --creds' });
      }
      this.file = candidate;
      break;
    }
    this.description = this.file ? `docker config ${this.file}` : 'docker config (none found)';
  }

  async resolve(registry: string, signal?: AbortSignal): Promise<Credential | undefined> {
    const config = this.config;
    if (!config || !this.file) return undefined;
    const serverUrl = registryKey(registry) === dockerHubRegistry ? dockerHubConfigKey : registry;
    const helperOptions = { env: this.env, ...(signal ? { signal } : {}) };
    const helper = findEntry(config.credHelpers, registry);
    if (helper) return credentialFromHelper(helper, serverUrl, helperOptions);
    const entry = findEntry(config.auths, registry);
    const fromFile = entry ? fromAuthEntry(entry, this.file, registry) : undefined;
    if (fromFile) return fromFile;
    if (config.credsStore) return credentialFromHelper(config.credsStore, serverUrl, helperOptions);
    return undefined;
  }
}
