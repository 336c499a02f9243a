/**
 * A Flux object as read from YAML (identity, group, the root and spec mappings), and which values
 * are written for a templating step rather than for Flux to read as they are.
 */
import { type YAMLMap } from 'yaml';
import { isMap } from '../yaml/nodeTests';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { mapAt } from '../yaml/yamlNodes';
import { splitApiVersion } from './apiGroups';
import { isResourceSetTemplate } from './resourceSetTemplates';

/** A Flux object as the lints see it. */
export interface FluxObject {
  doc: ParsedDocument;
  apiVersion: string;
  group: string;
  kind: string;
  name?: string;
  namespace?: string;
  root: YAMLMap;
  /** `spec`, when it is a mapping. */
  spec: YAMLMap | undefined;
}

export function readFluxObject(doc: ParsedDocument): FluxObject | undefined {
  const root = doc.root;
  if (!root || !isMap(root)) return undefined;
  const { apiVersion, kind, name, namespace } = doc.identity;
  if (!apiVersion || !kind) return undefined;
  const group = splitApiVersion(apiVersion).group;
  const obj: FluxObject = { doc, apiVersion, group, kind, root: root as YAMLMap, spec: mapAt(root as YAMLMap, 'spec') };
  if (name !== undefined) obj.name = name;
  if (namespace !== undefined) obj.namespace = namespace;
  return obj;
}

/** True for values written for a templating step (Flux postBuild substitution, Helm, ResourceSet). */
export function isTemplated(s: string): boolean {
  // `<<` alone is no template: `>=1.0.0 <<2` is a (bad) semver range to judge, `<< inputs.x >>` is not.
  return s.includes('${') || s.includes('{{') || isResourceSetTemplate(s) || /\{[A-Z_][A-Z0-9_]*\}/.test(s);
}
