import { parseDocument, type Document, type Node, type Pair } from 'yaml';
import { isMap, isScalar } from './nodeTests';
import { LineIndex, type Range } from '../text/lineIndex';
import { fastParseDocument } from './fastParse';
import { Severity, type Diagnostic } from '../diagnostics';

/** How every document is parsed (fastParse.ts builds what eemeli/yaml builds with these). */
export const parseOptions = { prettyErrors: false, uniqueKeys: true, keepSourceTokens: false, strict: false } as const;

/**
 * One YAML document, parsed on its own. Everything here is relative to the
 * document's own text (line 0 is the document's first line), so a parse can be
 * reused when the same text moves to another place in the file.
 */
export class ParsedDocument {
  readonly lineIndex: LineIndex;
  readonly yaml: Document.Parsed;
  readonly syntaxDiagnostics: Diagnostic[];
  /** Derived results (diagnostics, symbols...) cached with the parse, by feature name. */
  private readonly memo = new Map<string, unknown>();

  constructor(readonly text: string) {
    this.lineIndex = new LineIndex(text);
    // uniqueKeys reports duplicate keys; YAML 1.2 allows redefined anchors.
    // The plainest documents take a line-reading fast path that builds the very same nodes.
    this.yaml = fastParseDocument(text, { ...parseOptions }) ?? parseDocument(text, { ...parseOptions });
    this.syntaxDiagnostics = [...this.yaml.errors, ...this.yaml.warnings].map((e) => ({
      range: errorRange(this.lineIndex, text, e.pos, e.code === 'DUPLICATE_KEY'),
      severity: e.code === 'DUPLICATE_KEY' ? Severity.Error : this.yaml.errors.includes(e as never) ? Severity.Error : Severity.Warning,
      message: e.code === 'DUPLICATE_KEY' ? duplicateKeyMessage(text, e.pos) : firstLine(e.message),
      code: e.code === 'DUPLICATE_KEY' ? 'yaml/duplicate-key' : 'yaml/syntax',
    }));
  }

  /** True when the parser could not build a usable tree. */
  get hasSyntaxErrors(): boolean {
    return this.yaml.errors.some((e) => e.code !== 'DUPLICATE_KEY');
  }

  /** The top-level mapping, when the document is one. */
  get root(): Node | null {
    const c = this.yaml.contents;
    return c && isMap(c) ? (c as Node) : null;
  }

  /** Reads `apiVersion`, `kind`, `metadata.name` and `metadata.namespace` if they are plain strings. */
  get identity(): ObjectIdentity {
    return this.memoize('identity', () => readIdentity(this.yaml));
  }

  rangeOfNode(node: Node | Pair | null | undefined): Range | null {
    const r = node && 'range' in node ? (node as Node).range : undefined;
    if (!r) return null;
    return this.lineIndex.rangeOf(r[0], r[1]);
  }

  memoize<T>(key: string, compute: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = compute();
    this.memo.set(key, value);
    return value;
  }
}

export interface ObjectIdentity {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

function readIdentity(doc: Document.Parsed): ObjectIdentity {
  const root = doc.contents;
  if (!root || !isMap(root)) return {};
  const id: ObjectIdentity = {};
  const str = (v: unknown): string | undefined => (isScalar(v) && typeof v.value === 'string' ? v.value : undefined);
  const apiVersion = str(root.get('apiVersion', true));
  const kind = str(root.get('kind', true));
  if (apiVersion !== undefined) id.apiVersion = apiVersion;
  if (kind !== undefined) id.kind = kind;
  const meta = root.get('metadata', true);
  if (meta && isMap(meta)) {
    const name = str(meta.get('name', true));
    const namespace = str(meta.get('namespace', true));
    if (name !== undefined) id.name = name;
    if (namespace !== undefined) id.namespace = namespace;
  }
  return id;
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

/**
 * The range to show a parse error on. Errors found at the end of the document
 * (unterminated quote, missing value) are moved back onto the last character
 * written, so the squiggle stays inside this document and is visible.
 */
function errorRange(lines: LineIndex, text: string, pos: [number, number], duplicateKey: boolean): Range {
  if (duplicateKey) return lines.rangeOf(pos[0], keyEnd(text, pos[0]));
  let start = pos[0];
  let end = Math.max(pos[1], start + 1);
  const contentEnd = text.trimEnd().length;
  if (start >= contentEnd && contentEnd > 0) {
    start = contentEnd - 1;
    end = contentEnd;
  }
  return lines.rangeOf(start, Math.min(end, Math.max(contentEnd, start + 1)));
}

function duplicateKeyMessage(text: string, pos: [number, number]): string {
  const key = text.slice(pos[0], keyEnd(text, pos[0])).trim();
  return key ? `Duplicate key '${key}': YAML requires unique keys and most tools keep only the last one` : 'Duplicate key: YAML requires unique keys';
}

/** End of the key written at `start` (the parser reports only where a duplicate key begins). */
function keyEnd(text: string, start: number): number {
  const q = text[start];
  if (q === '"' || q === "'") {
    const close = text.indexOf(q, start + 1);
    return close < 0 ? start + 1 : close + 1;
  }
  let i = start;
  while (i < text.length && text[i] !== '\n' && !(text[i] === ':' && /[\s]/.test(text[i + 1] ?? ' '))) i++;
  return Math.max(i, start + 1);
}
