/**
 * The inlay hints of live resolution: which sources of a document get one, where it sits
 * (after the ref value that decides, the url when no ref is set) and what it says.
 */
import type { Position } from '../../text/lineIndex';
import type { Resolution } from '../../resolution/resolution';
import type { OciSourceSpec } from '../../resolution/ociSourceSpec';
import type { OciSourceDocument } from './ociSourceDocument';
import { inlayLabel, inlayTooltip } from './resolutionText';

export interface ResolutionHint {
  /** Document coordinates. */
  position: Position;
  label: string;
  tooltip: string;
}

/**
 * One hint per source whose resolution is known (`current`; undefined while it is not), in
 * document coordinates. A value templated per ResourceSet input set is told on hover instead:
 * one hint per place stays readable.
 */
export function resolutionHints(sources: OciSourceDocument[], current: (spec: OciSourceSpec) => Resolution | undefined): ResolutionHint[] {
  const out: ResolutionHint[] = [];
  for (const src of sources) {
    if (src.origin && src.origin.startsWith('inputs[')) continue;
    const r = current(src.spec);
    if (!r) continue;
    const label = inlayLabel(r);
    if (!label) continue;
    const anchor = r.kind === 'latest' ? src.urlRange : (src.fields[r.kind]?.range ?? src.urlRange);
    out.push({ position: anchor.end, label, tooltip: inlayTooltip(r) });
  }
  return out;
}
