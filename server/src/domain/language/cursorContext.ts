import { isMap, isScalar, type Node } from 'yaml';
import type { Position, Range } from '../text/lineIndex';
import type { ParsedDocument } from '../yaml/parsedDocument';

/**
 * What sits at a position of one YAML document, read from the lines rather than
 * the parse tree: while someone types, the text is usually half-written YAML
 * (`  ref:` with nothing under it, `    sem` without a colon) and indentation is
 * the only reliable structure. Positions are document-relative.
 */
export type CursorContext = KeyContext | ValueContext | EmptyDocumentContext;

interface BaseContext {
  /** The word under the cursor that a completion replaces. */
  replaceRange: Range;
  /** Text already typed in that word, up to the cursor. */
  prefix: string;
}

/** Typing a mapping key (or a new sequence item) in the mapping at `path`. */
export interface KeyContext extends BaseContext {
  type: 'key';
  /** Path of the mapping (or sequence item) that receives the key. */
  path: Array<string | number>;
  /** Column the key starts at (for multi-line snippets). */
  column: number;
  /** Keys already present in that mapping. */
  existingKeys: string[];
  /** True when the line starts a sequence item (`- `) and nothing follows it yet. */
  newSequenceItem: boolean;
}

/** Typing the value of `key` (path ends with the key). */
export interface ValueContext extends BaseContext {
  type: 'value';
  path: Array<string | number>;
  key: string;
}

/** A document with nothing but blanks and comments. */
export interface EmptyDocumentContext extends BaseContext {
  type: 'emptyDocument';
}

/** One structural token of a line: a `- ` marker or a `key:`. */
interface LineToken {
  column: number;
  dash: boolean;
  key?: string;
}

interface LineShape {
  tokens: LineToken[];
  /** Column where the content after the last token starts. */
  restColumn: number;
  rest: string;
}

const keyPattern = /^((?:"[^"]*"|'[^']*'|[^\s#'"{}[\],&*!|>%@`][^:#]*?|[^\s#'"{}[\],&*!|>%@`]))\s*:(?=\s|$)/;

/** Splits a line into its leading `- ` markers and `key:` tokens. */
function shapeOf(line: string): LineShape | undefined {
  let i = 0;
  while (i < line.length && line[i] === ' ') i++;
  if (i >= line.length || line[i] === '#') return undefined;
  const tokens: LineToken[] = [];
  for (;;) {
    if (line[i] === '-' && (i + 1 === line.length || line[i + 1] === ' ')) {
      tokens.push({ column: i, dash: true });
      i++;
      while (i < line.length && line[i] === ' ') i++;
      continue;
    }
    const m = keyPattern.exec(line.slice(i));
    if (m) {
      tokens.push({ column: i, dash: false, key: unquote(m[1]!.trim()) });
      i += m[0].length;
      while (i < line.length && line[i] === ' ') i++;
      // A compact nested mapping (`a: b: c`) is not valid YAML; one key per line level.
      break;
    }
    break;
  }
  return { tokens, restColumn: i, rest: line.slice(i) };
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === "'" && s.endsWith("'")))) return s.slice(1, -1);
  return s;
}

const wordChar = /[\w.\-/$]/;

