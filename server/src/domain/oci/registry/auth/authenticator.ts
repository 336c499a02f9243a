/**
 * Answers registry challenges: Basic with the user's credential, or the
 * distribution token flow (GET realm?service&scope with Basic, or POST with
 * an identity/refresh token), caching each token per scope set until it expires.
 */
import type { Challenge } from './challenge';
import { mergeScopes, parseChallenge } from './challenge';
import type { Credential, CredentialSource } from './credential';
import { RegistryError, parseErrorBody } from '../errors';
import type { RegistryTransport } from '../transport';

interface CachedToken {
  header: string;
  expiresAt: number;
}

interface TokenResponse {
  token?: string;
  access_token?: string;
  expires_in?: number;
}

export class Authenticator {
  private readonly registry: string;
  private readonly source: CredentialSource;
  private readonly transport: RegistryTransport;
  private credential: Promise<Credential | undefined> | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  /** A header valid for every scope: Basic, or a registry token given by the user. */
  private basicHeader: string | undefined;
  private bearerChallenge: Challenge | undefined;

  constructor(registry: string, source: CredentialSource, transport: RegistryTransport) {
    this.registry = registry;
    this.source = source;
    this.transport = transport;
  }

  /** Where credentials come from, for messages (never the credential itself). */
  get sourceDescription(): string {
    return this.source.description;
  }

  private resolveCredential(): Promise<Credential | undefined> {
    this.credential ??= this.source.resolve(this.registry, this.transport.signal);
    return this.credential;
  }

  async hasCredential(): Promise<boolean> {
    const c = await this.resolveCredential();
    return c !== undefined && c.kind !== 'anonymous';
  }

  /**
   * The Authorization header to send before any challenge, when we already
   * know how this registry authenticates; fetches a token for new scopes.
   */
  async headerFor(scopes: string[]): Promise<string | undefined> {
    if (this.basicHeader) return this.basicHeader;
    const key = mergeScopes(scopes).join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.header;
    if (this.bearerChallenge) return this.fetchToken(this.bearerChallenge, scopes);
    return undefined;
  }

  /** Handles a 401's `WWW-Authenticate`; returns the header to retry with. */
  async answer(wwwAuthenticate: string | undefined, scopes: string[]): Promise<string> {
    const challenge = parseChallenge(wwwAuthenticate);
    const credential = await this.resolveCredential();
    if (challenge?.scheme === 'basic') {
      if (!credential || credential.kind === 'anonymous') throw this.needCredentials();
      if (credential.kind !== 'basic') {
        throw new RegistryError(`${this.registry} asks for a user and password, but ${this.source.description} holds a token`, {
          code: 'unauthorized',
          action: 'pass --creds user:password',
        });
      }
      this.basicHeader = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
      return this.basicHeader;
    }
    if (challenge?.scheme === 'bearer') {
      if (credential?.kind === 'registry-token') {
        // A token given as it is (--creds without ':') is sent on every request from now on.
        this.basicHeader = `Bearer ${credential.token}`;
        return this.basicHeader;
      }
      this.bearerChallenge = challenge;
      // Drop a cached token for these scopes: the registry just refused it.
      this.tokens.delete(mergeScopes(scopes).join(' '));
      return this.fetchToken(challenge, scopes);
    }
    throw new RegistryError(`${this.registry} asked for authentication it did not describe (${challenge?.scheme ?? 'no WWW-Authenticate header'})`, {
      code: 'unauthorized',
      status: 401,
      action: 'check the registry URL and credentials',
    });
  }

  needCredentials(): RegistryError {
    return new RegistryError(`${this.registry} requires authentication and no credentials were found (looked in: ${this.source.description})`, {
      code: 'unauthorized',
      status: 401,
      action: 'pass --creds user:password, run docker login, or use --provider',
    });
  }

  rejected(status: number): RegistryError {
    return new RegistryError(`${this.registry} rejected the credentials from ${this.source.description} (HTTP ${status})`, {
      code: 'unauthorized',
      status,
      action: 'check the user name and password (or token), or log in again',
    });
  }

  private async fetchToken(challenge: Challenge, scopes: string[]): Promise<string> {
    const realm = challenge.params['realm'];
    if (!realm) throw new RegistryError(`${this.registry} sent a Bearer challenge without a realm`, { code: 'invalid-response', status: 401 });
    const wanted = mergeScopes([...scopes, ...(challenge.params['scope'] ? [challenge.params['scope']] : [])]);
    const key = mergeScopes(scopes).join(' ');
    const credential = await this.resolveCredential();
    const service = challenge.params['service'];
    let res;
    if (credential?.kind === 'identity-token') {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.token, client_id: 'flux-oci' });
      if (service) form.set('service', service);
      if (wanted.length) form.set('scope', wanted.join(' '));
      res = await this.transport.send(
        { method: 'POST', url: realm, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() },
        'get a registry token',
      );
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      for (const s of wanted) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (credential?.kind === 'basic') headers['authorization'] = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
      res = await this.transport.send({ method: 'GET', url: url.toString(), headers }, 'get a registry token');
    }
    const text = await res.body.text();
    if (res.status === 401 || res.status === 403) {
      if (!credential || credential.kind === 'anonymous') throw this.needCredentials();
      throw this.rejected(res.status);
    }
    if (res.status !== 200) {
      const { summary } = parseErrorBody(text);
      throw new RegistryError(`the token service of ${this.registry} failed with HTTP ${res.status}${summary ? ` (${summary})` : ''}`, {
        code: res.status >= 500 ? 'server-error' : 'rejected',
        status: res.status,
        action: 'try again later, or check the credentials',
      });
    }
    let body: TokenResponse;
    try {
      body = JSON.parse(text) as TokenResponse;
    } catch {
      throw new RegistryError(`the token service of ${this.registry} answered something that is not JSON`, { code: 'invalid-response' });
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`the token service of ${this.registry} answered without a token`, { code: 'invalid-response' });
    const lifetime = Math.max(60, body.expires_in ?? 60) * 1000;
    const header = `Bearer ${token}`;
    this.tokens.set(key, { header, expiresAt: Date.now() + lifetime - 10_000 });
    return header;
  }
}
