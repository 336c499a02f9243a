/**
 * Flux Operator's ResourceSet templating, as far as the editor needs it: Go
 * templates with `<<` and `>>` as delimiters, evaluated once per input set.
 * Written from the operator's public documentation (nothing copied).
 */

/** A template action: `<< ... >>`. A string with `<<` and no closing `>>` (e.g. `>=1.0.0 <<2`) is not one. */
const action = /<<[\s\S]*?>>/;

export function isResourceSetTemplate(s: string): boolean {
  return s.includes('<<') && action.test(s);
}

/** One set of literal input values from `spec.inputs`, and how to name it to a person. */
export interface InputSet {
  /** Index in `spec.inputs`. */
  index: number;
  values: ReadonlyMap<string, string>;
  /** e.g. `inputs[1] (tenant: backend)`, naming the keys the substituted text used. */
  label: (used: readonly string[]) => string;
}

// `<< inputs.name >>`, with Go's `-` whitespace trimming allowed; any other action (pipelines,
// functions, conditionals) is left alone, so text that keeps one is never resolved.
const simpleInput = /<<-?\s*inputs\.([A-Za-z_][A-Za-z0-9_]*)\s*-?>>/g;

/**
 * `text` with each `<< inputs.x >>` replaced by the input set's literal value, and the
 * keys it used; undefined when an action remains that we cannot evaluate (so the text is
 * never sent anywhere as if it were final) or when a value is itself templated.
 */
export function substituteInputs(text: string, inputs: InputSet): { text: string; used: string[] } | undefined {
  return renderInputs(text, inputs);
}

/** Text rendered with one input set, and the way back from its offsets to the template's. */
export interface RenderedText {
  text: string;
  /** The input keys the text used, in order of first use. */
  used: string[];
  /**
   * The offset in the template text of an offset in the rendered text. Inside a substituted
   * value, a start maps to the start of its `<< ... >>` action and an end to its end.
   */
  sourceOffset(offset: number, side: 'start' | 'end'): number;
}

/** `substituteInputs`, keeping where each substitution went (to report on the template what the rendering shows). */
export function renderInputs(text: string, inputs: InputSet): RenderedText | undefined {
  const used: string[] = [];
  const edits: Array<{ from: number; to: number; outFrom: number; outTo: number }> = [];
  let missing = false;
  let shift = 0;
  const out = text.replace(simpleInput, (m: string, key: string, at: number) => {
    const v = inputs.values.get(key);
    if (v === undefined) {
      missing = true;
      return '';
    }
    if (!used.includes(key)) used.push(key);
    edits.push({ from: at, to: at + m.length, outFrom: at + shift, outTo: at + shift + v.length });
    shift += v.length - m.length;
    return v;
  });
  if (missing || isResourceSetTemplate(out)) return undefined;
  const sourceOffset = (offset: number, side: 'start' | 'end'): number => {
    let delta = 0;
    for (const e of edits) {
      if (side === 'start' ? offset < e.outFrom : offset <= e.outFrom) break;
      if (side === 'start' ? offset < e.outTo : offset <= e.outTo) return side === 'start' ? e.from : e.to;
      delta = e.to - e.outTo;
    }
    return offset + delta;
  };
  return { text: out, used, sourceOffset };
}
