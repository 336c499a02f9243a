import { Severity, type Diagnostic } from '../diagnostics';
import type { Range } from '../text/lineIndex';
import { splitApiVersion } from '../flux/apiGroups';
import { kindsOfGroup, retiredVersion, schemaFluxVersion, servedVersionsOf } from '../schema/schemaRegistry';
import { closestMatch } from './suggestions';

/**
 * Is this apiVersion/kind something Flux 2.9 serves? A removed version is an
 * error (the API server answers "no matches for kind"), with a quick fix to the
 * served version; an unknown kind in a Flux group is a warning with a suggestion.
 */
export interface ApiVersionCheck {
  /** Set when the object can be validated against a shipped schema. */
  served: boolean;
  diagnostics: Diagnostic[];
}

export function checkApiVersion(apiVersion: string, kind: string, apiVersionRange: Range, kindRange: Range): ApiVersionCheck {
  const { group, version } = splitApiVersion(apiVersion);
  const versions = servedVersionsOf(group, kind);
  const flux = schemaFluxVersion.replace(/^v(\d+\.\d+).*/, '$1');
  if (!versions) {
    const near = closestMatch(kind, kindsOfGroup(group));
    const known = kindsOfGroup(group).join(', ');
    return {
      served: false,
      diagnostics: [
        {
          range: kindRange,
          severity: Severity.Warning,
          code: 'schema/unknown-kind',
          message: `${group} has no kind "${kind}" in Flux ${flux}${near ? ` (did you mean "${near}"?)` : ` (known kinds: ${known})`}`,
          ...(near ? { fixes: [{ title: `Change to "${near}"`, edits: [{ range: kindRange, newText: near }], preferred: true }] } : {}),
        },
      ],
    };
  }
  if (versions.includes(version)) return { served: true, diagnostics: [] };
  const target = `${group}/${versions[0]}`;
  const retired = retiredVersion(group, version, kind);
  const when = retired?.note ? ` (${retired.note})` : '';
  return {
    served: false,
    diagnostics: [
      {
        range: apiVersionRange,
        severity: Severity.Error,
        code: 'schema/api-version-not-served',
        message: `${apiVersion} ${kind} is not served by Flux ${flux}${when}, so the API server rejects it: change apiVersion to ${target}`,
        deprecated: true,
        fixes: [{ title: `Change apiVersion to ${target}`, edits: [{ range: apiVersionRange, newText: target }], preferred: true }],
      },
    ],
  };
}
