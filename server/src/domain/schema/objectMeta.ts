import type { SchemaNode } from './schemaNode';

/**
 * CRDs declare `metadata` as a bare `type: object`; the API server validates it
 * as ObjectMeta. This is the part of ObjectMeta a manifest author writes, so
 * completion and hover have something to offer. Validation of metadata lives in
 * validation/metadata.ts (messages like the API server's).
 */
const stringMap: SchemaNode = Object.freeze({ type: 'object', additionalProperties: Object.freeze({ type: 'string' }) });

export const objectMetaSchema: SchemaNode = Object.freeze({
  type: 'object',
  description: 'Standard object metadata (Kubernetes ObjectMeta).',
  properties: Object.freeze({
    name: {
      type: 'string',
      description: 'Name of the object, unique within its namespace: a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters).',
    },
    generateName: { type: 'string', description: 'Prefix the API server uses to generate a unique name when `name` is not set.' },
    namespace: {
      type: 'string',
      description: 'Namespace of the object: a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters). Flux objects are namespaced.',
    },
    labels: {
      ...stringMap,
      description:
        'Key/value pairs to organise and select objects. Keys are qualified names (optional DNS prefix + "/" + name); values are at most 63 characters.',
    },
    annotations: {
      ...stringMap,
      description: 'Non-identifying key/value metadata. Keys are qualified names; values are arbitrary strings (total size at most 256 KiB).',
    },
    finalizers: { type: 'array', items: { type: 'string' }, description: 'Finalizers that must be removed before the object is deleted.' },
  } satisfies Record<string, SchemaNode>),
});
