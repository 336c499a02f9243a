/**
 * Cuts a YAML stream into its documents without parsing it. A line that starts
 * with `---` followed by white space or the end of the line always begins a new
 * document (YAML forbids that marker at column 0 inside any node), so a cheap
 * line scan finds the same boundaries the parser would. Documents are then
 * parsed one by one, which lets an edit re-parse only the document it touched.
 */
export interface DocumentSlice {
  /** Position of the document in the file, from 0. */
  index: number;
  startOffset: number;
  endOffset: number;
  /** Line of `startOffset` in the whole file. */
  startLine: number;
  text: string;
}

const marker = /^---(?=[ \t\r\n]|$)/;

export function splitDocuments(text: string): DocumentSlice[] {
  const cuts: Array<{ offset: number; line: number }> = [{ offset: 0, line: 0 }];
  let line = 0;
  let lineStart = 0;
  const n = text.length;
  while (lineStart <= n) {
    if (lineStart > 0 && text.charCodeAt(lineStart) === 45 && text.startsWith('---', lineStart) && marker.test(text.slice(lineStart, lineStart + 4))) {
      cuts.push({ offset: lineStart, line });
    }
    const nl = text.indexOf('\n', lineStart);
    if (nl < 0) break;
    lineStart = nl + 1;
    line++;
  }
  const slices: DocumentSlice[] = [];
  for (let i = 0; i < cuts.length; i++) {
    const start = cuts[i]!.offset;
    const end = i + 1 < cuts.length ? cuts[i + 1]!.offset : n;
    slices.push({ index: i, startOffset: start, endOffset: end, startLine: cuts[i]!.line, text: text.slice(start, end) });
  }
  return slices;
}
