/**
 * LSP wiring of values help for HelmReleases whose chart comes from an OCI registry:
 * completion and hover inside `spec.values`, the chart's status on the `values` key, and
 * `helm-values/schema` diagnostics joined to each publish. Charts are fetched through the
 * live-resolution service (ChartFetcher), never waited on for more than a short budget; when
 * one arrives, diagnostics are recomputed. No chart, no help: the hover says why.
 */
import {
  MarkupKind,
  type CancellationToken,
  type CompletionItem,
  type CompletionList,
  type CompletionParams,
  type Hover,
  type HoverParams,
} from 'vscode-languageserver/node';
import type { Diagnostic } from '../domain/diagnostics';
import { shiftDiagnostic } from '../domain/analysis/index';
import { YamlFile, type FileDocument } from '../domain/yaml/yamlFile';
import type { ParsedDocument } from '../domain/yaml/parsedDocument';
import { embeddedObjectAt, embeddedObjects } from '../domain/flux/resourceSet';
import { shiftRange } from '../domain/text/lineIndex';
import { cursorContext, nodeAt } from '../domain/language/cursorContext';
import { ChartFetcher, type ChartState } from '../domain/resolution/chartFetcher';
import type { ResolutionService } from '../domain/resolution/resolutionService';
import { chartSourceOf, readHelmRelease, valuesPathOf, type ChartSource, type HelmReleaseValues } from '../domain/language/helmValues/helmReleaseChart';
import { isKnown, sourceLine, valueCompletions, valueFacts, valueKeyCompletions, valueMarkdown } from '../domain/language/helmValues/valuesHelp';
import { releasesReading, valuesDiagnostics, valuesFromDiagnostics } from '../domain/language/helmValues/valuesDiagnostics';
import { valuesBlockAt } from '../domain/language/helmValues/valuesFromKeys';
import type { ChartValues } from '../domain/validation/chartValues';
import { compileValuesSchema } from '../domain/validation/chartValuesSchema';
import type { ObjectIndex } from '../domain/workspace/objectIndex';
import type { OpenDocuments } from './documents';
import type { ServerSettings } from './settings';
import { toCompletionItem, toLspRange } from './convert';
import { settleWithin } from './settleWithin';

const hoverBudgetMs = 1_500;
const completionBudgetMs = 800;

export interface HelmValuesHost {
  documents: OpenDocuments;
  index: ObjectIndex;
  service: () => ResolutionService;
  settings: () => ServerSettings;
  /** A chart arrived: diagnostics of open files should be recomputed. */
  chartsChanged: () => void;
  log: (message: string) => void;
}

/** A place values are written, in one document's coordinates. */
interface ValuesPlace {
  /** The document whose lines describe the place (the release, or a valuesFrom block padded in place). */
  lines: ParsedDocument;
  docPos: { line: number; character: number };
  startLine: number;
  /** The values path of a document path, or undefined when it is not inside the values. */
  pathOf: (docPath: ReadonlyArray<string | number>) => Array<string | number> | undefined;
  source: ChartSource;
  /** Set for a valuesFrom block: the release that reads it. */
  reader?: string;
}

interface Located {
  key: string;
  /** The documents of the file (an OCIRepository beside the release counts before the index has it). */
  local: () => ParsedDocument[];
  fileDoc: FileDocument;
  parsed: ParsedDocument;
  hr: HelmReleaseValues;
  docPos: { line: number; character: number };
}

export class HelmValues {
  private fetcher: ChartFetcher | undefined;

  constructor(private readonly host: HelmValuesHost) {}

  private get charts(): ChartFetcher {
    if (!this.fetcher) {
      this.fetcher = new ChartFetcher(this.host.service());
      this.fetcher.onLoaded(() => this.host.chartsChanged());
    }
    return this.fetcher;
  }

  refresh(): void {
    this.fetcher?.refresh();
  }

