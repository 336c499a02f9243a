/**
 * `helm-values/schema` diagnostics of a HelmRelease's `spec.values` against its chart's
 * schema, with the release's `valuesFrom` ConfigMaps and Secrets of the workspace as the
 * layers below (as helm-controller merges them: chart defaults, then each valuesFrom in order,
 * then spec.values).
 */
import { isScalar, type Scalar } from 'yaml';
import type { Diagnostic } from '../../diagnostics';
import type { Range } from '../../text/lineIndex';
import { checkChartValues } from '../../validation/chartValuesSchema';
import { isObject, type ChartValues } from '../../validation/chartValues';
import type { ObjectIndex } from '../../workspace/objectIndex';
import { pairOf } from '../../yaml/yamlNodes';
import type { ParsedDocument } from '../../yaml/parsedDocument';
import { readHelmRelease, type HelmReleaseValues, type ValuesFromRef } from './helmReleaseChart';
import { readValuesKey, valuesKeyOf, valuesMap } from './valuesFromKeys';

export function valuesDiagnostics(hr: HelmReleaseValues, chart: ChartValues, index: ObjectIndex | undefined): Diagnostic[] {
  if (!hr.values || !hr.valuesPair?.key?.range || !chart.hasSchema) return [];
  const layers = valuesFromLayers(hr, index);
  const k = hr.valuesPair.key.range;
  const anchor: Range = hr.doc.lineIndex.rangeOf(k[0], k[1]);
  return checkChartValues({ chart, target: { doc: hr.doc, node: hr.values, anchor }, below: layers.values, above: [], complete: layers.complete });
}

/** The values each `valuesFrom` item brings, read from the workspace; `complete` is false when one is not there. */
export function valuesFromLayers(
  hr: HelmReleaseValues,
  index: ObjectIndex | undefined,
  stopAt?: ValuesFromRef,
): { values: Array<Record<string, unknown>>; complete: boolean } {
  const values: Array<Record<string, unknown>> = [];
  let complete = true;
  for (const ref of hr.valuesFrom) {
    if (ref === stopAt) break;
    const optional = isScalar(pairOf(ref.item, 'optional')?.value) && (pairOf(ref.item, 'optional')!.value as Scalar).value === true;
    const read = readValuesKey(ref, hr.namespace, index);
    if (!read) {
      if (!optional) complete = false;
      continue;
    }
    if (ref.targetPath) {
      values.push(setPath(ref.targetPath, read.text));
      continue;
    }
    const data = read.doc.yaml.toJSON() as unknown;
    if (isObject(data)) values.push(data);
    else if (data !== null && data !== undefined) complete = false;
  }
  return { values, complete };
}

/** A `targetPath: a.b.c` value as a nested mapping (Helm's strvals; escaped dots and list indexes are not read). */
function setPath(path: string, value: string): Record<string, unknown> {
  const parts = path.split('.');
  const out: Record<string, unknown> = {};
  let node = out;
  parts.forEach((p, i) => {
    if (i === parts.length - 1) node[p] = value;
    else node = (node[p] = {}) as Record<string, unknown>;
  });
  return out;
}

/**
 * `helm-values/schema` diagnostics of a ConfigMap or Secret manifest whose key a HelmRelease of
 * the workspace reads through `valuesFrom`: the key's YAML is checked as that layer of the
 * release's values (earlier valuesFrom below it, later ones and spec.values above it), with
 * exact ranges inside a literal block (`values.yaml: |`), else on the key.
 */
export function valuesFromDiagnostics(
  manifest: ParsedDocument,
  index: ObjectIndex | undefined,
  chartOf: (hr: HelmReleaseValues, file: string) => ChartValues | undefined,
): Diagnostic[] {
  const { kind, name, namespace, apiVersion } = manifest.identity;
  if ((kind !== 'ConfigMap' && kind !== 'Secret') || apiVersion !== 'v1' || !name || !index) return [];
  const out: Diagnostic[] = [];
  for (const { hr, file } of valuesFromReaders(index).get(`${kind}/${name}`) ?? []) {
    hr.valuesFrom.forEach((ref, i) => {
      if (ref.kind !== kind || ref.name !== name || ref.targetPath || !namespaceMatches(hr.namespace, namespace)) return;
      const read = valuesKeyOf(manifest, kind, ref.valuesKey);
      if (!read) return;
      const chart = chartOf(hr, file);
      if (!chart?.hasSchema) return;
      const below = valuesFromLayers(hr, index, ref);
      const later = valuesFromLayers({ ...hr, valuesFrom: hr.valuesFrom.slice(i + 1) }, index);
      const own = hr.values?.toJSON() as unknown;
      const above = [...later.values, ...(isObject(own) ? [own] : [])];
      const node = valuesMap(read.doc);
      if (!node && read.doc.yaml.contents !== null) return; // not a mapping of values: Helm would refuse it; not ours to say
      const found = checkChartValues({
        chart,
        target: { doc: read.doc, node, anchor: read.keyRange },
        below: below.values,
        above,
        complete: below.complete && later.complete,
      });
      const who = `HelmRelease ${hr.namespace ? `${hr.namespace}/` : ''}${hr.name ?? '?'}`;
      for (const d of found)
        out.push({ ...d, range: read.inPlace ? d.range : read.keyRange, message: `${d.message}; ${who} reads this key through valuesFrom` });
    });
  }
  return out;
}

function namespaceMatches(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

/** The HelmReleases of the workspace that read this ConfigMap or Secret key through valuesFrom (whole-document keys, not targetPath). */
export function releasesReading(
  index: ObjectIndex | undefined,
  kind: 'ConfigMap' | 'Secret',
  name: string,
  namespace: string | undefined,
  key: string,
): Array<{ hr: HelmReleaseValues; file: string }> {
  if (!index) return [];
  return (valuesFromReaders(index).get(`${kind}/${name}`) ?? []).filter(
    ({ hr }) =>
      hr.valuesFrom.some((r) => r.kind === kind && r.name === name && r.valuesKey === key && !r.targetPath) && namespaceMatches(hr.namespace, namespace),
  );
}

type Readers = Map<string, Array<{ hr: HelmReleaseValues; file: string }>>;
const readersCache = new WeakMap<ObjectIndex, { version: string; readers: Readers }>();

/**
 * The HelmReleases of the workspace by the `Kind/name` of each ConfigMap or Secret they read
 * through valuesFrom; built once per state of the index, so a file of thousands of ConfigMaps
 * costs one lookup each.
 */
function valuesFromReaders(index: ObjectIndex): Readers {
  const version = `${index.version}:${index.referencesVersion}`;
  const cached = readersCache.get(index);
  if (cached?.version === version) return cached.readers;
  const readers: Readers = new Map();
  for (const obj of index.objectsOfKind('HelmRelease')) {
    const doc = index.documentOf(obj);
    const hr = doc ? readHelmRelease(doc) : undefined;
    if (!hr) continue;
    for (const key of new Set(hr.valuesFrom.map((r) => `${r.kind}/${r.name}`))) {
      const list = readers.get(key) ?? readers.set(key, []).get(key)!;
      list.push({ hr, file: obj.file });
    }
  }
  readersCache.set(index, { version, readers });
  return readers;
}
