import { isScalar } from 'yaml';
import type { Position, Range } from '../text/lineIndex';
import type { ParsedDocument } from '../yaml/parsedDocument';
import { isFluxApiVersion, splitApiVersion } from '../flux/apiGroups';
import { isCheckedObject, knownKinds, schemaAtPath, schemaForObject, type KnownKind } from '../schema/schemaRegistry';
import type { SchemaNode } from '../schema/schemaNode';
import type { ObjectIndex } from '../workspace/objectIndex';
import { cursorContext, type KeyContext, type ValueContext } from './cursorContext';
import { fieldMarkdown, typeLabel } from './schemaDocs';
import { embeddedObjectAt } from '../flux/resourceSet';

export type CompletionEntryKind = 'property' | 'value' | 'enum' | 'snippet' | 'reference' | 'kind';

/** A completion in domain terms; the LSP layer maps it onto CompletionItem. */
export interface CompletionEntry {
  label: string;
  kind: CompletionEntryKind;
  detail?: string;
  documentation?: string;
  /** Text to insert; a snippet (`$1`, `${1|a,b|}`) when `snippet` is true. */
  insertText: string;
  snippet: boolean;
  /** Snippet lines after the first are indented relative to the current line. */
  multiline?: boolean;
  replaceRange: Range;
  sortText: string;
  filterText?: string;
  preselect?: boolean;
  deprecated?: boolean;
}

export interface CompletionContext {
  index?: ObjectIndex;
}

/**
 * Completion for Flux objects: keys (required first, snippets for the common
 * blocks), enum and boolean values, apiVersion/kind pairs, and names of objects
 * of the workspace for references. Documents of other kinds get nothing, so we
 * never compete with a generic YAML/Kubernetes extension.
 */
export function completion(doc: ParsedDocument, position: Position, ctx: CompletionContext = {}): CompletionEntry[] {
  // Inside a ResourceSet's spec.resources, complete the embedded object as if it stood alone.
  const embedded = embeddedObjectAt(doc, position);
  if (embedded) return completion(embedded.parsed, position, ctx);
  const c = cursorContext(doc, position);
  if (!c) return [];
  if (c.type === 'emptyDocument') return kindSkeletons(c.replaceRange);
  const id = doc.identity;
  if (c.type === 'value' && c.path.length === 1 && (c.key === 'apiVersion' || c.key === 'kind')) {
    return spaced(doc, c, apiVersionOrKindValues(c, id.apiVersion, id.kind));
  }
  if (c.type === 'key' && c.path.length === 0 && !id.apiVersion && !id.kind) return kindSkeletons(c.replaceRange);
  if (!id.apiVersion || !id.kind || !isCheckedObject(id.apiVersion, id.kind)) return [];
  const root = schemaForObject(id.apiVersion, id.kind);
  if (!root) return [];
  if (c.type === 'key') return keyCompletions(doc, c, root);
  return spaced(doc, c, valueCompletions(doc, c, root, ctx.index));
}

/** Completion triggered right after `key:` must not glue the value to the colon. */
function spaced(doc: ParsedDocument, c: ValueContext, entries: CompletionEntry[]): CompletionEntry[] {
  const start = c.replaceRange.start;
  if (start.character === 0 || doc.lineIndex.lineText(start.line)[start.character - 1] !== ':') return entries;
  return entries.map((e) => ({ ...e, insertText: ` ${e.insertText}`, filterText: e.filterText ?? e.label }));
}

// ---------- keys ----------

function keyCompletions(doc: ParsedDocument, c: KeyContext, root: SchemaNode): CompletionEntry[] {
  const node = c.path.length ? schemaAtPath(root, c.path) : root;
  if (!node) return [];
  if (!node.properties) return scalarItemValues(node, c.replaceRange);
  const lineIndent = leadingSpaces(doc.lineIndex.lineText(c.replaceRange.start.line));
  // Extra indentation of the key beyond the line's own (after `- `), so continuation lines line up.
  const base = ' '.repeat(Math.max(0, c.column - lineIndent));
  const out: CompletionEntry[] = [];
  for (const [name, child] of Object.entries(node.properties)) {
    if (c.existingKeys.includes(name) && name !== c.prefix) continue;
    if (c.path.length === 0 && name === 'status') continue;
    const required = node.required?.includes(name) === true;
    out.push({
      label: name,
      kind: 'property',
      detail: `${typeLabel(child)}${required ? ' (required)' : ''}`,
      documentation: fieldMarkdown(name, child, required),
      insertText: keySnippet(name, child, base, c.path),
      snippet: true,
      multiline: true,
      replaceRange: c.replaceRange,
      sortText: `${required ? '0' : '1'}_${name}`,
    });
  }
  return out;
}

