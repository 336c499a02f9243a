/**
 * The live-resolution part of a hover on an OCIRepository: which sources at the cursor
 * get a section, each section's text (what Flux will deploy, compare links, the
 * signature), and how the sections sit above the schema hover. The editor layer supplies
 * only its budget and cancellation (`waitFor`) and the signature section it keeps.
 */
import type { Resolution } from '../../resolution/resolution';
import type { OciSourceSpec } from '../../resolution/ociSourceSpec';
import type { OciSourceDocument } from './ociSourceDocument';
import { sourcePartAt } from './ociSourceDocument';
import { compareLinks, hoverMarkdown, type ResolutionState } from './resolutionText';
import type { WaitFor } from './refCompletion';

/** The resolution service as hovers use it (the real one is `ResolutionService`). */
export interface HoverResolutions {
  readonly offline: boolean;
  isPending(spec: OciSourceSpec): boolean;
  peek(spec: OciSourceSpec): Resolution | undefined;
  request(spec: OciSourceSpec): Promise<Resolution>;
}

export interface LiveHoverInput {
  resolutions: HoverResolutions;
  /** Waits for a cold resolution within the hover's budget; undefined means "resolving". */
  waitFor: WaitFor;
  /** The signature section of a source (`spec.verify`), if any. */
  signature: (src: OciSourceDocument, resolution: Resolution | undefined) => Promise<string | undefined>;
  /** The editor's compare command, when it runs it from hover links (issue 14); no links otherwise. */
  compareCommand?: string;
}

/**
 * The sources at the cursor (document coordinates) that get a hover section: the cursor is
 * on their url or ref, or inside their `verify` block (`onVerify`).
 */
export function hoveredSources(
  sources: OciSourceDocument[],
  line: number,
  character: number,
  onVerify: (src: OciSourceDocument, line: number) => boolean,
): OciSourceDocument[] {
  return sources.filter((s) => onVerify(s, line) || !!sourcePartAt(s, line, character));
}

/**
 * One markdown section per hovered source, joined by rules: a ResourceSet object resolves
 * once per literal input set, and each section is named by its origin.
 */
export async function liveHoverMarkdown(hovered: OciSourceDocument[], input: LiveHoverInput): Promise<string> {
  const sections = await Promise.all(hovered.map((s) => section(s, input)));
  return sections.join('\n\n---\n\n');
}

/** The live sections above the schema hover's text (which may be empty). */
export function withSchemaHover(live: string, schemaText: string): string {
  return schemaText ? `${live}\n\n---\n\n${schemaText}` : live;
}

async function section(s: OciSourceDocument, input: LiveHoverInput): Promise<string> {
  const state = await stateOf(s.spec, input);
  const resolution = state.state === 'done' ? state.resolution : undefined;
  const signature = await input.signature(s, resolution);
  // A substituted source (origin set) is shown, never compared: its text is not the artifact's.
  const links = input.compareCommand && !s.origin && resolution ? compareLinks(resolution, input.compareCommand) : undefined;
  const text = [hoverMarkdown(s.spec, state), links, signature].filter(Boolean).join('\n\n');
  return s.origin ? `_${s.origin}: \`${s.spec.url}\`_\n\n${text}` : text;
}

/** Known now unless a fresh one is on its way; else waited for within the budget. */
async function stateOf(spec: OciSourceSpec, { resolutions, waitFor }: LiveHoverInput): Promise<ResolutionState> {
  if (resolutions.offline) return { state: 'offline' };
  const known = resolutions.isPending(spec) ? undefined : resolutions.peek(spec);
  const r = known ?? (await waitFor(resolutions.request(spec)));
  return r ? { state: 'done', resolution: r } : { state: 'resolving' };
}
