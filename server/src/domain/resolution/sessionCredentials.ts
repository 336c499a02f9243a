/**
 * Registry credentials the editor hands to the server (kept by VS Code in its
 * SecretStorage). They live in this process's memory only: never written to
 * disk, never logged, never put into a message; `description` names where
 * they came from, not what they are.
 */
import type { Credential, CredentialSource } from '../oci/registry/auth/credential';
import { registryKey } from '../oci/registryHost';

/** One entry as the client sends it in `flux-oci/registryCredentials`. */
export interface ClientRegistryCredential {
  registry: string;
  username?: string;
  password?: string;
  token?: string;
}

export class SessionCredentials implements CredentialSource {
  readonly description = 'credentials stored in the editor';
  private byRegistry = new Map<string, Credential>();

  /** Replaces every entry; answers how many usable entries were taken. */
  replace(entries: unknown): number {
    const next = new Map<string, Credential>();
    for (const raw of Array.isArray(entries) ? entries : []) {
      const e = raw as Partial<ClientRegistryCredential> | null;
      if (!e || typeof e.registry !== 'string' || e.registry.trim() === '') continue;
      const host = registryKey(e.registry);
      if (typeof e.token === 'string' && e.token !== '') {
        next.set(
          host,
          typeof e.username === 'string' && e.username !== ''
            ? { kind: 'basic', username: e.username, password: e.token }
            : { kind: 'registry-token', token: e.token },
        );
      } else if (typeof e.username === 'string' && typeof e.password === 'string') {
        next.set(host, { kind: 'basic', username: e.username, password: e.password });
      }
    }
    this.byRegistry = next;
    return next.size;
  }

  get registries(): string[] {
    return [...this.byRegistry.keys()];
  }

  async resolve(registry: string): Promise<Credential | undefined> {
    return this.byRegistry.get(registryKey(registry));
  }
}
