/**
 * Completion and hover inside a HelmRelease's `spec.values`, from what the chart says
 * (validation/chartValues): keys of the chart's schema and of its values.yaml (subcharts and
 * `global` included), enum values, the chart's default beside each; hover with description,
 * type and default. Without a schema, values.yaml alone (its comments as descriptions).
 */
import { stringify } from 'yaml';
import type { Range } from '../../text/lineIndex';
import type { ParsedDocument } from '../../yaml/parsedDocument';
import type { CompletionEntry } from '../completion';
import type { KeyContext, ValueContext } from '../cursorContext';
import {
  defaultAt,
  isObject,
  pathKey,
  schemaEnum,
  schemaKeyword,
  schemaProperties,
  schemasAt,
  schemaType,
  valueType,
  type ChartValues,
  type SchemaRef,
} from '../../validation/chartValues';

/** What is said about one value of the chart. */
export interface ValueFacts {
  path: Array<string | number>;
  schemas: SchemaRef[];
  hasDefault: boolean;
  defaultValue?: unknown;
  comment?: string;
}

export function valueFacts(chart: ChartValues, path: Array<string | number>): ValueFacts {
  const d = defaultAt(chart, path);
  const facts: ValueFacts = { path, schemas: schemasAt(chart, path), hasDefault: d.found };
  if (d.found) facts.defaultValue = d.value;
  const comment = chart.comments.get(pathKey(path.map((p) => (typeof p === 'number' ? 0 : p))));
  if (comment) facts.comment = comment;
  return facts;
}

/** True when the chart knows this value (its schema or its defaults). */
export function isKnown(facts: ValueFacts): boolean {
  return facts.hasDefault || facts.schemas.length > 0;
}

export function typeOf(facts: ValueFacts): string | undefined {
  return schemaType(facts.schemas) ?? (facts.hasDefault && facts.defaultValue !== null ? valueType(facts.defaultValue) : undefined);
}

function description(facts: ValueFacts): string | undefined {
  const d = schemaKeyword(facts.schemas, 'description') ?? schemaKeyword(facts.schemas, 'title');
  return typeof d === 'string' && d.trim() ? d.trim() : facts.comment;
}

/** A default as one line of YAML (`"1.2.3"`, `{}`), or a YAML block when it is a non-empty collection. */
export function formatDefault(v: unknown): { inline?: string; block?: string } {
  if (v === null || typeof v !== 'object') return { inline: JSON.stringify(v) };
  if (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0) return { inline: Array.isArray(v) ? '[]' : '{}' };
  const text = stringify(v, { lineWidth: 0 }).trimEnd();
  const lines = text.split('\n');
  return { block: lines.length > 20 ? `${lines.slice(0, 20).join('\n')}\n# …` : text };
}

/** Hover text for a value of the chart. */
export function valueMarkdown(name: string, facts: ValueFacts, source: string): string {
  const parts: string[] = [];
  const type = typeOf(facts);
  const enums = schemaEnum(facts.schemas);
  let head = `**${name}**${type ? `: \`${type}\`` : ''}`;
  const def = facts.hasDefault ? formatDefault(facts.defaultValue) : undefined;
  if (def?.inline !== undefined) head += ` · default \`${def.inline}\``;
  parts.push(head);
  const desc = description(facts);
  if (desc) parts.push(desc);
  const extra: string[] = [];
  if (enums.length) extra.push(`Allowed: ${enums.map((v) => `\`${JSON.stringify(v)}\``).join(', ')}`);
  for (const [kw, label] of [
    ['pattern', 'Pattern'],
    ['format', 'Format'],
    ['minimum', 'Minimum'],
    ['maximum', 'Maximum'],
  ] as const) {
    const v = schemaKeyword(facts.schemas, kw);
    if (v !== undefined) extra.push(`${label}: \`${String(v)}\``);
  }
  if (extra.length) parts.push(extra.join('  \n'));
  if (def?.block) parts.push(`Default:\n\n\`\`\`yaml\n${def.block}\n\`\`\``);
  parts.push(`_${source}_`);
  return parts.join('\n\n');
}

/** Where the help comes from, for the end of a hover: chart, version, reference, files. */
export function sourceLine(chart: ChartValues, reference: string): string {
  const files = [chart.hasSchema ? 'values.schema.json' : '', chart.hasValues ? 'values.yaml' : ''].filter(Boolean).join(' and ');
  return `From chart ${chart.name || '?'}${chart.version ? ` ${chart.version}` : ''} (${reference}), ${files}`;
}

// ---------- completion ----------

