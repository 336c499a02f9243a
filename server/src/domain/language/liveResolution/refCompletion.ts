/**
 * Completion of an OCIRepository's `spec.ref.tag|digest|semver` (and of a FluxInstance's
 * `spec.sync.ref`, a tag) from the registry, deciding
 * everything the editor layer used to: whether the cursor is in such a value (top-level or
 * inside a ResourceSet's resources), which repository to ask, how long to wait for a tag list
 * it does not have yet, which tags' facts to fetch for the next ask, and whether the answer is
 * complete. Registry access goes through the cache (offline, loopback, limiter, credentials).
 */
import type { ParsedDocument } from '../../yaml/parsedDocument';
import type { Position, Range } from '../../text/lineIndex';
import type { CompletionEntry } from '../completion';
import type { RegistryCache, RepositoryTarget } from '../../resolution/registryCache';
import { usesHelmUnderscore, repositoryTargetOf } from '../../resolution/ociSourceSpec';
import { newestTags } from '../../resolution/resolveOciSource';
import { embeddedObjectAt } from '../../flux/resourceSet';
import { cursorContext } from '../cursorContext';
import { readOciSource, type OciSourceDocument } from './ociSourceDocument';
import { readOciSources } from './ociSources';
import { completionTagLimit, registryCompletion, type CompletionField } from './registryCompletion';

export interface RefCompletion {
  entries: CompletionEntry[];
  /** Facts of some newest tags are still being fetched: ask again for dates and digests. */
  incomplete: boolean;
}

/**
 * Waits for a registry answer at most as long as the editor allows (and not past cancellation);
 * undefined when it did not come in time. The editor layer supplies it (its budget, its token).
 */
export type WaitFor = <T>(promise: Promise<T>) => Promise<T | undefined>;

/**
 * Registry entries for the ref value at `position` of `document`; undefined when the cursor is
 * not in one (the caller keeps its schema items), `{ entries: [], incomplete: true }` when the
 * tag list did not arrive in time.
 */
export async function refCompletion(document: ParsedDocument, position: Position, cache: RegistryCache, waitFor: WaitFor): Promise<RefCompletion | undefined> {
  // Inside a ResourceSet's spec.resources the embedded object is the document (same coordinates).
  const parsed = embeddedObjectAt(document, position)?.parsed ?? document;
  const ctx = cursorContext(parsed, position);
  if (!ctx || ctx.type !== 'value') return undefined;
  const at = refAt(parsed, ctx.path);
  if (!at || cache.isOffline) return undefined;
  const { src, field } = at;
  // A tag written in the URL: only after its `:` (or at the URL's end), and never beside a digest.
  const inUrl = src.refInUrl ? tagPlaceInUrl(src, position) : undefined;
  if (src.refInUrl && !inUrl) return undefined;
  let target: RepositoryTarget;
  try {
    target = repositoryTargetOf(src.spec);
  } catch {
    return undefined;
  }
  const tags = cache.peekTags(target) ?? (await waitFor(cache.tags(target)).catch(() => undefined));
  if (!tags) return { entries: [], incomplete: true };
  const helm = usesHelmUnderscore(src.spec);
  // Facts (created date, digest) of the newest tags, fetched in the background for the next ask.
  const top = newestTags(tags, helm, completionTagLimit).slice(0, field === 'digest' ? 20 : 10);
  const fetches = top.filter((t) => !cache.peekArtifact(target, t)).map((t) => cache.artifact(target, t).catch(() => undefined));
  // Digests are the answer itself: worth waiting for, within the budget.
  if (field === 'digest' && fetches.length) await waitFor(Promise.all(fetches));
  const entries = registryCompletion({
    field,
    tags,
    helm,
    replaceRange: ctx.replaceRange,
    factsOf: (t) => cache.peekArtifact(target, t),
    ...(src.spec.ref.semverFilter ? { filter: src.spec.ref.semverFilter } : {}),
  });
  const incomplete = top.some((t) => !cache.peekArtifact(target, t));
  if (inUrl)
    return { entries: entries.map((e) => ({ ...e, insertText: `${inUrl.prefix}${e.label}`, filterText: e.label, replaceRange: inUrl.range })), incomplete };
  return { entries, incomplete };
}

/** Where a tag goes in a URL value (`oci://host/repo:tag`): the text after the last `:` of the path, or `:tag` appended. */
function tagPlaceInUrl(src: OciSourceDocument, position: Position): { range: Range; prefix: string } | undefined {
  const r = src.urlNode.range;
  if (!r) return undefined;
  const doc = src.doc;
  const quoted = /^["']/.test(doc.text.slice(r[0], r[0] + 1));
  const from = r[0] + (quoted ? 1 : 0);
  const to = r[1] - (quoted ? 1 : 0);
  const value = doc.text.slice(from, to);
  if (value.includes('@')) return undefined;
  const cursor = doc.lineIndex.offsetAt(position);
  const colon = value.lastIndexOf(':');
  if (colon > value.lastIndexOf('/')) {
    const tagStart = from + colon + 1;
    return cursor >= tagStart && cursor <= to ? { range: doc.lineIndex.rangeOf(tagStart, to), prefix: '' } : undefined;
  }
  return cursor === to ? { range: doc.lineIndex.rangeOf(to, to), prefix: ':' } : undefined;
}

/** The source and ref field a value path is: an OCIRepository's `spec.ref.<field>`, or a source's single ref string. */
function refAt(parsed: ParsedDocument, path: readonly (string | number)[]): { src: OciSourceDocument; field: CompletionField } | undefined {
  if (path.length === 3 && path[0] === 'spec' && path[1] === 'ref') {
    const field = path[2] as CompletionField;
    if (field !== 'tag' && field !== 'digest' && field !== 'semver') return undefined;
    const src = readOciSource(parsed);
    return src && { src, field };
  }
  const src = readOciSources(parsed).find((s) => s.refValuePath?.length === path.length && s.refValuePath.every((p, i) => p === path[i]));
  // The operator reads the ref as a tag (a sha256: digest pins); tags are what completion offers.
  return src && { src, field: 'tag' };
}