/** Items of a sequence of scalars (`- |`): their allowed values. */
function scalarItemValues(node: SchemaNode, range: Range): CompletionEntry[] {
  return enumEntries(node, range);
}

/** Hand-written snippets for blocks people write all the time; CRD-derived for the rest. */
function keySnippet(name: string, node: SchemaNode, base: string, path: Array<string | number>): string {
  const i1 = `${base}  `;
  const i2 = `${base}    `;
  const parentKey = path[path.length - 1];
  if (name === 'ref' && node.properties?.['semver'] && node.properties?.['tag']) {
    return `ref:\n${i1}\${1|tag,semver,digest|}: $2`;
  }
  if (name === 'verify' && node.properties?.['matchOIDCIdentity']) {
    return `verify:\n${i1}provider: \${1|cosign,notation|}\n${i1}matchOIDCIdentity:\n${i1}  - issuer: \${2:^https://token.actions.githubusercontent.com\\$}\n${i1}    subject: \${3:^https://github.com/org/repo/.github/workflows/.*\\$}`;
  }
  if (name === 'layerSelector') {
    return `layerSelector:\n${i1}mediaType: \${1:application/vnd.cncf.helm.chart.content.v1.tar+gzip}\n${i1}operation: \${2|copy,extract|}`;
  }
  if ((name === 'sourceRef' || name === 'chartRef') && node.properties?.['kind']) {
    const kinds = node.properties['kind']!.enum?.map(String) ?? [];
    const kindChoice = kinds.length ? `\${1|${kinds.join(',')}|}` : '$1';
    return `${name}:\n${i1}kind: ${kindChoice}\n${i1}name: $2`;
  }
  if (parentKey === undefined && name === 'metadata') return `metadata:\n${i1}name: $1\n${i1}namespace: \${2:flux-system}`;
  if (node.enum?.length) return `${name}: \${1|${node.enum.map((v) => escapeChoice(String(v))).join(',')}|}`;
  if (node.type === 'boolean') return `${name}: \${1|true,false|}`;
  if (node.type === 'array') {
    const item = node.items;
    if (item?.properties) {
      const req = (item.required ?? []).filter((r) => item.properties?.[r]);
      if (req.length) return `${name}:\n${i1}- ${req.map((r, k) => `${k === 0 ? '' : `${i1}  `}${r}: $${k + 1}`).join('\n')}`;
    }
    return `${name}:\n${i1}- $1`;
  }
  if (node.type === 'object' || node.properties) {
    const req = (node.required ?? []).filter((r) => node.properties?.[r]);
    if (req.length) return `${name}:\n${req.map((r, k) => `${i1}${r}: ${placeholder(node.properties![r]!, k + 1, i2)}`).join('\n')}`;
    return `${name}:\n${i1}$1`;
  }
  if (node.default !== undefined && typeof node.default !== 'object') return `${name}: \${1:${escapeSnippet(String(node.default))}}`;
  return `${name}: $1`;
}

function placeholder(node: SchemaNode, n: number, _indent: string): string {
  if (node.enum?.length) return `\${${n}|${node.enum.map((v) => escapeChoice(String(v))).join(',')}|}`;
  if (node.type === 'boolean') return `\${${n}|true,false|}`;
  return `$${n}`;
}

function escapeSnippet(s: string): string {
  return s.replace(/[$}\\]/g, (m) => `\\${m}`);
}

function escapeChoice(s: string): string {
  return s.replace(/[$}\\,|]/g, (m) => `\\${m}`);
}

function leadingSpaces(line: string): number {
  return line.length - line.trimStart().length;
}

// ---------- values ----------

