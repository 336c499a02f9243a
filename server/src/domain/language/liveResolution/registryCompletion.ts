/**
 * Completion from the registry in an OCIRepository's `ref`: tags (semver
 * order, newest first, with created dates), digests of the newest tags, and
 * semver ranges with what each would pick today. Works only from what is
 * already known (the caller fetches in the background), so it never waits.
 */
import type { Range } from '../../text/lineIndex';
import type { CompletionEntry } from '../completion';
import type { ArtifactFacts } from '../../resolution/resolution';
import { newestTags } from '../../resolution/resolveOciSource';
import { selectSemverTag, tryParseFluxVersion } from '../../semver/index';
import { scalarText } from '../../yaml/yamlEdits';

export type CompletionField = 'tag' | 'digest' | 'semver';

export interface RegistryCompletionInput {
  field: CompletionField;
  tags: string[];
  helm: boolean;
  replaceRange: Range;
  /** Facts of a tag when they are known (created date, digest). */
  factsOf: (tag: string) => ArtifactFacts | undefined;
  filter?: string;
}

/** How many tags get items (and whose facts are worth fetching). */
export const completionTagLimit = 100;

export function registryCompletion(input: RegistryCompletionInput): CompletionEntry[] {
  const ordered = newestTags(input.tags, input.helm, completionTagLimit);
  const pad = (i: number): string => String(i).padStart(4, '0');
  const base = { snippet: false, replaceRange: input.replaceRange } as const;
  if (input.field === 'tag') {
    return ordered.map((tag, i) => {
      const f = input.factsOf(tag);
      return {
        ...base,
        label: tag,
        kind: 'value',
        insertText: scalarText(tag),
        filterText: tag,
        sortText: `0_${pad(i)}`,
        detail: f?.created ? `created ${f.created}` : tryParseFluxVersion(input.helm ? tag.replaceAll('_', '+') : tag) ? 'semver tag' : 'tag',
        ...(f ? { documentation: `\`${f.digest}\`${f.revision ? `\n\nrevision ${f.revision}` : ''}` } : {}),
        ...(i === 0 ? { preselect: true } : {}),
      } satisfies CompletionEntry;
    });
  }
  if (input.field === 'digest') {
    const out: CompletionEntry[] = [];
    const seen = new Set<string>();
    ordered.forEach((tag, i) => {
      const f = input.factsOf(tag);
      if (!f || seen.has(f.digest)) return;
      seen.add(f.digest);
      out.push({
        ...base,
        label: f.digest,
        kind: 'value',
        insertText: f.digest,
        filterText: f.digest,
        sortText: `0_${pad(i)}`,
        detail: `${tag}${f.created ? ` · created ${f.created}` : ''}`,
      });
    });
    return out;
  }
  // Ranges built from the newest release: what each one selects today.
  const newestRelease = ordered.map((t) => ({ t, v: tryParseFluxVersion(input.helm ? t.replaceAll('_', '+') : t) })).find((x) => x.v && !x.v.prerelease)?.v;
  const newest = newestRelease ?? tryParseFluxVersion(ordered[0] ?? '') ?? undefined;
  if (!newest) return [];
  const M = newest.major;
  const m = newest.minor;
  const p = newest.patch;
  const ranges: Array<[string, string]> = [
    [`^${M}.${m}.${p}`, `>=${M}.${m}.${p} <${M + 1n}.0.0: same major`],
    [`~${M}.${m}.${p}`, `>=${M}.${m}.${p} <${M}.${m + 1n}.0: patches only`],
    [`>=${M}.${m}.${p}`, 'this version or any later release'],
    [`${M}.x`, `any ${M}.x.y release`],
    [`>=${M}.${m}.${p}-0`, 'including prereleases (the -0 idiom)'],
    ['*', 'the highest release'],
  ];
  return ranges.map(([range, meaning], i) => {
    const picks = selectSemverTag(input.tags, range, { ...(input.filter ? { filter: input.filter } : {}), helmUnderscore: input.helm });
    return {
      ...base,
      label: range,
      kind: 'value',
      insertText: scalarText(range),
      filterText: range,
      sortText: `0_${pad(i)}`,
      detail: picks.ok ? `→ ${picks.tag} (${meaning})` : `matches nothing yet (${meaning})`,
    } satisfies CompletionEntry;
  });
}