  /** Completion inside `spec.values` (or a valuesFrom block); undefined when the position is not there (other providers answer). */
  async completion(p: CompletionParams, token: CancellationToken): Promise<CompletionItem[] | CompletionList | undefined> {
    try {
      const at = this.locateValues(p.textDocument.uri, p.position);
      if (!at) return undefined;
      const ctx = cursorContext(at.lines, at.docPos);
      if (!ctx || ctx.type === 'emptyDocument') return undefined;
      const path = at.pathOf(ctx.path);
      if (!path || (ctx.type === 'value' && path.length === 0)) return undefined;
      const state = await this.state(at.source, completionBudgetMs, token);
      if (state.state === 'resolving') return { isIncomplete: true, items: [] };
      if (state.state !== 'ready') return [];
      const from = sourceLine(state.chart, state.reference);
      const entries = ctx.type === 'key' ? valueKeyCompletions(at.lines, state.chart, ctx, path, from) : valueCompletions(at.lines, state.chart, ctx, path);
      return entries.map((e) => toCompletionItem(e, at.startLine));
    } catch (e) {
      this.host.log(`values completion failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return undefined;
    }
  }

  /** Hover inside `spec.values` or a valuesFrom block (the chart's word on the value), and on the `values` key (where help comes from, or why there is none). */
  async hover(p: HoverParams, token: CancellationToken, previous: Hover | null): Promise<Hover | null> {
    try {
      const at = this.locateValues(p.textDocument.uri, p.position);
      if (!at) return previous;
      const node = nodeAt(at.lines, at.docPos);
      const path = node ? at.pathOf(node.path) : undefined;
      if (!node || !path || (path.length === 0 && !(node.onKey && at.reader === undefined))) return previous;
      const state = await this.state(at.source, hoverBudgetMs, token);
      let text: string;
      if (path.length === 0 || state.state !== 'ready') text = statusMarkdown(at.source, state);
      else {
        const facts = valueFacts(state.chart, path);
        const name = path.filter((s) => typeof s === 'string').join('.') || String(path[path.length - 1]);
        const from = `${sourceLine(state.chart, state.reference)}${at.reader ? `, for ${at.reader}` : ''}`;
        text = isKnown(facts)
          ? valueMarkdown(name, facts, from)
          : `**${name}** is not a value chart ${state.chart.name} declares (neither in its values.schema.json nor in its values.yaml)\n\n_${from}_`;
      }
      const before = previous && typeof previous.contents === 'object' && 'value' in previous.contents ? previous.contents.value : '';
      const value = before && path.length === 0 ? `${before}\n\n---\n\n${text}` : text;
      return { contents: { kind: MarkupKind.Markdown, value }, range: previous?.range ?? toLspRange(shiftRange(node.range, at.startLine)) };
    } catch (e) {
      this.host.log(`values hover failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return previous;
    }
  }

  /**
   * Where values are written at a position: a HelmRelease's `spec.values` (paths below it), or
   * the literal block of a ConfigMap/Secret key a HelmRelease of the workspace reads through
   * valuesFrom (paths from the block's top).
   */
  private locateValues(uri: string, position: { line: number; character: number }): ValuesPlace | undefined {
    const at = this.locate(uri, position);
    if (at) {
      return {
        lines: at.parsed,
        docPos: at.docPos,
        startLine: at.fileDoc.slice.startLine,
        pathOf: valuesPathOf,
        source: chartSourceOf(at.hr, this.host.index, at.key, at.local),
      };
    }
    const doc = this.host.documents.get(uri);
    const fileDoc = doc?.yaml.documentAt(position);
    if (!doc || !fileDoc) return undefined;
    const docPos = YamlFile.toDocumentPosition(fileDoc, position);
    const block = valuesBlockAt(fileDoc.parsed, docPos);
    if (!block) return undefined;
    const readers = releasesReading(this.host.index, block.kind, block.name, block.namespace, block.key);
    if (!readers.length) return undefined;
    const sources = readers.map((r) => ({ r, source: chartSourceOf(r.hr, this.host.index, r.file) }));
    const { r, source } = sources.find((x) => x.source.ok) ?? sources[0]!;
    const reader = `HelmRelease ${r.hr.namespace ? `${r.hr.namespace}/` : ''}${r.hr.name ?? '?'} (valuesFrom)`;
    return { lines: block.doc, docPos, startLine: fileDoc.slice.startLine, pathOf: (p) => [...p], source, reader };
  }

  /** `helm-values/schema` diagnostics of an open file, from the charts known now (asks for missing ones in the background). */
  diagnostics(uri: string): Diagnostic[] {
    const out: Diagnostic[] = [];
    try {
      // Offline no chart is known, so nothing below could report: skip reading every release's source (thousands on a huge file).
      if (!this.host.settings().validation.enable || this.offline()) return out;
      const doc = this.host.documents.get(uri);
      if (!doc) return out;
      const chartOf = (hr: HelmReleaseValues, file: string): ChartValues | undefined => {
        const source = chartSourceOf(hr, this.host.index, file);
        if (!source.ok || this.offline()) return undefined;
        const state = this.charts.peek(source.spec, source.valuesFiles);
        if (!state) this.charts.request(source.spec, source.valuesFiles).catch(() => undefined);
        return state?.state === 'ready' ? state.chart : undefined;
      };
      for (const d of doc.yaml.documents) {
        if (!d.isParsed) continue;
        for (const parsed of [d.parsed, ...embeddedObjects(d.parsed).map((e) => e.parsed)]) {
          const hr = readHelmRelease(parsed);
          const chart = hr && hr.values ? chartOf(hr, doc.key) : undefined;
          if (hr && chart) for (const diag of valuesDiagnostics(hr, chart, this.host.index)) out.push(shiftDiagnostic(diag, d.slice.startLine));
        }
        // A ConfigMap or Secret a release reads through valuesFrom is checked as that layer of its values.
        for (const diag of valuesFromDiagnostics(d.parsed, this.host.index, chartOf)) out.push(shiftDiagnostic(diag, d.slice.startLine));
      }
    } catch (e) {
      this.host.log(`values diagnostics failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    return out;
  }

  private offline(): boolean {
    return this.host.settings().registry.offline || this.host.service().offline;
  }

  private async state(source: ChartSource, budgetMs: number, token: CancellationToken): Promise<ChartState> {
    if (!source.ok) return { state: 'unavailable', reason: source.reason };
    if (this.offline()) return { state: 'unavailable', reason: 'registry lookups are turned off (flux-oci.registry.offline)', offline: true };
    const known = this.charts.peek(source.spec, source.valuesFiles);
    if (known && known.state !== 'resolving') return known;
    return (await settleWithin(this.charts.request(source.spec, source.valuesFiles), budgetMs, token)) ?? { state: 'resolving' };
  }

  private locate(uri: string, position: { line: number; character: number }): Located | undefined {
    const doc = this.host.documents.get(uri);
    const fileDoc = doc?.yaml.documentAt(position);
    if (!fileDoc) return undefined;
    const docPos = YamlFile.toDocumentPosition(fileDoc, position);
    const parsed = embeddedObjectAt(fileDoc.parsed, docPos)?.parsed ?? fileDoc.parsed;
    const hr = readHelmRelease(parsed);
    return hr ? { key: doc!.key, local: () => doc!.yaml.documents.map((d) => d.parsed), fileDoc, parsed, hr, docPos } : undefined;
  }
}

function statusMarkdown(source: ChartSource, state: ChartState): string {
  if (state.state === 'ready') {
    const c = state.chart;
    const subs = c.subcharts.length
      ? `  \nSubcharts: ${c.subcharts.map((s) => (s.key === s.name ? `\`${s.key}\`` : `\`${s.key}\` (${s.name})`)).join(', ')}`
      : '';
    // A schema ajv cannot compile (a remote $ref, a broken keyword) still documents values but validates nothing.
    const unusable = c.schemas.flatMap((x) => {
      const compiled = compileValuesSchema(x.schema);
      return 'error' in compiled ? [`values.schema.json of ${x.chart} is not used for validation: ${compiled.error}`] : [];
    });
    const problems = [...c.problems, ...unusable].length ? `  \n${[...c.problems, ...unusable].join('; ')}` : '';
    const valuesFiles = source.ok && source.valuesFiles ? `  \nDefaults from valuesFiles: ${source.valuesFiles.map((f) => `\`${f}\``).join(', ')}` : '';
    return `**Values help** from chart ${c.name}${c.version ? ` ${c.version}` : ''} via ${source.ok ? source.via : '?'}${valuesFiles}  \n\`${state.reference}\`, ${c.hasSchema ? 'values.schema.json (validated)' : 'no values.schema.json (completion and hover from values.yaml)'}${subs}${problems}`;
  }
  if (state.state === 'resolving') return `**Values help**: fetching the chart${source.ok ? ` of ${source.via}` : ''}…`;
  return `**No values help**: ${state.reason}`;
}
