import { type Node, type YAMLMap } from 'yaml';
import { isMap, isScalar } from '../yaml/nodeTests';
import { Severity, type Diagnostic } from '../diagnostics';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { describeScalar, mapEntries, valueKind } from './yamlValues';
import { closestMatch } from './suggestions';
import { rememberPerText } from '../text/rememberPerText';

/**
 * ObjectMeta checks the API server makes and CRD schemas do not carry: name and
 * namespace syntax, label/annotation keys and values. Messages follow
 * k8s.io/apimachinery's validation wording so they match what `kubectl apply` says.
 */

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** ObjectMeta's fields (k8s.io/apimachinery); strict field validation rejects any other. */
const objectMetaFields = new Set([
  'name',
  'generateName',
  'namespace',
  'labels',
  'annotations',
  'finalizers',
  'ownerReferences',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

export interface MetadataOptions {
  /** False for patches and fragments, which may leave the name out. */
  requireName: boolean;
}

export function validateMetadata(doc: ParsedDocument, root: YAMLMap, opts: MetadataOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  const add = (node: Node, code: string, message: string, fixTo?: string): void => {
    const r = node.range;
    const range = r ? doc.lineIndex.rangeOf(r[0], Math.max(r[1], r[0] + 1)) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    out.push({
      range,
      severity: Severity.Error,
      code,
      message,
      ...(fixTo ? { fixes: [{ title: `Rename to "${fixTo}"`, edits: [{ range, newText: fixTo }], preferred: true }] } : {}),
    });
  };
  const rootEntries = mapEntries(root, doc.yaml);
  const metaEntry = rootEntries.find((e) => e.key === 'metadata');
  const kindKey = rootEntries.find((e) => e.key === 'kind')?.keyNode ?? rootEntries[0]?.keyNode ?? (root as Node);
  if (!metaEntry || !metaEntry.value || !isMap(metaEntry.value)) {
    if (metaEntry?.value && !isMap(metaEntry.value)) add(metaEntry.value, 'metadata/type', `metadata: expected object, got ${valueKind(metaEntry.value)}`);
    else if (opts.requireName) add(metaEntry?.keyNode ?? kindKey, 'metadata/name-required', 'metadata.name is required: every Flux object needs a name');
    return out;
  }
  const meta = mapEntries(metaEntry.value, doc.yaml);
  const get = (k: string) => meta.find((e) => e.key === k);
  for (const e of meta) {
    if (objectMetaFields.has(e.key) || e.merged || e.key.includes('${')) continue;
    const near = closestMatch(e.key, objectMetaFields);
    add(e.keyNode, 'schema/unknown-field', `metadata.${e.key}: unknown field "${e.key}" in metadata${near ? ` (did you mean "${near}"?)` : ''}`, near);
  }

  const name = get('name');
  const generateName = get('generateName');
  if (!name || name.value === null) {
    if (opts.requireName && !generateName)
      add(name?.keyNode ?? metaEntry.keyNode, 'metadata/name-required', 'metadata.name is required: every Flux object needs a name');
  } else {
    checkDnsName(name.value, 'metadata.name', dns1123Subdomain, 253, 'DNS-1123 subdomain', add);
  }
  const ns = get('namespace');
  if (ns && ns.value !== null) checkDnsName(ns.value, 'metadata.namespace', dns1123Label, 63, 'DNS-1123 label', add);

  for (const field of ['labels', 'annotations'] as const) {
    const e = get(field);
    if (!e || e.value === null) continue;
    if (!isMap(e.value)) {
      add(e.value, 'metadata/type', `metadata.${field}: expected a map of strings, got ${valueKind(e.value)}`);
      continue;
    }
    for (const item of mapEntries(e.value, doc.yaml)) {
      const path = `metadata.${field}.${item.key}`;
      if (!item.key.includes('${')) {
        const keyProblem = knownKeyProblem(item.key);
        if (keyProblem)
          add(
            item.keyNode,
            `metadata/${field === 'labels' ? 'label' : 'annotation'}-key`,
            `metadata.${field} key '${item.key}' is not a qualified name: ${keyProblem}`,
          );
      }
      const kind = valueKind(item.value);
      if (kind === 'null') {
        add(
          item.value ?? item.keyNode,
          `metadata/${field === 'labels' ? 'label' : 'annotation'}-value`,
          `${path} is null: ${field} values must be strings (write "" for an empty value)`,
        );
        continue;
      }
      if (kind !== 'string') {
        add(
          item.value!,
          `metadata/${field === 'labels' ? 'label' : 'annotation'}-value`,
          `${path}: expected string, got ${kind}${isScalar(item.value) ? ` ${describeScalar(item.value, doc.text)}: quote the value` : ''}`,
        );
        continue;
      }
      if (field === 'labels') {
        const v = (item.value as { value: string }).value;
        if (v.includes('${')) continue;
        if (v.length > 63) add(item.value!, 'metadata/label-value', `${path}: label values must be no more than 63 characters (is ${v.length})`);
        else if (!labelValue.test(v))
          add(
            item.value!,
            'metadata/label-value',
            `${path}='${v}' is not a valid label value: use alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`,
          );
      }
    }
  }
  return out;
}

function checkDnsName(node: Node, path: string, re: RegExp, max: number, what: string, add: (n: Node, code: string, message: string) => void): void {
  if (!isScalar(node) || typeof node.value !== 'string') {
    add(node, 'metadata/type', `${path}: expected string, got ${valueKind(node)}`);
    return;
  }
  const v = node.value;
  if (v.includes('${')) return; // Flux substitutes before applying
  const code = path === 'metadata.name' ? 'metadata/name' : 'metadata/namespace';
  if (v.length > max) add(node, code, `${path} '${v}' must be no more than ${max} characters (is ${v.length})`);
  else if (!re.test(v)) {
    const rule =
      what === 'DNS-1123 label'
        ? "lowercase letters, digits and '-', starting and ending with a letter or digit"
        : "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
    add(node, code, `${path} '${v}' is not a ${what}: use ${rule}`);
  }
}

/** `qualifiedNameProblem`, remembered per key: a fleet file repeats the same few label keys in every object. */
const knownKeyProblem = rememberPerText((key) => qualifiedNameProblem(key), 512);

/** Why a label/annotation key is not a Kubernetes qualified name, or undefined when it is one. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "at most one '/' (an optional DNS prefix, then the name)";
  const name = parts[parts.length - 1]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (!prefix) return "the prefix before '/' must not be empty";
    if (prefix.length > 253) return 'the prefix must be no more than 253 characters';
    if (!dns1123Subdomain.test(prefix)) return `the prefix '${prefix}' must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')`;
  }
  if (!name) return 'the name part must not be empty';
  if (name.length > 63) return 'the name part must be no more than 63 characters';
  if (!qualifiedNamePart.test(name)) return "the name part must use alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
  return undefined;
}
