/**
 * A fast path for the plainest YAML documents (what generated and hand-written Flux
 * manifests mostly are): block mappings and sequences, one-line plain and quoted scalars,
 * `|` literals and `[]`. It builds exactly the nodes eemeli/yaml's `parseDocument` builds
 * (same classes, values, ranges, types; test/yaml/fastParse.test.ts compares the two over the
 * real-world corpus, the bench file and seeded random inputs), about five times faster,
 * because it never tokenises: it reads lines. Anything else — comments, blank lines, anchors,
 * tags, flow collections, multi-line or escaped scalars, odd indentation, duplicate keys, any
 * input eemeli/yaml would warn about — returns undefined and the caller parses it normally.
 */
import * as yaml from 'yaml';
import { Document, type Pair, type Scalar, type YAMLMap, type YAMLSeq, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import { isScalar } from './nodeTests';

// The node classes, read once: a bundled import of CommonJS yaml reaches them through a getter at every `new` (see nodeTests.ts).
const { Pair: PairClass, Scalar: ScalarClass, YAMLMap: YAMLMapClass, YAMLSeq: YAMLSeqClass } = yaml;

export type FastParseOptions = ParseOptions & DocumentOptions & SchemaOptions;

const SCALAR = Symbol.for('yaml.scalar');

/** What eemeli/yaml's schema tags look like from here (resolution of plain scalars is theirs). */
interface ScalarTag {
  default?: boolean | 'key';
  test?: RegExp;
  format?: string;
  resolve(source: string, onError: (message: string) => void, options: unknown): unknown;
}

// The composer hands each document the stream's directives; its Directives class is not exported.
type DirectivesClass = new (init: { version: string }) => unknown;
const Directives = (new Document().directives as unknown as { constructor: DirectivesClass }).constructor;

class Unsupported extends Error {}
// One instance, thrown again and again: building an Error (its stack) per declined document costs more than the check.
const declined = new Unsupported('outside the fast path');
const unsupported = (): never => {
  throw declined;
};
/** Blank lines (spaceBefore) are left to eemeli/yaml: decline them before any work. */
const blankLine = /\n *\n(?!$)|^ *\n/;

export function fastParseDocument(text: string, options: FastParseOptions): Document.Parsed | undefined {
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff || blankLine.test(text)) return undefined;
  try {
    return new LineParser(text, options).document();
  } catch (e) {
    if (e === declined) return undefined;
    throw e;
  }
}

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DQUOTE = 34;
const SQUOTE = 39;
const NEWLINE = 10;
/** Characters that may not start a plain scalar here (YAML indicators), checked before anything else. */
const indicators = new Set('-?:,[]{}#&*!|>\'"%@`'.split('').map((c) => c.charCodeAt(0)));
/** In the core schema the only plain scalars starting with a letter that are not strings (null and bool's tests). */
const wordsNotStrings = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);

class LineParser {
  private readonly doc: Document.Parsed;
  private readonly tags: ScalarTag[];
  private readonly stringTag: ScalarTag;
  private readonly coreSchema: boolean;
  private readonly lineStarts: number[] = [];
  /** Lines [0, lineCount) hold content; a final empty line after the last newline is not one. */
  private readonly lineCount: number;
  private line = 0;

  constructor(
    private readonly text: string,
    options: FastParseOptions,
  ) {
    this.doc = new Document(undefined, Object.assign({ _directives: new Directives({ version: options.version ?? '1.2' }) }, options)) as Document.Parsed;
    const schema = (this.doc as unknown as { schema: { name: string; tags: ScalarTag[]; compat: unknown } & Record<symbol, ScalarTag> }).schema;
    if (schema.compat) unsupported();
    this.tags = schema.tags;
    this.stringTag = schema[SCALAR]!;
    this.coreSchema = schema.name === 'core' && !options.customTags;
    for (let i = 0; ;) {
      this.lineStarts.push(i);
      const nl = text.indexOf('\n', i);
      if (nl < 0) break;
      i = nl + 1;
    }
    const last = this.lineStarts.length - 1;
    this.lineCount = this.lineStarts[last] === text.length ? last : last + 1;
  }

  private lineEnd(l: number): number {
    const next = this.lineStarts[l + 1];
    return next === undefined ? this.text.length : next - 1;
  }

  /** Indent of a content line; blank and comment lines are not supported here. */
  private indentOf(l: number): number {
    const i = this.rawIndent(l);
    if (this.text.charCodeAt(this.lineStarts[l]! + i) === HASH) unsupported();
    return i;
  }

  /** Indent of any non-blank line. */
  private rawIndent(l: number): number {
    const s = this.lineStarts[l]!;
    const e = this.lineEnd(l);
    let i = s;
    while (i < e && this.text.charCodeAt(i) === SPACE) i++;
    if (i === e) unsupported();
    return i - s;
  }

  private isComment(l: number): boolean {
    return this.text.charCodeAt(this.lineStarts[l]! + this.rawIndent(l)) === HASH;
  }