export function cursorContext(doc: ParsedDocument, position: Position): CursorContext | undefined {
  const lines = doc.lineIndex;
  if (position.line >= lines.lineCount) return undefined;
  const lineText = lines.lineText(position.line);
  const ch = Math.min(position.character, lineText.length);
  const before = lineText.slice(0, ch);
  if (insideScalar(doc, position)) return undefined;
  if (/#/.test(before) && commentStart(before) >= 0) return undefined;

  let start = ch;
  while (start > 0 && wordChar.test(lineText[start - 1]!)) start--;
  let end = ch;
  while (end < lineText.length && wordChar.test(lineText[end]!)) end++;
  const prefix = lineText.slice(start, ch);
  const replaceRange: Range = { start: { line: position.line, character: start }, end: { line: position.line, character: end } };

  if (isBlankDocument(doc)) return { type: 'emptyDocument', replaceRange, prefix };

  const shape = shapeOf(before) ?? { tokens: [], restColumn: before.length, rest: '' };
  const last = shape.tokens[shape.tokens.length - 1];
  if (last && !last.dash) {
    // `key: va|` — the value of the last key on the line.
    if (shape.rest.startsWith('|') || shape.rest.startsWith('>') || shape.rest.startsWith('{') || shape.rest.startsWith('[')) return undefined;
    const parent = parentPath(lines, position.line, last.column, shape.tokens.slice(0, -1));
    if (!parent) return undefined;
    const valueStart = { line: position.line, character: shape.restColumn };
    const valueEnd = { line: position.line, character: trimmedEnd(lineText, shape.restColumn) };
    const vr: Range = valueEnd.character >= valueStart.character ? { start: valueStart, end: valueEnd } : replaceRange;
    return { type: 'value', path: [...parent, last.key!], key: last.key!, replaceRange: vr, prefix: before.slice(shape.restColumn) };
  }
  // Typing a key: only a word (or nothing) after the indentation and dashes.
  if (!/^[\w.\-/"']*$/.test(shape.rest)) return undefined;
  const column = shape.restColumn;
  const path = parentPath(lines, position.line, column, shape.tokens);
  if (!path) return undefined;
  return {
    type: 'key',
    path,
    column,
    existingKeys: existingKeys(doc, path),
    newSequenceItem: last?.dash === true,
    replaceRange,
    prefix,
  };
}

/**
 * The path of the collection that holds an entry starting at `column` on `line`,
 * given the tokens that precede it on the same line (`- ` markers).
 */
function parentPath(lines: ParsedDocument['lineIndex'], line: number, column: number, sameLine: LineToken[]): Array<string | number> | undefined {
  const path: Array<string | number> = [];
  // Tokens before the entry on its own line are its innermost parents (sequence items).
  const pending: LineToken[] = [...sameLine];
  let limit = column;
  let keyLimit = column; // keys may sit at the same column as a sequence below them
  let l = line;
  const resolve = (tok: LineToken, atLine: number): boolean => {
    if (tok.dash) {
      path.unshift(sequenceIndex(lines, atLine, tok.column));
      limit = tok.column;
      keyLimit = tok.column + 1;
    } else {
      path.unshift(tok.key!);
      limit = tok.column;
      keyLimit = tok.column;
    }
    return true;
  };
  for (let i = pending.length - 1; i >= 0; i--) resolve(pending[i]!, line);
  for (l = line - 1; l >= 0 && (limit > 0 || keyLimit > 0); l--) {
    const shape = shapeOf(lines.lineText(l));
    if (!shape || shape.tokens.length === 0) {
      // A plain scalar line (continuation or flow content): only matters if it is less indented.
      const text = lines.lineText(l);
      const indent = text.length - text.trimStart().length;
      if (text.trim() !== '' && !text.trimStart().startsWith('#') && indent < keyLimit && indent < limit) return undefined;
      continue;
    }
    for (let i = shape.tokens.length - 1; i >= 0; i--) {
      const tok = shape.tokens[i]!;
      if ((tok.dash && tok.column < limit) || (!tok.dash && tok.column < keyLimit)) {
        // This token is a parent; tokens before it on its line are its own parents.
        resolve(tok, l);
        for (let j = i - 1; j >= 0; j--) resolve(shape.tokens[j]!, l);
        break;
      }
    }
  }
  return path;
}

/** Index of the sequence item whose `- ` is at `column` on `line`. */
function sequenceIndex(lines: ParsedDocument['lineIndex'], line: number, column: number): number {
  let index = 0;
  for (let l = line - 1; l >= 0; l--) {
    const text = lines.lineText(l);
    const shape = shapeOf(text);
    if (!shape || shape.tokens.length === 0) {
      const indent = text.length - text.trimStart().length;
      if (text.trim() !== '' && !text.trimStart().startsWith('#') && indent < column) break;
      continue;
    }
    const first = shape.tokens[0]!;
    if (first.column > column) continue;
    const dashHere = shape.tokens.some((t) => t.dash && t.column === column);
    if (first.column === column && first.dash) {
      index++;
      continue;
    }
    // The line that opens the enclosing item (`- - a`) holds our first item; anything else ends the sequence.
    if (dashHere) index++;
    break;
  }
  return index;
}

function existingKeys(doc: ParsedDocument, path: Array<string | number>): string[] {
  const node = path.length === 0 ? doc.yaml.contents : doc.yaml.getIn(path, true);
  if (!node || !isMap(node)) return [];
  const keys: string[] = [];
  for (const p of node.items) if (isScalar(p.key) && p.key.value !== null && p.key.value !== '') keys.push(String(p.key.value));
  return keys;
}

function isBlankDocument(doc: ParsedDocument): boolean {
  const c = doc.yaml.contents;
  if (c === null) return true;
  return isScalar(c) && (c.value === null || (typeof c.value === 'string' && /^[\w.\-/]*$/.test(c.value) && !doc.text.includes(':')));
}

/** True inside a quoted or block scalar that spans lines (nothing to complete there). */
function insideScalar(doc: ParsedDocument, position: Position): boolean {
  const offset = doc.lineIndex.offsetAt(position);
  let found = false;
  const visit = (node: unknown): void => {
    if (found || !node || typeof node !== 'object') return;
    const n = node as Node & { items?: unknown[]; key?: unknown; value?: unknown };
    if (isScalar(n)) {
      const r = n.range;
      if (r && r[0] < offset && offset < r[1] && (n.type === 'BLOCK_LITERAL' || n.type === 'BLOCK_FOLDED')) found = true;
      return;
    }
    if (n.range && (offset < n.range[0] || offset > n.range[2])) return;
    if (Array.isArray(n.items)) for (const it of n.items) visit(it);
    if ('key' in n) visit(n.key);
    if ('value' in n) visit(n.value);
  };
  visit(doc.yaml.contents);
  return found;
}

function commentStart(before: string): number {
  // A `#` starts a comment only at the line start or after white space, outside quotes.
  let quote: string | undefined;
  for (let i = 0; i < before.length; i++) {
    const c = before[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || before[i - 1] === ' ' || before[i - 1] === '\t')) return i;
  }
  return -1;
}

function trimmedEnd(line: string, from: number): number {
  const hash = commentStart(line);
  const endText = hash >= from ? line.slice(0, hash) : line;
  return Math.max(from, endText.trimEnd().length);
}

/** The YAML path and node at a position, from the parse tree (for hover on well-formed text). */
export interface NodeAtPosition {
  path: Array<string | number>;
  /** True when the position is on a mapping key rather than its value. */
  onKey: boolean;
  range: Range;
}

export function nodeAt(doc: ParsedDocument, position: Position): NodeAtPosition | undefined {
  const offset = doc.lineIndex.offsetAt(position);
  const path: Array<string | number> = [];
  let node: unknown = doc.yaml.contents;
  for (let depth = 0; depth < 200 && node; depth++) {
    const n = node as Node & { items?: Array<{ key?: Node; value?: Node } | Node> };
    if (isMap(n)) {
      let next: unknown;
      for (const pair of n.items) {
        const k = pair.key as Node | null;
        const v = pair.value as Node | null;
        const keyName = isScalar(k) ? String(k.value) : undefined;
        if (keyName === undefined) continue;
        if (k?.range && offset >= k.range[0] && offset <= k.range[1]) {
          return { path: [...path, keyName], onKey: true, range: doc.lineIndex.rangeOf(k.range[0], k.range[1]) };
        }
        if (v?.range && offset >= v.range[0] && offset <= v.range[1]) {
          path.push(keyName);
          if (isScalar(v)) return { path, onKey: false, range: doc.lineIndex.rangeOf(v.range[0], v.range[1]) };
          next = v;
          break;
        }
      }
      node = next;
      continue;
    }
    if (n && Array.isArray(n.items)) {
      let next: unknown;
      n.items.forEach((item, i) => {
        const it = item as Node;
        if (!next && it?.range && offset >= it.range[0] && offset <= it.range[1]) {
          path.push(i);
          next = it;
        }
      });
      if (next && isScalar(next)) {
        const r = (next as Node).range!;
        return { path, onKey: false, range: doc.lineIndex.rangeOf(r[0], r[1]) };
      }
      node = next;
      continue;
    }
    break;
  }
  return undefined;
}
