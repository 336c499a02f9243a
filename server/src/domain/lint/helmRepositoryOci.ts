/**
 * HelmRepository `type: oci` still works but is in maintenance mode (sc 1.8.0,
 * fluxcd/flux2#5696): it creates hidden HelmChart objects and gets no new
 * features. OCIRepository + HelmRelease `chartRef` is the supported path.
 */
import { Severity } from '../diagnostics';
import { SOURCE_GROUP, type Lint } from './lintTypes';
import { rangeOf, stringNodeAt } from '../yaml/yamlNodes';

export const helmRepositoryOci: Lint = (obj) => {
  if (obj.group !== SOURCE_GROUP || obj.kind !== 'HelmRepository') return [];
  const node = stringNodeAt(obj.spec, 'type');
  if (node?.value !== 'oci') return [];
  const range = rangeOf(obj.doc, node);
  if (!range) return [];
  return [
    {
      range,
      severity: Severity.Information,
      code: 'flux/helmrepository-oci',
      message:
        'HelmRepository type: oci is in maintenance mode in Flux: it keeps working but gets no new features. ' +
        'For OCI charts prefer an OCIRepository (with layerSelector for the chart layer and operation: copy) referenced from the HelmRelease through spec.chartRef.',
    },
  ];
};
