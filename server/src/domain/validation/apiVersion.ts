import { Severity, type Diagnostic } from '../diagnostics';
import type { Range } from '../text/lineIndex';
import { splitApiVersion } from '../flux/apiGroups';
import { activeSchemaLabel, groupsOfKind, isDeprecatedVersion, kindsOfGroup, retiredVersion, servedVersionsOf } from '../schema/schemaRegistry';
import { removedIn } from '../schema/schemaSet';
import { closestMatch } from './suggestions';

/**
 * Is this apiVersion/kind something the active schemas serve (Flux 2.9 unless the
 * workspace, a setting or the cluster says otherwise)? A removed version is an
 * error (the API server answers "no matches for kind"), with a quick fix to the
 * served version; a served but deprecated one (Flux 2.7's v1beta2 sources) is a
 * warning; an unknown kind in a Flux group is a warning with a suggestion.
 */
export interface ApiVersionCheck {
  /** Set when the object can be validated against a shipped schema. */
  served: boolean;
  diagnostics: Diagnostic[];
}

export function checkApiVersion(apiVersion: string, kind: string, apiVersionRange: Range, kindRange: Range): ApiVersionCheck {
  const { group, version } = splitApiVersion(apiVersion);
  const versions = servedVersionsOf(group, kind);
  // "Flux 2.9", or the workspace's / cluster's CRDs
  const flux = activeSchemaLabel();
  if (!versions) {
    const moved = inOtherGroup(apiVersion, kind, apiVersionRange, flux);
    if (moved) return moved;
    const near = closestMatch(kind, kindsOfGroup(group));
    const known = kindsOfGroup(group).join(', ');
    return {
      served: false,
      diagnostics: [
        {
          range: kindRange,
          severity: Severity.Warning,
          code: 'schema/unknown-kind',
          message: `${group} has no kind "${kind}" in ${flux}${near ? ` (did you mean "${near}"?)` : ` (known kinds: ${known})`}`,
          ...(near ? { fixes: [{ title: `Change to "${near}"`, edits: [{ range: kindRange, newText: near }], preferred: true }] } : {}),
        },
      ],
    };
  }
  if (versions.includes(version))
    return isDeprecatedVersion(group, kind, version) ? deprecatedVersion(apiVersion, kind, apiVersionRange, flux) : { served: true, diagnostics: [] };
  const target = `${group}/${versions.find((v) => !isDeprecatedVersion(group, kind, v)) ?? versions[0]}`;
  const retired = retiredVersion(group, version, kind);
  const removed = removedIn(group, kind, version);
  const when = retired?.note ? ` (${retired.note})` : removed ? ` (removed in ${flux === `Flux ${removed}` ? 'this release' : `Flux ${removed}`})` : '';
  return {
    served: false,
    diagnostics: [
      {
        range: apiVersionRange,
        severity: Severity.Error,
        code: 'schema/api-version-not-served',
        message: `${apiVersion} ${kind} is not served by ${flux}${when}, so the API server rejects it: change apiVersion to ${target}`,
        deprecated: true,
        fixes: [{ title: `Change apiVersion to ${target}`, edits: [{ range: apiVersionRange, newText: target }], preferred: true }],
      },
    ],
  };
}

/**
 * A kind Flux serves, written under another Flux group (ArtifactGenerator as
 * `source.toolkit.fluxcd.io/v1beta1`, as in the Flux 2.9 announcement's example):
 * the API server has no such kind there, so this is an error, and the fix is the
 * group that serves it, not a kind that happens to be spelt alike.
 */
function inOtherGroup(apiVersion: string, kind: string, apiVersionRange: Range, flux: string): ApiVersionCheck | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const home = groupsOfKind(kind).find((g) => g.group !== group);
  if (!home) return undefined;
  const target = `${home.group}/${home.versions.includes(version) ? version : home.versions[0]}`;
  return {
    served: false,
    diagnostics: [
      {
        range: apiVersionRange,
        severity: Severity.Error,
        code: 'schema/wrong-api-group',
        message: `${kind} is not in ${group}: ${flux} serves it as ${home.group} (${home.versions.join(', ')}), so the API server rejects ${apiVersion}: change apiVersion to ${target}`,
        fixes: [{ title: `Change apiVersion to ${target}`, edits: [{ range: apiVersionRange, newText: target }], preferred: true }],
      },
    ],
  };
}

/**
 * A version the schemas still serve but mark deprecated (an older release's beta):
 * the API server accepts it with a warning, and the next Flux minor drops it.
 */
function deprecatedVersion(apiVersion: string, kind: string, apiVersionRange: Range, flux: string): ApiVersionCheck {
  const { group, version } = splitApiVersion(apiVersion);
  const current = servedVersionsOf(group, kind)?.find((v) => v !== version && !isDeprecatedVersion(group, kind, v));
  const removed = removedIn(group, kind, version);
  const target = current ? `${group}/${current}` : undefined;
  return {
    served: true,
    diagnostics: [
      {
        range: apiVersionRange,
        severity: Severity.Warning,
        code: 'schema/api-version-deprecated',
        message: `${apiVersion} ${kind} is deprecated in ${flux}${removed ? ` and removed in Flux ${removed}` : ''}${target ? `: change apiVersion to ${target}` : ''}`,
        deprecated: true,
        ...(target ? { fixes: [{ title: `Change apiVersion to ${target}`, edits: [{ range: apiVersionRange, newText: target }], preferred: true }] } : {}),
      },
    ],
  };
}
