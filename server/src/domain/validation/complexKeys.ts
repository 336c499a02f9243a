import { type Node } from 'yaml';
import { isCollection, isPair } from '../yaml/nodeTests';
import { Severity, type Diagnostic } from '../diagnostics';
import type { ParsedDocument } from '../yaml/parsedDocument';

/**
 * YAML allows a mapping or sequence as a key, but Kubernetes tooling cannot
 * decode one ("invalid map key"). In manifests it almost always means an
 * unrendered template placeholder such as `name: {{ .ns }}`, which YAML reads as
 * a flow mapping whose key is another mapping.
 */
export function complexKeyDiagnostics(doc: ParsedDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  // A collection key needs a flow `{`/`[` or an explicit `? ` key: most documents have neither, so skip the walk.
  if (!/[{[]|\?\s/.test(doc.text)) return out;
  // A plain depth-first walk in eemeli/yaml's `visit` order (pair, key, value), without its path copies.
  const walk = (node: unknown): void => {
    if (isPair(node)) {
      const key = node.key as Node | null;
      if (key && isCollection(key) && key.range) report(key);
      walk(node.key);
      walk(node.value);
    } else if (isCollection(node)) for (const item of node.items) walk(item);
  };
  const report = (key: Node): void => {
    const r = key.range!;
    const text = doc.text.slice(r[0], r[1]);
    const template = /\{\{|\}\}/.test(doc.text.slice(Math.max(0, r[0] - 2), r[1] + 2));
    out.push({
      range: doc.lineIndex.rangeOf(r[0], Math.max(r[1], r[0] + 1)),
      severity: Severity.Error,
      code: 'yaml/syntax',
      message: template
        ? `Not valid Kubernetes YAML: '${shorten(text)}' is read as a mapping used as a key; this looks like an unrendered {{ template }} placeholder (quote it or render the template first)`
        : `Not valid Kubernetes YAML: a ${key.constructor.name === 'YAMLSeq' ? 'sequence' : 'mapping'} is used as a mapping key; keys must be plain scalars`,
    });
  };
  walk(doc.yaml.contents);
  return out;
}

function shorten(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > 40 ? one.slice(0, 37) + '...' : one;
}
