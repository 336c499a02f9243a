import { splitDocuments, type DocumentSlice } from './documentSlices';
import { ParsedDocument } from './parsedDocument';
import { containsPosition, shiftRange, type Position, type Range } from '../text/lineIndex';

/** A document of a file: where it sits, and its (possibly reused) parse. */
export interface FileDocument {
  slice: DocumentSlice;
  parsed: ParsedDocument;
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
    const reuse = new Map<string, ParsedDocument>();
    if (previous) for (const d of previous.documents) reuse.set(d.slice.text, d.parsed);
    const documents = splitDocuments(text).map((slice) => ({
      slice,
      parsed: reuse.get(slice.text) ?? new ParsedDocument(slice.text),
    }));
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
