/**
 * Flux Operator's ResourceSet templating, as far as the editor needs it: Go
 * templates with `<<` and `>>` as delimiters, evaluated once per input set.
 * Written from the operator's public documentation (nothing copied).
 */

/** A template action: `<< ... >>`. A string with `<<` and no closing `>>` (e.g. `>=1.0.0 <<2`) is not one. */
const action = /<<[\s\S]*?>>/;

export function isResourceSetTemplate(s: string): boolean {
  return action.test(s);
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
  const used: string[] = [];
  let missing = false;
  const out = text.replace(simpleInput, (_m, key: string) => {
    const v = inputs.values.get(key);
    if (v === undefined) {
      missing = true;
      return '';
    }
    if (!used.includes(key)) used.push(key);
    return v;
  });
  if (missing || isResourceSetTemplate(out)) return undefined;
  return { text: out, used };
}
