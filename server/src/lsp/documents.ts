import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver/node';
import { YamlFile } from '../domain/yaml/yamlFile';
import type { ParsedDocument } from '../domain/yaml/parsedDocument';
import { fileKey } from './fileKeys';

/** An open editor buffer and its YAML model. */
export interface OpenDocument {
  /** The URI as the client spelled it (used when talking back to the client). */
  uri: string;
  /** Normalised key (see fileKeys.ts) used by the workspace index. */
  key: string;
  version: number;
  text: TextDocument;
  yaml: YamlFile;
  /**
   * LSP counts a lone `\r` as a line break and our line model does not, so such
   * files always take the full re-split path (their line numbers cannot be trusted).
   */
  loneCarriageReturns: boolean;
}

/**
 * The open documents. Each change re-splits the text (a line scan) and reuses
 * the parse of every YAML document whose text is unchanged; documents are
 * parsed lazily, so a change costs only the document it touched.
 */
export class OpenDocuments {
  private readonly byKey = new Map<string, OpenDocument>();

  /** `known`: parses of this file made already (see `YamlFile.parse`). */
  open(uri: string, version: number, content: string, known?: (key: string) => Iterable<ParsedDocument>): OpenDocument {
    const text = TextDocument.create(uri, 'yaml', version, content);
    const key = fileKey(uri);
    const yaml = YamlFile.parse(content, undefined, known?.(key));
    const doc: OpenDocument = { uri, key, version, text, yaml, loneCarriageReturns: hasLoneCarriageReturn(content) };
    this.byKey.set(doc.key, doc);
    return doc;
  }

  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): OpenDocument | undefined {
    const doc = this.get(uri);
    if (!doc) return undefined;
    const only = changes.length === 1 ? changes[0]! : undefined;
    TextDocument.update(doc.text, changes, version);
    doc.version = version;
    const text = doc.text.getText();
    if (only && 'range' in only && !doc.loneCarriageReturns && !only.text.includes('\r')) {
      // One ranged edit (what typing sends): re-split only the documents it touched.
      const { start, end } = (only as { range: { start: { line: number }; end: { line: number } } }).range;
      const lineDelta = countNewlines(only.text) - (end.line - start.line);
      doc.yaml = YamlFile.parseAfterEdit(text, doc.yaml, { startLine: start.line, endLine: end.line, lineDelta });
    } else {
      doc.yaml = YamlFile.parse(text, doc.yaml);
      doc.loneCarriageReturns = hasLoneCarriageReturn(text);
    }
    return doc;
  }

  close(uri: string): OpenDocument | undefined {
    const key = fileKey(uri);
    const doc = this.byKey.get(key);
    this.byKey.delete(key);
    return doc;
  }

  get(uri: string): OpenDocument | undefined {
    return this.byKey.get(fileKey(uri));
  }

  byIndexKey(key: string): OpenDocument | undefined {
    return this.byKey.get(key);
  }

  all(): OpenDocument[] {
    return [...this.byKey.values()];
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function hasLoneCarriageReturn(s: string): boolean {
  return /\r(?!\n)/.test(s);
}