  /**
   * Full-line comments from the current line on, all at one indent (else unsupported): their text
   * as eemeli/yaml keeps it (after the #, lines joined with \n), their indent, and the line after them.
   */
  private commentBlock(): { text: string; indent: number; next: number } {
    const indent = this.rawIndent(this.line);
    const texts: string[] = [];
    let l = this.line;
    for (; l < this.lineCount && this.isComment(l); l++) {
      if (this.rawIndent(l) !== indent) unsupported();
      const e = this.lineEnd(l);
      if (this.text.charCodeAt(e - 1) === SPACE) unsupported();
      texts.push(this.text.slice(this.lineStarts[l]! + indent + 1, e));
    }
    return { text: texts.join('\n'), indent, next: l };
  }

  document(): Document.Parsed {
    const t = this.text;
    if (t.startsWith('---')) {
      if (this.lineEnd(0) !== 3) unsupported();
      this.doc.directives.docStart = true;
      this.line = 1;
    }
    if (this.line >= this.lineCount || this.indentOf(this.line) !== 0) unsupported();
    const contents = this.block(0);
    const end = contents.range![2];
    this.doc.contents = contents as never;
    if (this.line < this.lineCount) {
      // comments at the end of the document are the document's
      const trailing = this.commentBlock();
      if (trailing.indent !== 0 || trailing.next !== this.lineCount) unsupported();
      this.doc.comment = trailing.text;
      this.doc.range = [0, end, t.length];
    } else {
      if (end !== t.length) unsupported();
      this.doc.range = [0, end, end];
    }
    return this.doc;
  }

  private block(indent: number): YAMLMap | YAMLSeq {
    const at = this.lineStarts[this.line]! + indent;
    return this.isDash(at) ? this.seq(indent) : this.map(indent, at);
  }

  private isDash(at: number): boolean {
    return this.text.charCodeAt(at) === DASH && this.text.charCodeAt(at + 1) === SPACE;
  }

  private map(indent: number, firstKeyAt: number): YAMLMap {
    const map = new YAMLMapClass(this.doc.schema);
    const keys = new Set<unknown>();
    let keyAt = firstKeyAt;
    let end: number;
    let commentsEnd: number | undefined;
    let commentBefore: string | undefined;
    for (;;) {
      const pair = this.pair(keyAt, indent);
      const key = pair.key as Scalar;
      // uniqueKeys: eemeli/yaml reports the duplicate; let it
      if (keys.has(key.value)) unsupported();
      keys.add(key.value);
      if (commentBefore !== undefined) key.commentBefore = commentBefore;
      commentBefore = undefined;
      map.items.push(pair as never);
      end = (pair.value as Scalar | YAMLMap | YAMLSeq).range![2];
      if (this.line >= this.lineCount) break;
      if (this.isComment(this.line)) {
        // Where eemeli/yaml puts full-line comments after an entry, in the cases read here:
        const c = this.commentBlock();
        const nextIndent = c.next < this.lineCount ? this.indentOf(c.next) : -1;
        if (c.indent === indent && nextIndent === indent) {
          commentBefore = c.text; // before the next key of this mapping
          this.line = c.next;
        } else if (c.indent === indent && indent > 0 && nextIndent < indent) {
          map.comment = c.text; // at the end of a nested mapping: the mapping's, inside its range
          this.line = c.next;
          commentsEnd = c.next < this.lineStarts.length ? this.lineStarts[c.next]! : this.text.length;
          break;
        } else if (c.indent < indent && c.indent === nextIndent) {
          break; // before the next key of an enclosing mapping: that mapping takes them
        } else if (c.indent === 0 && indent === 0 && nextIndent < 0) {
          break; // at the end of the document: the document's
        } else unsupported();
      }
      const ind = this.indentOf(this.line);
      if (ind < indent) break;
      if (ind > indent) unsupported();
      keyAt = this.lineStarts[this.line]! + indent;
      if (this.isDash(keyAt)) unsupported();
    }
    map.range = [firstKeyAt, end, commentsEnd ?? end];
    return map;
  }

  /** `key: value`, or `key:` and a block on the next lines; the key starts at `at` on the current line. */
  private pair(at: number, indent: number): Pair {
    const t = this.text;
    const e = this.lineEnd(this.line);
    if (indicators.has(t.charCodeAt(at))) unsupported();
    let c = at;
    for (; c < e; c++) {
      const ch = t.charCodeAt(c);
      if (ch === COLON && (c + 1 === e || t.charCodeAt(c + 1) === SPACE)) break;
      if (ch === SPACE || ch === HASH || ch === DQUOTE || ch === SQUOTE || ch === 44 || ch === 91 || ch === 93 || ch === 123 || ch === 125) unsupported();
    }
    if (c === at || c >= e || c - at > 1000) unsupported();
    const key = this.plain(at, c, c, true);
    if (c + 1 === e) {
      this.line++;
      if (this.line >= this.lineCount) unsupported();
      const ind = this.indentOf(this.line);
      if (ind <= indent) unsupported();
      return new PairClass(key, this.block(ind));
    }
    return new PairClass(key, this.inlineValue(c + 2, e, indent));
  }

