import { splitDocuments, type DocumentSlice } from './documentSlices';
import { ParsedDocument } from './parsedDocument';
import { shiftRange, type Position, type Range } from '../text/lineIndex';

/** A document of a file: where it sits, and its (possibly reused) parse. */
export interface FileDocument {
  slice: DocumentSlice;
  /** Parsed on first access, so a huge file can be worked through in slices without one long blocking parse. */
  readonly parsed: ParsedDocument;
  /** True once `parsed` has been computed (no parse is triggered by asking). */
  readonly isParsed: boolean;
}

/** Holds one document's parse; shared between file versions while the document's text is unchanged. */
class ParseCell {
  constructor(
    private readonly text: string,
    private value?: ParsedDocument,
  ) {}
  get isParsed(): boolean {
    return this.value !== undefined;
  }
  get parsed(): ParsedDocument {
    return (this.value ??= new ParsedDocument(this.text));
  }
}

class LazyFileDocument implements FileDocument {
  constructor(
    readonly slice: DocumentSlice,
    readonly cell: ParseCell,
  ) {}
  get parsed(): ParsedDocument {
    return this.cell.parsed;
  }
  get isParsed(): boolean {
    return this.cell.isParsed;
  }
}

/**
 * A multi-document YAML file. Parsing a new version reuses the parse (and
 * everything memoised on it) of every document whose text did not change, so an
 * edit costs one document's work plus a line scan.
 */
export class YamlFile {
  private constructor(
    readonly text: string,
    readonly documents: FileDocument[],
  ) {}

  /**
   * `known`: parses of the same file made elsewhere (the workspace index's, or its scan under way),
   * reused for documents of identical text, so opening an indexed file parses nothing twice.
   */
  static parse(text: string, previous?: YamlFile, known?: Iterable<ParsedDocument>): YamlFile {
    const before = (previous?.documents ?? []) as LazyFileDocument[];
    // Most edits leave every other document where it was: compare in place first, and
    // only hash texts when documents were added, removed or reordered.
    let byText: Map<string, ParseCell> | undefined;
    let knownByText: Map<string, ParsedDocument> | undefined;
    const cellFor = (slice: DocumentSlice): ParseCell => {
      const same = before[slice.index];
      if (same && same.slice.text === slice.text) return same.cell;
      if (!byText) {
        byText = new Map();
        for (const d of before) byText.set(d.slice.text, d.cell);
      }
      const cell = byText.get(slice.text);
      if (cell) return cell;
      if (known && !knownByText) {
        knownByText = new Map();
        for (const p of known) knownByText.set(p.text, p);
      }
      return new ParseCell(slice.text, knownByText?.get(slice.text));
    };
    const documents = splitDocuments(text).map((slice) => new LazyFileDocument(slice, cellFor(slice)));
    return new YamlFile(text, documents);
  }

  /**
   * The file after one text edit that replaced the previous text's lines
   * `edit.startLine`..`edit.endLine` (inclusive, previous coordinates) and added
   * `edit.lineDelta` lines. Documents wholly before or after those lines keep their
   * slice text and parse without being compared or re-split; only the documents the
   * edit touched are cut again. Same result as `parse(text, previous)`, in a fraction
   * of the time on huge files.
   */
  static parseAfterEdit(text: string, previous: YamlFile, edit: { startLine: number; endLine: number; lineDelta: number }): YamlFile {
    const before = previous.documents as LazyFileDocument[];
    if (before.length === 0) return YamlFile.parse(text, previous);
    let a = previous.indexOfLine(edit.startLine);
    // An edit on a document's first line (its `---`) can merge it into the one before.
    if (a > 0 && before[a]!.slice.startLine === edit.startLine) a--;
    const b = previous.indexOfLine(edit.endLine);
    const offsetDelta = text.length - previous.text.length;
    const regionStart = before[a]!.slice.startOffset;
    const regionEnd = before[b]!.slice.endOffset + offsetDelta;
    if (regionEnd < regionStart || regionEnd > text.length) return YamlFile.parse(text, previous);
    const documents: LazyFileDocument[] = before.slice(0, a);
    const firstLine = before[a]!.slice.startLine;
    const touched = new Map<string, ParseCell>();
    for (let i = a; i <= b; i++) touched.set(before[i]!.slice.text, before[i]!.cell);
    for (const s of splitDocuments(text.slice(regionStart, regionEnd))) {
      const slice: DocumentSlice = {
        index: documents.length,
        startOffset: s.startOffset + regionStart,
        endOffset: s.endOffset + regionStart,
        startLine: s.startLine + firstLine,
        text: s.text,
      };
      documents.push(new LazyFileDocument(slice, touched.get(s.text) ?? new ParseCell(s.text)));
    }
    for (let i = b + 1; i < before.length; i++) {
      const old = before[i]!;
      const slice: DocumentSlice = {
        index: documents.length,
        startOffset: old.slice.startOffset + offsetDelta,
        endOffset: old.slice.endOffset + offsetDelta,
        startLine: old.slice.startLine + edit.lineDelta,
        text: old.slice.text,
      };
      documents.push(new LazyFileDocument(slice, old.cell));
    }
    return new YamlFile(text, documents);
  }

  /** Index of the document holding a line (the last document for lines past the end). */
  private indexOfLine(line: number): number {
    let lo = 0;
    let hi = this.documents.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.documents[mid]!.slice.startLine <= line) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The document containing a file position (the last one at a boundary). */
  documentAt(position: Position): FileDocument | undefined {
    let lo = 0;
    let hi = this.documents.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.documents[mid]!.slice.startLine <= position.line) lo = mid;
      else hi = mid - 1;
    }
    return this.documents[lo];
  }

  /** Converts a file position into the position inside its document. */
  static toDocumentPosition(doc: FileDocument, position: Position): Position {
    return { line: position.line - doc.slice.startLine, character: position.character };
  }

  /** Converts a range inside a document into a file range. */
  static toFileRange(doc: FileDocument, range: Range): Range {
    return shiftRange(range, doc.slice.startLine);
  }
}