export function valueKeyCompletions(doc: ParsedDocument, chart: ChartValues, c: KeyContext, path: Array<string | number>, source: string): CompletionEntry[] {
  const here = valueFacts(chart, path);
  // The chart author's order: values.yaml first, then what only the schema names.
  const names = new Map<string, true>();
  if (here.hasDefault && isObject(here.defaultValue)) for (const k of Object.keys(here.defaultValue)) names.set(k, true);
  for (const k of schemaProperties(here.schemas).keys()) names.set(k, true);
  const required = new Set<string>();
  for (const r of here.schemas) {
    if (typeof r.schema === 'object' && Array.isArray(r.schema['required'])) for (const k of r.schema['required']) if (typeof k === 'string') required.add(k);
  }
  const lineText = doc.lineIndex.lineText(c.replaceRange.start.line);
  const lineIndent = lineText.length - lineText.trimStart().length;
  const base = ' '.repeat(Math.max(0, c.column - lineIndent));
  const out: CompletionEntry[] = [];
  let order = 0;
  for (const name of names.keys()) {
    order++;
    if (c.existingKeys.includes(name) && name !== c.prefix) continue;
    const facts = valueFacts(chart, [...path, name]);
    const type = typeOf(facts);
    const def = facts.hasDefault ? formatDefault(facts.defaultValue) : undefined;
    const detail = [
      type,
      def?.inline !== undefined ? `default ${def.inline}` : def?.block ? 'default below' : undefined,
      required.has(name) ? 'required' : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
    out.push({
      label: name,
      kind: 'property',
      ...(detail ? { detail } : {}),
      documentation: valueMarkdown(name, facts, source),
      insertText: keySnippet(name, facts, type, base),
      snippet: true,
      multiline: true,
      replaceRange: c.replaceRange,
      sortText: `${required.has(name) ? '0' : '1'}_${String(order).padStart(4, '0')}`,
    });
  }
  return out;
}

function keySnippet(name: string, facts: ValueFacts, type: string | undefined, base: string): string {
  const key = /^[\w.-]+$/.test(name) && !/^(true|false|null|~|[-+]?[0-9.]+)$/i.test(name) ? name : JSON.stringify(name);
  const v = facts.defaultValue;
  const isMap = type === 'object' || (facts.hasDefault && isObject(v));
  const isList = type === 'array' || (facts.hasDefault && Array.isArray(v));
  if (isMap) return `${key}:\n${base}  $0`;
  if (isList) return `${key}:\n${base}  - $0`;
  if (facts.hasDefault && v !== null && typeof v !== 'object') return `${key}: \${1:${escapeSnippet(scalarText(v))}}`;
  return `${key}: $0`;
}

export function valueCompletions(doc: ParsedDocument, chart: ChartValues, c: ValueContext, path: Array<string | number>): CompletionEntry[] {
  const facts = valueFacts(chart, path);
  const out: CompletionEntry[] = [];
  const range = c.replaceRange;
  const seen = new Set<string>();
  const add = (v: unknown, kind: CompletionEntry['kind'], isDefault: boolean, order: number) => {
    if (v !== null && typeof v === 'object') return;
    const text = scalarText(v);
    if (seen.has(text)) return;
    seen.add(text);
    out.push({
      label: text,
      kind,
      ...(isDefault ? { detail: 'chart default' } : {}),
      insertText: text,
      snippet: false,
      replaceRange: range,
      sortText: `${isDefault ? '0' : '1'}_${String(order).padStart(3, '0')}`,
      ...(isDefault ? { preselect: true } : {}),
    });
  };
  const enums = schemaEnum(facts.schemas);
  const def = facts.hasDefault ? facts.defaultValue : undefined;
  enums.forEach((v, i) => add(v, 'enum', facts.hasDefault && JSON.stringify(v) === JSON.stringify(def), i));
  if (!enums.length && typeOf(facts) === 'boolean') ['true', 'false'].forEach((v, i) => add(v === 'true', 'value', facts.hasDefault && String(def) === v, i));
  if (facts.hasDefault) add(def, 'value', true, 0);
  return spaced(doc, range, out);
}

/** Completion triggered right after `key:` must not glue the value to the colon. */
function spaced(doc: ParsedDocument, range: Range, entries: CompletionEntry[]): CompletionEntry[] {
  const start = range.start;
  if (start.character === 0 || doc.lineIndex.lineText(start.line)[start.character - 1] !== ':') return entries;
  return entries.map((e) => ({ ...e, insertText: ` ${e.insertText}`, filterText: e.filterText ?? e.label }));
}

/** A scalar as YAML text that reads back as the same value. */
export function scalarText(v: unknown): string {
  if (typeof v !== 'string') return String(v);
  if (
    v === '' ||
    /^(true|false|yes|no|on|off|null|~|[-+]?[0-9.]+(e[-+]?[0-9]+)?|0x[0-9a-f]+|0o[0-7]+)$/i.test(v) ||
    /^[\s\-?:,[\]{}#&*!|>'"%@`]|: | #|\s$/.test(v)
  ) {
    return JSON.stringify(v);
  }
  return v;
}

function escapeSnippet(s: string): string {
  return s.replace(/[$}\\]/g, (m) => `\\${m}`);
}
