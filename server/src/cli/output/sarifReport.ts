import { Severity, type Diagnostic } from '../../domain/diagnostics';
import type { FileDiagnostics } from './fileDiagnostics';

/**
 * SARIF 2.1.0 for GitHub code scanning and other SARIF viewers: one rule per
 * diagnostic code, one result per diagnostic, 1-based regions, file URIs
 * relative to the working folder (`%SRCROOT%`).
 */
interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

interface SarifRun {
  tool: { driver: { name: string; informationUri: string; version: string; rules: SarifRule[] } };
  originalUriBaseIds: Record<string, { uri: string }>;
  results: SarifResult[];
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  defaultConfiguration: { level: SarifLevel };
}

type SarifLevel = 'error' | 'warning' | 'note';

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId?: string };
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
  }[];
}

function level(s: Severity): SarifLevel {
  return s === Severity.Error ? 'error' : s === Severity.Warning ? 'warning' : 'note';
}

const ruleDescriptions: Record<string, string> = {
  'yaml/syntax': 'The YAML cannot be parsed',
  'yaml/duplicate-key': 'A mapping repeats a key',
  'schema/api-version-not-served': 'The apiVersion is not served by this Flux release',
  'schema/unknown-kind': 'The kind does not exist in this Flux API group',
  'schema/type': 'A value has the wrong type for its field',
  'schema/enum': 'A value is not one of the allowed values',
  'schema/pattern': 'A value does not match the pattern of its field',
  'schema/required': 'A required field is missing',
  'schema/unknown-field': 'A field is not part of the schema',
  'schema/length': 'A string is too short or too long',
  'schema/range': 'A number is out of range',
  'schema/items': 'A list or map has too few or too many entries',
  'schema/cel': 'An x-kubernetes-validations (CEL) rule of the CRD fails',
  'schema/duplicate-item': 'A list keyed by a field (or a set) repeats an entry',
  'schema/null-pruned': 'A null value the API server drops',
  'schema/fragment': 'A partial object (patch or fragment)',
};

function encodeUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

export function formatSarif(results: readonly FileDiagnostics[], opts: { cwd: string; version: string }): string {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const sarifResults: SarifResult[] = [];
  const ruleFor = (d: Diagnostic): number => {
    let i = ruleIndex.get(d.code);
    if (i === undefined) {
      i = rules.length;
      ruleIndex.set(d.code, i);
      rules.push({
        id: d.code,
        name: d.code.replace(/[^A-Za-z0-9]+(.)/g, (_, c: string) => c.toUpperCase()),
        shortDescription: { text: ruleDescriptions[d.code] ?? d.code },
        defaultConfiguration: { level: level(d.severity) },
      });
    }
    return i;
  };
  for (const r of results) {
    const relative = !r.file.startsWith('/') && !r.file.startsWith('..');
    for (const d of r.diagnostics) {
      sarifResults.push({
        ruleId: d.code,
        ruleIndex: ruleFor(d),
        level: level(d.severity),
        message: { text: d.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: relative ? { uri: encodeUri(r.file), uriBaseId: '%SRCROOT%' } : { uri: 'file://' + encodeUri(r.file) },
              region: {
                startLine: d.range.start.line + 1,
                startColumn: d.range.start.character + 1,
                endLine: d.range.end.line + 1,
                endColumn: d.range.end.character + 1,
              },
            },
          },
        ],
      });
    }
  }
  const log: SarifLog = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'flux-oci', informationUri: 'https://fluxcd.io/flux/components/', version: opts.version, rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: 'file://' + encodeUri(opts.cwd.endsWith('/') ? opts.cwd : opts.cwd + '/') } },
        results: sarifResults,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
