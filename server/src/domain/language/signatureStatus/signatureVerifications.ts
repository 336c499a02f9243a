/**
 * Signature checks of resolved artifacts for the editor: one verification per
 * digest and policy, run in the background through the registry cache's
 * clients (credentials, request limiter, offline and loopback rules), kept for
 * a while and shared by every caller. Listeners hear when a check finishes so
 * the editor can republish. A registry that cannot be asked gives `unchecked`,
 * never `not-verified`: the signature may well be fine.
 */
import type { RegistryClient } from '../../oci/registry/client';
import { RegistryError, type RegistryErrorCode } from '../../oci/registry/errors';
import type { RepositoryTarget } from '../../resolution/registryCache';
import { verifySignatures } from '../../signatures/verifyArtifact';
import { publicGoodTrustMaterial, sigstoreTufHost } from '../../signatures/trustMaterial';
import type { NetworkGate } from '../../resolution/networkGate';
import type { NotVerifiedResult, VerifiedResult } from '../../signatures/types';
import { trustedRootSetting, type PolicyChoice } from './signaturePolicy';
import { AnswerCache, artifactKey } from './answerCache';

export type SignatureStatus =
  | { state: 'verified'; result: VerifiedResult; keySource: string }
  | { state: 'not-verified'; result: NotVerifiedResult; keySource: string }
  /** The registry could not be asked (unreachable, unauthorised, offline): nothing is known. */
  | { state: 'unchecked'; message: string }
  /** Nothing to verify with (keyless trust material could not be had). */
  | { state: 'keys-unavailable'; message: string };

export type ReadyPolicy = Extract<PolicyChoice, { kind: 'ready' }>;

/** What verification needs from the registry side; RegistryCache is the real one. */
export interface RegistryRunner {
  withClient<T>(repo: RepositoryTarget, work: (client: RegistryClient) => Promise<T>): Promise<T>;
  readonly isOffline: boolean;
  /** The editor's offline and loopback rules, which the trusted-root download obeys too. */
  readonly gate: Pick<NetworkGate, 'refusal'>;
}

export interface SignatureVerificationsOptions {
  env?: NodeJS.ProcessEnv;
  /** How long a "not verified" answer is kept (the artifact may get signed meanwhile). */
  notVerifiedTtlMs?: number;
}

/** Registry errors that mean "could not ask", not "the signature is wrong". */
const reachability = new Set<RegistryErrorCode>([
  'unauthorized',
  'denied',
  'rate-limited',
  'server-error',
  'network',
  'timeout',
  'tls',
  'insecure-refused',
  'credentials',
  'cancelled',
]);

export class SignatureVerifications {
  private readonly answers = new AnswerCache<SignatureStatus>((s) => this.ttlOf(s));
  private publicGood: Promise<string | undefined> | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly runner: RegistryRunner,
    private readonly options: SignatureVerificationsOptions = {},
  ) {
    this.env = options.env ?? process.env;
  }

  onChecked(listener: (status: SignatureStatus) => void): () => void {
    return this.answers.onAnswer(listener);
  }

  /** The last answer for this digest and policy, fresh or not. */
  peek(repo: RepositoryTarget, digest: string, policy: ReadyPolicy): SignatureStatus | undefined {
    return this.answers.peek(artifactKey(repo, digest, policy.hash));
  }

  /** Verifies in the background unless a fresh answer is held; callers share one check. */
  request(repo: RepositoryTarget, digest: string, policy: ReadyPolicy): Promise<SignatureStatus> {
    return this.answers.request(artifactKey(repo, digest, policy.hash), () => this.check(repo, digest, policy));
  }

  /** Forgets every answer (refresh command, new credentials, offline switch). */
  refresh(): void {
    this.answers.clear();
    this.publicGood = undefined;
  }

  private ttlOf(s: SignatureStatus): number {
    switch (s.state) {
      case 'verified':
        return 10 * 60_000; // a digest and its accepted signature do not change
      case 'not-verified':
        return this.options.notVerifiedTtlMs ?? 60_000;
      default:
        return 15_000;
    }
  }

  private async check(repo: RepositoryTarget, digest: string, choice: ReadyPolicy): Promise<SignatureStatus> {
    const policy = choice.policy;
    if (policy.provider === 'cosign' && policy.publicKeys === undefined && policy.trustedRootJson === undefined) {
      const problem = await this.publicGoodProblem();
      if (problem) return { state: 'keys-unavailable', message: problem };
    }
    const seen: RegistryError[] = [];
    try {
      const result = await this.runner.withClient(repo, (client) => verifySignatures(watchErrors(client, seen), repo, digest, policy, { env: this.env }));
      if (result.outcome === 'verified') return { state: 'verified', result, keySource: choice.keySource };
      const problem = seen.find((e) => reachability.has(e.code));
      if (problem) return { state: 'unchecked', message: problem.message };
      return { state: 'not-verified', result, keySource: choice.keySource };
    } catch (err) {
      return { state: 'unchecked', message: (err as Error).message ?? String(err) };
    }
  }

  /** Why Sigstore's public-good root cannot be had, or undefined when it can. Asked once per session. */
  private publicGoodProblem(): Promise<string | undefined> {
    // Through the same gate as every registry request: offline or loopback-only means no TUF fetch.
    const refused = this.runner.gate.refusal(sigstoreTufHost);
    if (refused)
      return Promise.resolve(`keyless verification needs a Sigstore trusted root, and ${refused.message}: set ${trustedRootSetting} to a trusted_root.json`);
    this.publicGood ??= publicGoodTrustMaterial(this.env).then(
      () => undefined,
      (err: unknown) => `${(err as Error).message}; or set ${trustedRootSetting} to a trusted_root.json`,
    );
    return this.publicGood;
  }
}

/**
 * The client as it is, noting every registry error its calls raise:
 * verification turns every failure into "not verified", and the editor must
 * tell "the registry could not be asked" apart from "the signature is wrong".
 */
function watchErrors(client: RegistryClient, seen: RegistryError[]): RegistryClient {
  const note = (e: unknown) => {
    if (e instanceof RegistryError) seen.push(e);
  };
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const out: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          return out instanceof Promise
            ? out.catch((e: unknown) => {
                note(e);
                throw e;
              })
            : out;
        } catch (e) {
          note(e);
          throw e;
        }
      };
    },
  });
}
