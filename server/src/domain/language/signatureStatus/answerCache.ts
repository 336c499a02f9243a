/**
 * Answers about an artifact's signatures, kept a while per key and shared: callers asking for
 * a key whose lookup is under way share it, a fresh answer is given at once, a stale one stays
 * readable (`peek`) while the next lookup runs. Listeners hear each answer as it lands, so the
 * editor can republish. `clear` forgets everything; a lookup started before it keeps its answer
 * to its own callers and does not store it.
 */
import type { RepositoryTarget } from '../../resolution/registryCache';

interface Held<T> {
  answer?: T;
  at: number;
  pending?: Promise<T>;
}

export class AnswerCache<T extends object> {
  private readonly held = new Map<string, Held<T>>();
  private readonly listeners = new Set<(answer: T) => void>();
  private generation = 0;

  /** `keepMs`: how long an answer stays fresh, which may depend on the answer. */
  constructor(private readonly keepMs: (answer: T) => number) {}

  onAnswer(listener: (answer: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last answer for this key, fresh or not. */
  peek(key: string): T | undefined {
    return this.held.get(key)?.answer;
  }

  /** The fresh answer, the lookup under way, or `look()` started now. */
  request(key: string, look: () => Promise<T>): Promise<T> {
    const h = this.held.get(key);
    if (h?.pending) return h.pending;
    if (h?.answer && Date.now() - h.at <= this.keepMs(h.answer)) return Promise.resolve(h.answer);
    const generation = this.generation;
    const entry: Held<T> = { at: Date.now(), ...(h?.answer ? { answer: h.answer } : {}) };
    entry.pending = look().then((answer) => {
      if (generation === this.generation) {
        this.held.set(key, { answer, at: Date.now() });
        for (const l of this.listeners) l(answer);
      }
      return answer;
    });
    this.held.set(key, entry);
    return entry.pending;
  }

  clear(): void {
    this.generation++;
    this.held.clear();
  }
}

/** The key of a digest in a repository, as reached (registry, TLS, provider), with what else the answer depends on. */
export function artifactKey(repo: RepositoryTarget, digest: string, ...more: string[]): string {
  return JSON.stringify([repo.registry, repo.repository, !!repo.insecure, repo.provider ?? 'generic', digest, ...more]);
}
