import { splitDocuments, type DocumentSlice } from './documentSlices';
import { ParsedDocument } from './parsedDocument';
import { containsPosition, shiftRange, type Position, type Range } from '../text/lineIndex';

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
  private value: ParsedDocument | undefined;
  constructor(private readonly text: string) {}
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

  static parse(text: string, previous?: YamlFile): YamlFile {
    const reuse = new Map<string, ParseCell>();
    if (previous) for (const d of previous.documents) reuse.set(d.slice.text, (d as LazyFileDocument).cell);
    const documents = splitDocuments(text).map(
      (slice) => new LazyFileDocument(slice, reuse.get(slice.text) ?? new ParseCell(slice.text)),
    );
    return new YamlFile(text, documents);
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

export { containsPosition };
