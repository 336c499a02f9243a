/**
 * Which signatures a registry holds for a digest, without judging them. For sources whose
 * object cannot ask Flux to verify (FluxInstance `spec.sync` has no `verify` field), the
 * hover says so and what is there, as information. One lookup per digest, kept a while and
 * shared, through the registry cache's clients (credentials, limiter, offline and loopback
 * rules) like every signature check.
 */
import type { RepositoryTarget } from '../../resolution/registryCache';
import { discoverSignatures } from '../../signatures/discovery';
import { listNotarySignatures } from '../../signatures/notation/discovery';
import type { RegistryRunner } from './signatureVerifications';
import { AnswerCache, artifactKey } from './answerCache';

export type SignaturePresence =
  | { state: 'found'; cosignBundles: number; cosignLegacy: number; notation: number }
  /** The registry could not be asked: nothing is known. */
  | { state: 'unchecked'; message: string };

const keepMs = 60_000;

export class SignaturePresences {
  private readonly answers = new AnswerCache<SignaturePresence>(() => keepMs);

  constructor(private readonly runner: Pick<RegistryRunner, 'withClient'>) {}

  onFound(listener: () => void): () => void {
    return this.answers.onAnswer(listener);
  }

  peek(repo: RepositoryTarget, digest: string): SignaturePresence | undefined {
    return this.answers.peek(artifactKey(repo, digest));
  }

  /** Looks in the background unless a fresh answer is held; callers share one lookup. */
  request(repo: RepositoryTarget, digest: string): Promise<SignaturePresence> {
    return this.answers.request(artifactKey(repo, digest), () => this.look(repo, digest));
  }

  refresh(): void {
    this.answers.clear();
  }

  private async look(repo: RepositoryTarget, digest: string): Promise<SignaturePresence> {
    try {
      return await this.runner.withClient(repo, async (client) => {
        const cosign = await discoverSignatures(client, repo.repository, digest);
        let notation = 0;
        let notationError: string | undefined;
        try {
          notation = (await listNotarySignatures(client, repo.repository, digest)).length;
        } catch (err) {
          notationError = (err as Error).message;
        }
        // Every lookup failed: the registry could not be asked (a "none" would be a guess).
        if (cosign.bundleLookupError && cosign.legacyLookupError && notationError) return { state: 'unchecked', message: cosign.bundleLookupError };
        return { state: 'found', cosignBundles: cosign.bundles.length, cosignLegacy: cosign.legacy.length, notation };
      });
    } catch (err) {
      return { state: 'unchecked', message: (err as Error).message ?? String(err) };
    }
  }
}

/**
 * The hover section of a source whose object cannot ask Flux to verify: the verdict and why
 * (`OciSourceDocument.unverified`), and what the registry holds (undefined: still looking).
 */
export function unverifiedSourceHover(why: string, presence: SignaturePresence | undefined): string {
  const head = `**Signature:** ${why}.`;
  if (!presence) return `${head}\n\nLooking for signatures in the registry…`;
  if (presence.state === 'unchecked') return `${head}\n\nCould not ask the registry for signatures: ${presence.message}`;
  const parts: string[] = [];
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  if (presence.cosignBundles) parts.push(plural(presence.cosignBundles, 'cosign signature') + ' (Sigstore bundle)');
  if (presence.cosignLegacy) parts.push(plural(presence.cosignLegacy, 'cosign signature') + ' (`.sig` tag)');
  if (presence.notation) parts.push(plural(presence.notation, 'Notation signature'));
  return parts.length
    ? `${head}\n\nThe registry holds ${parts.join(', ')} for this digest.`
    : `${head}\n\nThe registry holds no cosign or Notation signature for this digest.`;
}