  /** A value written on the line of its key or dash, from `v` to the line's end `e`. */
  private inlineValue(v: number, e: number, indent: number): Scalar | YAMLSeq {
    const t = this.text;
    if (v >= e) unsupported();
    const ch = t.charCodeAt(v);
    const after = e < t.length ? e + 1 : e;
    if (ch === DQUOTE || ch === SQUOTE) {
      const close = t.indexOf(ch === DQUOTE ? '"' : "'", v + 1);
      if (close !== e - 1) unsupported();
      const inner = t.slice(v + 1, close);
      if (ch === DQUOTE && inner.includes('\\')) unsupported();
      const s = new ScalarClass(inner);
      s.range = [v, e, after];
      s.source = inner;
      s.type = ch === DQUOTE ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
      this.line++;
      return s;
    }
    if (ch === 91 /* [ */) {
      if (e !== v + 2 || t.charCodeAt(v + 1) !== 93) unsupported();
      const seq = new YAMLSeqClass(this.doc.schema);
      seq.flow = true;
      seq.range = [v, e, after];
      this.line++;
      return seq;
    }
    if (ch === 124 /* | */) {
      if (e !== v + 1) unsupported();
      return this.literal(v, indent);
    }
    // a negative number is the one plain scalar here that may start with an indicator
    if (indicators.has(ch) && !(ch === DASH && t.charCodeAt(v + 1) >= 48 && t.charCodeAt(v + 1) <= 57)) unsupported();
    for (let i = v; i < e; i++) {
      const c = t.charCodeAt(i);
      if (c === HASH && t.charCodeAt(i - 1) === SPACE) unsupported();
      if (c === COLON && (i + 1 === e || t.charCodeAt(i + 1) === SPACE)) unsupported();
    }
    if (t.charCodeAt(e - 1) === SPACE) unsupported();
    const s = this.plain(v, e, after, false);
    this.line++;
    return s;
  }

  /** A `|` block scalar (clip chomping, indentation from its first line). */
  private literal(at: number, indent: number): Scalar {
    const t = this.text;
    this.line++;
    if (this.line >= this.lineCount) unsupported();
    const ind = this.indentOf(this.line);
    if (ind <= indent) unsupported();
    const parts: string[] = [];
    while (this.line < this.lineCount) {
      // inside the literal a line starting with # is text; a comment after it is for the mapping
      const i = this.rawIndent(this.line);
      if (i < ind) break;
      parts.push(t.slice(this.lineStarts[this.line]! + ind, this.lineEnd(this.line)));
      this.line++;
    }
    const end = this.line < this.lineStarts.length ? this.lineStarts[this.line]! : t.length;
    if (t.charCodeAt(end - 1) !== NEWLINE) unsupported();
    const value = `${parts.join('\n')}\n`;
    const s = new ScalarClass(value);
    s.range = [at, end, end];
    s.source = value;
    s.type = 'BLOCK_LITERAL';
    return s;
  }

  private seq(indent: number): YAMLSeq {
    const t = this.text;
    const seq = new YAMLSeqClass(this.doc.schema);
    const start = this.lineStarts[this.line]! + indent;
    let end: number;
    for (;;) {
      const v = this.lineStarts[this.line]! + indent + 2;
      const e = this.lineEnd(this.line);
      if (v >= e) unsupported();
      // `- key: value` opens a mapping two columns in; anything else is a scalar
      let opensMap = false;
      for (let i = v; i < e; i++) {
        const c = t.charCodeAt(i);
        if (c === DQUOTE || c === SQUOTE || c === SPACE) break;
        if (c === COLON && (i + 1 === e || t.charCodeAt(i + 1) === SPACE)) {
          opensMap = true;
          break;
        }
      }
      const item = opensMap ? this.map(indent + 2, v) : this.inlineValue(v, e, indent);
      seq.items.push(item as never);
      end = item.range![2];
      if (this.line >= this.lineCount) break;
      const ind = this.indentOf(this.line);
      if (ind < indent) break;
      if (ind > indent || !this.isDash(this.lineStarts[this.line]! + indent)) unsupported();
    }
    seq.range = [start, end, end];
    return seq;
  }

  /** A plain scalar, resolved by the schema's tags exactly as eemeli/yaml's composer does. */
  private plain(s: number, e: number, end: number, atKey: boolean): Scalar {
    const source = this.text.slice(s, e);
    const first = source.charCodeAt(0);
    const surelyString = this.coreSchema && ((first >= 65 && first <= 90) || (first >= 97 && first <= 122)) && !wordsNotStrings.has(source);
    const tag = surelyString
      ? this.stringTag
      : (this.tags.find((t) => (t.default === true || (atKey && t.default === 'key')) && t.test?.test(source)) ?? this.stringTag);
    const resolved = tag.resolve(source, unsupported, this.doc.options);
    const scalar = isScalar(resolved) ? resolved : new ScalarClass(resolved);
    scalar.range = [s, e, end];
    scalar.source = source;
    scalar.type = 'PLAIN';
    if (tag.format) scalar.format = tag.format;
    return scalar;
  }
}
