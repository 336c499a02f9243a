/**
 * Flux durations (interval, timeout, retryInterval...) must match the CRD
 * pattern: Go duration units, and for source, image-repository and provider
 * timeouts no `h` at all. The schema check says "does not match"; this lint
 * says what to write and rewrites it (`1h` -> `60m`, `1d` -> `24h`, `30` -> `30s`).
 * The fields are found through the CRD schema, so every duration field of every
 * Flux kind is covered, with the right pattern.
 */
import { type Node, type Pair, type Scalar } from 'yaml';
import { isMap, isScalar, isSeq } from '../yaml/nodeTests';
import { Severity, type Diagnostic } from '../diagnostics';
import { schemaForObject } from '../schema/schemaRegistry';
import type { SchemaNode } from '../schema/schemaNode';
import type { Lint } from './lintTypes';
import { rangeOf } from '../yaml/yamlNodes';
import { isTemplated, type FluxObject } from '../flux/fluxObject';
import { replaceScalar } from '../yaml/yamlEdits';

const WITH_HOURS = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
const NO_HOURS = '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$';

const WITH_HOURS_RE = new RegExp(WITH_HOURS);
const NO_HOURS_RE = new RegExp(NO_HOURS);

export const durations: Lint = (obj) => {
  const schema = schemaForObject(obj.apiVersion, obj.kind);
  if (!schema) return [];
  const out: Diagnostic[] = [];
  walk(obj, obj.root, schema, [], out);
  return out;
};

/** `path` is one array pushed and popped on the way down: the walk visits every node of every object. */
function walk(obj: FluxObject, node: Node | null, schema: SchemaNode, path: string[], out: Diagnostic[]): void {
  if (!node || !hasDurations(schema)) return;
  if (isMap(node)) {
    if (!schema.properties) return;
    for (const pair of node.items as Pair<unknown, unknown>[]) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const child = schema.properties[key];
      if (!child) continue;
      path.push(key);
      walk(obj, pair.value as Node | null, child, path, out);
      path.pop();
    }
  } else if (isSeq(node)) {
    if (!schema.items) return;
    for (let i = 0; i < node.items.length; i++) {
      path.push(String(i));
      walk(obj, node.items[i] as Node, schema.items, path, out);
      path.pop();
    }
  } else if (isScalar(node) && (schema.pattern === WITH_HOURS || schema.pattern === NO_HOURS)) {
    check(obj, node, schema.pattern === WITH_HOURS, path.join('.'), out);
  }
}

/** Whether a schema has a duration field anywhere below it (schemas are immutable: asked once each). */
const durationsBelow = new WeakMap<SchemaNode, boolean>();
function hasDurations(schema: SchemaNode): boolean {
  let known = durationsBelow.get(schema);
  if (known === undefined) {
    durationsBelow.set(schema, false); // a recursive schema is not a duration on its way back in
    known =
      schema.pattern === WITH_HOURS ||
      schema.pattern === NO_HOURS ||
      (schema.items !== undefined && hasDurations(schema.items)) ||
      Object.values(schema.properties ?? {}).some(hasDurations);
    durationsBelow.set(schema, known);
  }
  return known;
}

function check(obj: FluxObject, node: Scalar, hours: boolean, field: string, out: Diagnostic[]): void {
  const raw = node.value;
  if (raw === null || raw === undefined || typeof raw === 'boolean') return;
  const text = String(raw);
  if (typeof raw === 'string' && (isTemplated(raw) || raw === '')) return;
  const pattern = hours ? WITH_HOURS_RE : NO_HOURS_RE;
  if (typeof raw === 'string' && pattern.test(raw)) return;
  const range = rangeOf(obj.doc, node);
  if (!range) return;
  const ms = typeof raw === 'number' ? (Number.isFinite(raw) && raw >= 0 ? raw * 1000 : null) : parseLooseDuration(text);
  // A bare number is most likely seconds; keep its digits so the fix reads as the same value.
  const suggestion = typeof raw === 'number' ? (Number.isInteger(raw) && raw >= 0 ? `${raw}s` : null) : ms === null ? null : formatDuration(ms, hours);
  const allowed = hours ? 'ms, s, m or h' : 'ms, s or m (no hours)';
  const because = !hours && /h/i.test(text) && ms !== null ? ` ${field.split('.').pop()} here does not accept hours.` : '';
  // A quoted string keeps its quotes; a number becomes a string.
  const edit = suggestion ? replaceScalar(obj.doc, node, suggestion) : undefined;
  out.push({
    range,
    severity: Severity.Error,
    code: 'flux/duration-format',
    message:
      `${field} '${text}' is not a duration Flux accepts: write a Go duration using ${allowed}, like ${hours ? "'30s', '5m' or '1h30m'" : "'30s', '5m' or '90m'"}.${because}` +
      (suggestion ? ` Did you mean '${suggestion}'?` : ''),
    ...(edit ? { fixes: [{ title: `Change to '${suggestion}'`, edits: [edit], preferred: true }] } : {}),
  });
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** Reads what a person meant ("1h", "1 H", "2 days", "90sec", "30"); null when unsure. */
export function parseLooseDuration(s: string): number | null {
  const t = s.trim().toLowerCase().replace(/\s+/g, '');
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000; // a bare number: seconds
  const re = /(\d+(?:\.\d+)?)([a-z]+)/g;
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(re)) {
    if (m.index !== consumed) return null;
    const unit = UNIT_MS[m[2]!];
    if (unit === undefined) return null;
    total += Number(m[1]) * unit;
    consumed += m[0].length;
  }
  if (consumed !== t.length || consumed === 0) return null;
  return total;
}

/** Go-style duration text (`1h30m`, `90m`, `500ms`), with hours only when allowed. */
export function formatDuration(ms: number, hours: boolean): string | null {
  if (!Number.isInteger(ms) || ms < 0) return null;
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  if (hours && rest >= 3_600_000) {
    out += `${Math.floor(rest / 3_600_000)}h`;
    rest %= 3_600_000;
  }
  if (rest >= 60_000) {
    out += `${Math.floor(rest / 60_000)}m`;
    rest %= 60_000;
  }
  if (rest >= 1000) {
    out += `${Math.floor(rest / 1000)}s`;
    rest %= 1000;
  }
  if (rest > 0) out += `${rest}ms`;
  return out;
}