const referenceKeys = new Set(['sourceRef', 'chartRef', 'providerRef', 'imageRepositoryRef']);

function valueCompletions(doc: ParsedDocument, c: ValueContext, root: SchemaNode, index: ObjectIndex | undefined): CompletionEntry[] {
  const parentPath = c.path.slice(0, -1);
  const parentKey = parentPath[parentPath.length - 1];
  const grand = parentPath[parentPath.length - 2];
  if (c.key === 'name' && index) {
    let kinds: string[] | undefined;
    if (typeof parentKey === 'string' && referenceKeys.has(parentKey)) {
      const kindNode = doc.yaml.getIn([...parentPath, 'kind'], true);
      const kind = isScalar(kindNode) && typeof kindNode.value === 'string' && kindNode.value ? kindNode.value : undefined;
      if (kind) kinds = [kind];
      else if (parentKey === 'providerRef') kinds = ['Provider'];
      else if (parentKey === 'imageRepositoryRef') kinds = ['ImageRepository'];
      else kinds = (schemaAtPath(root, [...parentPath, 'kind'])?.enum ?? []).map(String);
    } else if (typeof parentKey === 'number' && grand === 'sources' && parentPath.length === 3 && doc.identity.kind === 'ArtifactGenerator') {
      // An ArtifactGenerator source: the kind written on the item, else any kind it may read.
      const kindNode = doc.yaml.getIn([...parentPath, 'kind'], true);
      const kind = isScalar(kindNode) && typeof kindNode.value === 'string' && kindNode.value ? kindNode.value : undefined;
      kinds = kind ? [kind] : (schemaAtPath(root, [...parentPath, 'kind'])?.enum ?? []).map(String);
    } else if (typeof parentKey === 'number' && grand === 'dependsOn') {
      kinds = [doc.identity.kind!];
    } else if (typeof parentKey === 'string' && (parentKey === 'secretRef' || parentKey.endsWith('SecretRef'))) {
      kinds = ['Secret'];
    }
    if (kinds) {
      const nsNode = doc.yaml.getIn([...parentPath, 'namespace'], true);
      const explicitNs = kinds[0] !== 'Secret' && isScalar(nsNode) && typeof nsNode.value === 'string' && nsNode.value ? nsNode.value : undefined;
      return referenceNames(index, kinds, explicitNs ?? doc.identity.namespace, c.replaceRange, doc.identity.name, doc.identity.kind);
    }
  }
  const node = schemaAtPath(root, c.path);
  if (!node) return [];
  return enumEntries(node, c.replaceRange);
}

function enumEntries(node: SchemaNode, range: Range): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  if (node.enum?.length) {
    node.enum.forEach((v, i) => {
      const s = String(v);
      out.push({
        label: s,
        kind: 'enum',
        insertText: yamlScalar(s),
        snippet: false,
        replaceRange: range,
        sortText: String(i).padStart(3, '0'),
        preselect: v === node.default,
        ...(v === node.default ? { detail: 'default' } : {}),
      });
    });
  } else if (node.type === 'boolean') {
    for (const v of ['true', 'false']) {
      out.push({
        label: v,
        kind: 'value',
        insertText: v,
        snippet: false,
        replaceRange: range,
        sortText: v === String(node.default) ? '0' : '1',
        ...(v === String(node.default) ? { detail: 'default' } : {}),
      });
    }
  } else if (node.default !== undefined && typeof node.default !== 'object') {
    const s = String(node.default);
    out.push({ label: s, kind: 'value', detail: 'default', insertText: yamlScalar(s), snippet: false, replaceRange: range, sortText: '0' });
  }
  return out;
}

