import type { SchemaNode } from '../schema/schemaNode';

/** A short type label such as `string`, `[]object`, `int-or-string`, `map[string]string`. */
export function typeLabel(node: SchemaNode): string {
  if (node.intOrString) return 'int-or-string';
  if (node.type === 'array') return `[]${node.items ? typeLabel(node.items) : 'any'}`;
  if (node.type === 'object' && !node.properties && node.additionalProperties && typeof node.additionalProperties === 'object') {
    return `map[string]${typeLabel(node.additionalProperties)}`;
  }
  return node.type ?? (node.preserveUnknownFields ? 'any' : 'object');
}

/**
 * Markdown for a field: its CRD description, then type, default, allowed values
 * and constraints, so completion items and hovers say the same thing.
 */
export function fieldMarkdown(name: string | undefined, node: SchemaNode, required: boolean): string {
  const parts: string[] = [];
  const head = name ? `**${name}**: \`${typeLabel(node)}\`` : `\`${typeLabel(node)}\``;
  parts.push(required ? `${head} (required)` : head);
  if (node.description) parts.push(node.description.trim());
  const facts: string[] = [];
  if (node.default !== undefined) facts.push(`Default: \`${JSON.stringify(node.default)}\``);
  if (node.enum?.length) facts.push(`Allowed: ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (node.pattern) facts.push(`Pattern: \`${node.pattern}\``);
  if (node.format) facts.push(`Format: \`${node.format}\``);
  const range = (label: string, min?: number, max?: number) => {
    if (min !== undefined && max !== undefined) facts.push(`${label}: ${min}–${max}`);
    else if (min !== undefined) facts.push(`${label}: at least ${min}`);
    else if (max !== undefined) facts.push(`${label}: at most ${max}`);
  };
  range('Length', node.minLength, node.maxLength);
  range('Items', node.minItems, node.maxItems);
  range('Value', node.minimum, node.maximum);
  if (facts.length) parts.push(facts.join('  \n'));
  return parts.join('\n\n');
}
