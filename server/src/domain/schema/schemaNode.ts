/**
 * A node of a Flux CRD's OpenAPI v3 schema, normalised once from the shipped JSON
 * so that validation, completion and hover read plain fields instead of the
 * `x-kubernetes-*` spellings. Nodes are immutable and shared: keep no per-document
 * state on them.
 */
export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** A CEL rule from `x-kubernetes-validations`. */
export interface SchemaValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
}

export interface SchemaNode {
  type?: SchemaType;
  description?: string;
  enum?: readonly unknown[];
  default?: unknown;
  properties?: Readonly<Record<string, SchemaNode>>;
  required?: readonly string[];
  items?: SchemaNode;
  /** `true` = any value; a node = schema of every value of a map. */
  additionalProperties?: SchemaNode | boolean;
  pattern?: string;
  format?: string;
  nullable?: boolean;
  /** `x-kubernetes-int-or-string`: an integer or a string. */
  intOrString?: boolean;
  /** `x-kubernetes-preserve-unknown-fields`: any field is kept (e.g. HelmRelease values). */
  preserveUnknownFields?: boolean;
  /** `x-kubernetes-embedded-resource`. */
  embeddedResource?: boolean;
  /** `x-kubernetes-validations`. */
  validations?: readonly SchemaValidationRule[];
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: readonly string[];
  mapType?: 'atomic' | 'granular';
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  anyOf?: readonly SchemaNode[];
  allOf?: readonly SchemaNode[];
  oneOf?: readonly SchemaNode[];
}

/** The OpenAPI v3 JSON as it appears in a CRD (only the keys we read). */
export interface RawSchema {
  [key: string]: unknown;
}

const copied = [
  'type',
  'description',
  'enum',
  'default',
  'required',
  'pattern',
  'format',
  'nullable',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
] as const;

/** Converts a raw CRD schema into SchemaNodes (once per kind; results are frozen). */
export function normalizeSchema(raw: RawSchema): SchemaNode {
  const node: Record<string, unknown> = {};
  for (const k of copied) if (raw[k] !== undefined) node[k] = raw[k];
  if (raw['x-kubernetes-int-or-string'] === true) node['intOrString'] = true;
  if (raw['x-kubernetes-preserve-unknown-fields'] === true) node['preserveUnknownFields'] = true;
  if (raw['x-kubernetes-embedded-resource'] === true) node['embeddedResource'] = true;
  if (Array.isArray(raw['x-kubernetes-validations'])) node['validations'] = raw['x-kubernetes-validations'];
  if (raw['x-kubernetes-list-type'] !== undefined) node['listType'] = raw['x-kubernetes-list-type'];
  if (raw['x-kubernetes-list-map-keys'] !== undefined) node['listMapKeys'] = raw['x-kubernetes-list-map-keys'];
  if (raw['x-kubernetes-map-type'] !== undefined) node['mapType'] = raw['x-kubernetes-map-type'];
  const props = raw['properties'];
  if (props && typeof props === 'object') {
    const out: Record<string, SchemaNode> = {};
    for (const [k, v] of Object.entries(props as Record<string, RawSchema>)) out[k] = normalizeSchema(v);
    node['properties'] = Object.freeze(out);
  }
  if (raw['items'] && typeof raw['items'] === 'object') node['items'] = normalizeSchema(raw['items'] as RawSchema);
  const ap = raw['additionalProperties'];
  if (typeof ap === 'boolean') node['additionalProperties'] = ap;
  else if (ap && typeof ap === 'object') node['additionalProperties'] = normalizeSchema(ap as RawSchema);
  for (const k of ['anyOf', 'allOf', 'oneOf'] as const) {
    if (Array.isArray(raw[k])) node[k] = Object.freeze((raw[k] as RawSchema[]).map(normalizeSchema));
  }
  return Object.freeze(node) as SchemaNode;
}

/** The schema of a map key or property, following `additionalProperties`. */
export function propertySchema(node: SchemaNode, key: string): SchemaNode | undefined {
  const p = node.properties?.[key];
  if (p) return p;
  if (node.additionalProperties && typeof node.additionalProperties === 'object') return node.additionalProperties;
  return undefined;
}

/**
 * Whether a mapping under this node accepts keys the schema does not list: a
 * free-form map, `additionalProperties`, or preserve-unknown-fields. The
 * validator flags unknown keys exactly where this is false.
 */
export function acceptsUnknownKeys(node: SchemaNode): boolean {
  if (node.preserveUnknownFields === true) return true;
  if (node.additionalProperties !== undefined && node.additionalProperties !== false) return true;
  return node.properties === undefined;
}