/** Quotes a value that YAML would otherwise read as another type or syntax. */
function yamlScalar(s: string): string {
  if (s === '' || /^(true|false|null|~|[-+]?[0-9.]+(e[-+]?[0-9]+)?|0x[0-9a-f]+|0o[0-7]+)$/i.test(s) || /^[\s\-?:,[\]{}#&*!|>'"%@`]|: | #|\s$/.test(s)) {
    return JSON.stringify(s);
  }
  return s;
}

function referenceNames(
  index: ObjectIndex,
  kinds: string[],
  namespace: string | undefined,
  range: Range,
  selfName?: string,
  selfKind?: string,
): CompletionEntry[] {
  const seen = new Set<string>();
  const out: CompletionEntry[] = [];
  for (const kind of kinds) {
    for (const o of index.objectsOfKind(kind, namespace)) {
      if (o.kind === selfKind && o.name === selfName) continue; // an object never depends on itself
      const k = `${o.kind}/${o.name}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({
        label: o.name,
        kind: 'reference',
        detail: `${o.kind}${o.namespace ? ` in ${o.namespace}` : ''}`,
        documentation: `${o.kind} \`${o.name}\` declared in \`${o.file}\``,
        insertText: yamlScalar(o.name),
        snippet: false,
        replaceRange: range,
        sortText: o.name,
      });
    }
  }
  return out;
}

// ---------- apiVersion / kind ----------

function servedKinds(): KnownKind[] {
  return knownKinds().filter((k) => k.served);
}

function apiVersionOrKindValues(c: ValueContext, apiVersion: string | undefined, kind: string | undefined): CompletionEntry[] {
  const served = servedKinds();
  if (c.key === 'apiVersion') {
    // A non-Flux kind is someone else's document.
    if (kind && !served.some((k) => k.kind === kind) && !c.prefix) return [];
    const matching = kind && served.some((k) => k.kind === kind) ? served.filter((k) => k.kind === kind) : served;
    const seen = new Set<string>();
    const out: CompletionEntry[] = [];
    for (const k of matching) {
      if (seen.has(k.apiVersion)) continue;
      seen.add(k.apiVersion);
      out.push({
        label: k.apiVersion,
        kind: 'kind',
        detail: kind ? k.kind : 'Flux API',
        insertText: k.apiVersion,
        snippet: false,
        replaceRange: c.replaceRange,
        sortText: k.apiVersion,
      });
    }
    return out;
  }
  if (apiVersion && !isFluxApiVersion(apiVersion) && !served.some((k) => k.apiVersion === apiVersion)) return [];
  const group = apiVersion ? splitApiVersion(apiVersion).group : undefined;
  const matching = group ? served.filter((k) => k.group === group) : served;
  const seen = new Set<string>();
  const out: CompletionEntry[] = [];
  for (const k of matching) {
    if (seen.has(k.kind)) continue;
    seen.add(k.kind);
    const entry: CompletionEntry = {
      label: k.kind,
      kind: 'kind',
      detail: k.apiVersion,
      insertText: k.kind,
      snippet: false,
      replaceRange: c.replaceRange,
      sortText: k.kind,
    };
    if (k.description) entry.documentation = k.description;
    out.push(entry);
  }
  return out;
}

/** Whole-object skeletons for an empty document: apiVersion, kind, metadata and the required spec. */
function kindSkeletons(range: Range): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  for (const k of servedKinds()) {
    const root = schemaForObject(k.apiVersion, k.kind);
    const spec = root?.properties?.['spec'];
    let n = 3;
    const specLines: string[] = [];
    for (const r of spec?.required ?? []) {
      const child = spec?.properties?.[r];
      if (!child) continue;
      if (child.properties && child.required?.length) {
        specLines.push(`  ${r}:`);
        for (const rr of child.required) {
          const g = child.properties[rr];
          if (g) specLines.push(`    ${rr}: ${placeholder(g, n++, '')}`);
        }
      } else {
        specLines.push(`  ${r}: ${r === 'interval' ? `\${${n++}:10m}` : placeholder(child, n++, '')}`);
      }
    }
    const text = [
      `apiVersion: ${k.apiVersion}`,
      `kind: ${k.kind}`,
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      ...(spec ? ['spec:', ...specLines] : []),
    ].join('\n');
    const entry: CompletionEntry = {
      label: `${k.kind} (${k.apiVersion})`,
      kind: 'snippet',
      detail: `New ${k.kind}`,
      insertText: `${text}\n$0`,
      snippet: true,
      multiline: true,
      replaceRange: range,
      sortText: k.kind,
      filterText: `${k.kind} ${k.apiVersion}`,
    };
    if (k.description) entry.documentation = k.description;
    out.push(entry);
  }
  return out;
}
