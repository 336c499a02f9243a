/** What a credential source can hand to the authenticator. */
export type Credential =
  | { kind: 'anonymous' }
  /** user + password (or a cloud token used as a password). */
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token from `docker login` (docker config `identitytoken`). */
  | { kind: 'identity-token'; username: string; token: string }
  /** A bearer token to send to the registry as it is (`--creds <token>` without a colon). */
  | { kind: 'registry-token'; token: string };

export interface CredentialSource {
  /** A short description for messages, e.g. "--creds" or "docker config /home/u/.docker/config.json". */
  readonly description: string;
  /** The credential for a registry host, or undefined when this source has none. */
  resolve(registry: string, signal?: AbortSignal): Promise<Credential | undefined>;
}

/** `--creds user:password`; a value without ':' is a registry token, as in flux. */
export function credentialFromFlag(value: string): Credential {
  const idx = value.indexOf(':');
  if (idx < 0) return { kind: 'registry-token', token: value };
  return { kind: 'basic', username: value.slice(0, idx), password: value.slice(idx + 1) };
}

export class StaticCredentials implements CredentialSource {
  readonly description: string;
  private readonly credential: Credential;
  constructor(credential: Credential, description: string) {
    this.credential = credential;
    this.description = description;
  }
  async resolve(): Promise<Credential> {
    return this.credential;
  }
}

/** Tries sources in order; the first that knows the registry wins. */
export class CredentialChain implements CredentialSource {
  readonly description: string;
  private readonly sources: CredentialSource[];
  constructor(sources: CredentialSource[]) {
    this.sources = sources;
    this.description = sources.map((s) => s.description).join(', ') || 'anonymous';
  }
  async resolve(registry: string, signal?: AbortSignal): Promise<Credential | undefined> {
    for (const s of this.sources) {
      const c = await s.resolve(registry, signal);
      if (c) return c;
    }
    return undefined;
  }
}
