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
import { pairOf } from '../../lint/yamlAccess';
import type { HelmReleaseValues, ValuesFromRef } from './helmReleaseChart';
import { readValuesKey } from './valuesFromKeys';

export function valuesDiagnostics(hr: HelmReleaseValues, chart: ChartValues, index: ObjectIndex | undefined): Diagnostic[] {
  if (!hr.values || !hr.valuesPair?.key?.range || !chart.hasSchema) return [];
  const layers = valuesFromLayers(hr, index);
  const k = hr.valuesPair.key.range;
  const anchor: Range = hr.doc.lineIndex.rangeOf(k[0], k[1]);
  return checkChartValues({ chart, target: { doc: hr.doc, node: hr.values, anchor }, below: layers.values, above: [], complete: layers.complete });
}

/** The values each `valuesFrom` item brings, read from the workspace; `complete` is false when one is not there. */
export function valuesFromLayers(hr: HelmReleaseValues, index: ObjectIndex | undefined, stopAt?: ValuesFromRef): { values: Array<Record<string, unknown>>; complete: boolean } {
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
