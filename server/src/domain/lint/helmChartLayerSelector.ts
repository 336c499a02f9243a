/**
 * An OCIRepository holding a Helm chart needs `layerSelector` for the chart
 * content layer: without it Flux takes layer 0, and charts pushed with
 * provenance list the `.prov` layer first, failing with "requires
 * gzip-compressed body: gzip: invalid header" (fluxcd/source-controller#1932).
 * Reported as a warning when a HelmRelease consumes the OCIRepository through
 * chartRef, and as information when only its URL says "charts".
 */
import { Severity } from '../diagnostics';
import { MediaType } from '../oci/mediaTypes';

const HELM_CHART_CONTENT = MediaType.helmChartContent;
import { SOURCE_GROUP, type Lint, type LintContext } from './lintTypes';
import { pairOf, rangeOf, stringAt } from '../yaml/yamlNodes';
import { isTemplated, type FluxObject } from '../flux/fluxObject';
import { appendToMap } from '../yaml/yamlEdits';
import { splitOciUrl } from './ociRepositoryUrl';

export const helmChartLayerSelector: Lint = (obj, ctx) => {
  if (obj.group !== SOURCE_GROUP || obj.kind !== 'OCIRepository' || !obj.spec) return [];
  if (pairOf(obj.spec, 'layerSelector')) return [];
  const consumed = isConsumedAsChart(obj, ctx);
  const hinted = !consumed && urlNamesAChart(stringAt(obj.spec, 'url'));
  if (!consumed && !hinted) return [];
  const range = rangeOf(obj.doc, pairOf(obj.spec, 'url')?.value as never) ?? rangeOf(obj.doc, pairOf(obj.root, 'spec')?.key);
  if (!range) return [];
  const edit = appendToMap(obj.doc, obj.spec, { layerSelector: { mediaType: HELM_CHART_CONTENT, operation: 'copy' } });
  const why = consumed ? 'A HelmRelease uses this OCIRepository as its chart (chartRef)' : 'This URL looks like a Helm chart repository';
  return [
    {
      range,
      severity: consumed ? Severity.Warning : Severity.Information,
      code: 'flux/helm-chart-layer-selector',
      message:
        `${why}, but spec.layerSelector is not set, so Flux extracts whatever layer comes first. That works only while the chart is pushed without provenance: ` +
        `with provenance the .prov layer comes first and Flux fails with "gzip: invalid header". Select the chart layer: layerSelector {mediaType: ${HELM_CHART_CONTENT}, operation: copy}.`,
      ...(edit ? { fixes: [{ title: 'Add layerSelector for the Helm chart layer', edits: [edit], preferred: true }] } : {}),
    },
  ];
};

function isConsumedAsChart(obj: FluxObject, ctx: LintContext): boolean {
  const set = ctx.helmChartSources;
  if (!set || !obj.name) return false;
  return set.has(`${obj.namespace ?? ''}/${obj.name}`) || set.has(`/${obj.name}`) || (!obj.namespace && [...set].some((k) => k.endsWith(`/${obj.name}`)));
}

/** `oci://ghcr.io/org/charts/app`, `.../helm-charts/app`, `.../app-chart`: a path segment says chart. */
function urlNamesAChart(url: string | undefined): boolean {
  if (!url || isTemplated(url)) return false;
  const parts = splitOciUrl(url);
  if (!parts) return false;
  return parts.path.split('/').some((seg) => /^(charts?|helm-charts?|helm)$/.test(seg) || /-(charts?|helm)$/.test(seg));
}
