/**
 * A HelmRelease as values help sees it: where `spec.values` is, which `valuesFrom` it reads,
 * and the OCI source its chart comes from, found in the workspace: `chartRef` → an
 * OCIRepository (its url, ref and layerSelector as written), or `chart.spec` → a HelmRepository
 * of `type: oci` (the chart is `<url>/<chart>`, its version a semver range, `*` when unset).
 * When the chart cannot be told, a reason says why (shown on hover).
 */
import { isMap, isScalar, isSeq, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { ParsedDocument } from '../../yaml/parsedDocument';
import { HELM_GROUP, SOURCE_GROUP } from '../../flux/apiGroups';
import { mapAt, pairOf, seqAt, stringAt, stringNodeAt } from '../../yaml/yamlNodes';
import { isTemplated, readFluxObject } from '../../flux/fluxObject';
import type { ObjectIndex } from '../../workspace/objectIndex';
import type { OciSourceSpec } from '../../resolution/ociSourceSpec';
import { MediaType } from '../../oci/mediaTypes';
import { providers, type Provider } from '../../oci/registry/auth/cloudProviders';
import { readOciSources } from '../liveResolution/ociSources';

export interface ValuesFromRef {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** Default `values.yaml`. */
  valuesKey: string;
  /** When set, the key's content is one value placed at this path (not a YAML document of values). */
  targetPath?: string;
  /** The `valuesFrom` item, for hover. */
  item: YAMLMap;
}

export interface HelmReleaseValues {
  doc: ParsedDocument;
  name?: string;
  namespace?: string;
  spec: YAMLMap;
  /** The `values` pair of spec (its key is what the hover on `values:` covers). */
  valuesPair?: Pair<Scalar, unknown>;
  /** `spec.values` when it is a mapping. */
  values?: YAMLMap;
  valuesFrom: ValuesFromRef[];
}

export type ChartSource =
  | {
      ok: true;
      spec: OciSourceSpec;
      via: string;
      /** `chart.spec.valuesFiles`: the chart's values come from these files instead of values.yaml. */
      valuesFiles?: string[];
    }
  | { ok: false; reason: string };

export function readHelmRelease(doc: ParsedDocument): HelmReleaseValues | undefined {
  return doc.memoize('helmValues/helmRelease', () => {
    const obj = readFluxObject(doc);
    if (!obj || obj.group !== HELM_GROUP || obj.kind !== 'HelmRelease' || !obj.spec) return undefined;
    const out: HelmReleaseValues = { doc, spec: obj.spec, valuesFrom: [] };
    if (obj.name !== undefined) out.name = obj.name;
    if (obj.namespace !== undefined) out.namespace = obj.namespace;
    const pair = pairOf(obj.spec, 'values');
    if (pair) out.valuesPair = pair;
    const values = mapAt(obj.spec, 'values');
    if (values) out.values = values;
    const from = pairOf(obj.spec, 'valuesFrom')?.value;
    if (isSeq(from)) {
      for (const item of from.items) {
        if (!isMap(item)) continue;
        const m = item as YAMLMap;
        const kind = stringAt(m, 'kind');
        const name = stringAt(m, 'name');
        if ((kind !== 'ConfigMap' && kind !== 'Secret') || !name || isTemplated(name)) continue;
        const ref: ValuesFromRef = { kind, name, valuesKey: stringAt(m, 'valuesKey') || 'values.yaml', item: m };
        const target = stringAt(m, 'targetPath');
        if (target) ref.targetPath = target;
        out.valuesFrom.push(ref);
      }
    }
    return out;
  });
}

/**
 * The OCI source of the release's chart, from the documents of the release's own file (`local`,
 * which may not be indexed yet while it is typed) and the workspace index. When several objects
 * answer to the name, the one in the release's own file (`file`, an index key) wins.
 */
export function chartSourceOf(hr: HelmReleaseValues, index: ObjectIndex | undefined, file?: string, local: () => ParsedDocument[] = () => []): ChartSource {
  const find = (kind: string, name: string, namespace: string | undefined): ParsedDocument[] => {
    const all = index?.find(kind, name, namespace) ?? [];
    const docs = (objs: typeof all) => objs.map((o) => index!.documentOf(o)).filter((d): d is ParsedDocument => !!d);
    const sameFile = docs(all.filter((o) => o.file === file));
    // The file being typed may not be indexed yet: read its own documents then.
    const here = sameFile.length
      ? []
      : local().filter(
          (d) =>
            d.identity.kind === kind &&
            d.identity.name === name &&
            (namespace === undefined || d.identity.namespace === undefined || d.identity.namespace === namespace),
        );
    return [...sameFile, ...here, ...docs(all.filter((o) => o.file !== file))];
  };
  const chartRef = mapAt(hr.spec, 'chartRef');
  if (chartRef) {
    const kind = stringAt(chartRef, 'kind');
    const name = stringAt(chartRef, 'name');
    if (!name || isTemplated(name)) return { ok: false, reason: 'spec.chartRef names no OCIRepository' };
    if (kind === 'HelmChart') {
      // A HelmChart of the workspace: its spec is what spec.chart.spec would be.
      const namespace = stringAt(chartRef, 'namespace') ?? hr.namespace;
      const label = `HelmChart ${namespace ? `${namespace}/` : ''}${name}`;
      const doc = find('HelmChart', name, namespace).find((d) => readFluxObject(d)?.group === SOURCE_GROUP);
      const spec = doc ? readFluxObject(doc)?.spec : undefined;
      if (!spec) return { ok: false, reason: `${label} is not in the workspace, so its chart is not known` };
      return fromChartSpec(spec, namespace, `${label}: spec`);
    }
    if (kind !== 'OCIRepository')
      return {
        ok: false,
        reason: `the chart comes from a ${kind ?? 'source'} (spec.chartRef.kind); values help reads charts of OCIRepositories and OCI HelmRepositories`,
      };
    const namespace = stringAt(chartRef, 'namespace') ?? hr.namespace;
    const label = `OCIRepository ${namespace ? `${namespace}/` : ''}${name}`;
    const found = find('OCIRepository', name, namespace);
    for (const doc of found) {
      const src = readOciSources(doc).find((s) => s.doc.identity.name === name && !s.origin);
      if (src) return { ok: true, spec: src.spec, via: label };
    }
    if (!found.length) return { ok: false, reason: `${label} is not in the workspace, so its chart is not known` };
    return { ok: false, reason: `the url or ref of ${label} is templated or not an oci:// URL` };
  }
  const chartSpec = mapAt(mapAt(hr.spec, 'chart'), 'spec');
  if (!chartSpec) return { ok: false, reason: 'the release names no chart (spec.chartRef or spec.chart)' };
  return fromChartSpec(chartSpec, hr.namespace, 'spec.chart.spec');

  /** A HelmChart spec (`chart`, `version`, `sourceRef`, `valuesFiles`), in a HelmRelease or a HelmChart. */
  function fromChartSpec(chartSpec: YAMLMap, ownNamespace: string | undefined, where: string): ChartSource {
    const chart = stringAt(chartSpec, 'chart');
    const sourceRef = mapAt(chartSpec, 'sourceRef');
    const kind = stringAt(sourceRef, 'kind');
    const name = stringAt(sourceRef, 'name');
    if (!chart || isTemplated(chart) || !name || isTemplated(name)) return { ok: false, reason: `${where} names no chart or source` };
    if (kind !== 'HelmRepository')
      return { ok: false, reason: `the chart comes from a ${kind ?? 'source'}; values help reads charts of OCIRepositories and OCI HelmRepositories` };
    const namespace = stringAt(sourceRef, 'namespace') ?? ownNamespace;
    const label = `HelmRepository ${namespace ? `${namespace}/` : ''}${name}`;
    const found = find('HelmRepository', name, namespace);
    if (!found.length) return { ok: false, reason: `${label} is not in the workspace, so its chart is not known` };
    for (const doc of found) {
      const repo = readFluxObject(doc);
      if (!repo || repo.group !== SOURCE_GROUP || !repo.spec) continue;
      const url = stringNodeAt(repo.spec, 'url')?.value.trim();
      if (stringAt(repo.spec, 'type') !== 'oci' || !url?.startsWith('oci://')) {
        return { ok: false, reason: `${label} serves charts over HTTP(S), not OCI; values help reads OCI charts only` };
      }
      if (isTemplated(url)) return { ok: false, reason: `the url of ${label} is templated` };
      const version = chartSpec.get('version', true);
      const range = isScalar(version) && version.value !== null && String(version.value).trim() !== '' ? String(version.value).trim() : '*';
      if (isTemplated(range)) return { ok: false, reason: `${where}.version is templated` };
      const spec: OciSourceSpec = { url: `${url.replace(/\/+$/, '')}/${chart}`, ref: { semver: range }, layerMediaType: MediaType.helmChartContent };
      const insecure = pairOf(repo.spec, 'insecure')?.value;
      if (isScalar(insecure) && insecure.value === true) spec.insecure = true;
      const provider = stringAt(repo.spec, 'provider');
      if (provider && (providers as readonly string[]).includes(provider)) spec.provider = provider as Provider;
      const files =
        seqAt(chartSpec, 'valuesFiles')?.items.flatMap((i) =>
          isScalar(i) && typeof i.value === 'string' && i.value.trim() && !isTemplated(i.value) ? [i.value.trim()] : [],
        ) ?? [];
      return { ok: true, spec, via: `${label}, chart ${chart}`, ...(files.length ? { valuesFiles: files } : {}) };
    }
    return { ok: false, reason: `${label} could not be read` };
  }
}

/** Where a position is relative to a release's values: inside `spec.values` (the path below it), on the `values` key, or elsewhere. */
export function valuesPathOf(docPath: ReadonlyArray<string | number>): Array<string | number> | undefined {
  if (docPath.length < 2 || docPath[0] !== 'spec' || docPath[1] !== 'values') return undefined;
  return docPath.slice(2);
}
