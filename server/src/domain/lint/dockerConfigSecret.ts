/**
 * `kubernetes.io/dockerconfigjson` Secrets, the registry credentials an
 * OCIRepository reads. The traps copied YAML falls into:
 * - plain JSON under `data` (data values are base64; the API server refuses
 *   the Secret with "illegal base64 data"): move it to `stringData` or encode it;
 * - no `.dockerconfigjson` key, or one that is not JSON (the API server's
 *   Secret validation refuses both);
 * - a config without `auths` (the legacy .dockercfg layout) or an `auth` that
 *   is not base64 of `user:password`: accepted, but no login ever works.
 * Messages name keys and registry hosts, never a value: this is a secret.
 */
import { isCollection, Scalar, type Node, type Pair, type YAMLMap } from 'yaml';
import { Severity, type Diagnostic, type Fix, type TextEdit } from '../diagnostics';
import type { Range } from '../text/lineIndex';
import type { Lint } from './lintTypes';
import { mapAt, pairOf, rangeOf, stringNodeAt } from '../yaml/yamlNodes';
import { isTemplated, type FluxObject } from '../flux/fluxObject';
import { scalarText } from '../yaml/yamlEdits';

const TYPE = 'kubernetes.io/dockerconfigjson';
const KEY = '.dockerconfigjson';

export const dockerConfigSecret: Lint = (obj) => {
  if (obj.apiVersion !== 'v1' || obj.kind !== 'Secret') return [];
  const root = obj.root;
  if (root.has('sops')) return []; // encrypted: values are not what the cluster gets
  const typeNode = stringNodeAt(root, 'type');
  if (typeNode?.value !== TYPE) return [];
  const data = mapAt(root, 'data');
  const stringData = mapAt(root, 'stringData');
  const inData = pairOf(data, KEY);
  const inStringData = pairOf(stringData, KEY);
  // No data at all is a placeholder something else fills (a copy annotation, a mutating webhook): only judge what is written.
  if (!inData && !inStringData) return keyPairs(data).length + keyPairs(stringData).length ? missingKey(obj, typeNode, data, stringData) : [];

  // The API server merges stringData over data, so stringData is what counts when both have the key.
  if (inStringData) {
    const node = inStringData.value as Node | null;
    if (!(node instanceof Scalar) || typeof node.value !== 'string') return [];
    if (isHidden(node.value)) return [];
    return checkConfig(node.value, rangeOf(obj.doc, node), 'stringData');
  }
  const node = inData!.value as Node | null;
  const range = rangeOf(obj.doc, node) ?? rangeOf(obj.doc, inData!.key);
  if (!range) return [];
  if (isCollection(node)) {
    return [
      {
        range,
        severity: Severity.Error,
        code: 'flux/dockerconfig-plain-json',
        message: `data[${KEY}] is a YAML mapping, but Secret data values are base64 strings: the API server rejects it. Write the docker config as a JSON string under stringData[${KEY}] (the API server encodes it).`,
      },
    ];
  }
  if (!(node instanceof Scalar) || typeof node.value !== 'string' || isHidden(node.value)) return [];
  const raw = node.value;
  if (raw.trim().startsWith('{')) {
    return [
      {
        range,
        severity: Severity.Error,
        code: 'flux/dockerconfig-plain-json',
        message:
          `data[${KEY}] holds plain JSON, but Secret data values must be base64: the API server rejects this Secret ("illegal base64 data"). ` +
          `Move the JSON to stringData (the API server encodes it for you), or base64-encode it.`,
        fixes: plainJsonFixes(obj, data!, inData!, node as Scalar<string>),
      },
    ];
  }
  const compact = raw.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    return [
      {
        range,
        severity: Severity.Error,
        code: 'flux/dockerconfig-invalid',
        message: `data[${KEY}] is not valid base64: the API server rejects this Secret. Put the docker config JSON under stringData instead, or encode it with 'base64 -w0 config.json'.`,
      },
    ];
  }
  return checkConfig(Buffer.from(compact, 'base64').toString('utf8'), range, 'data');
};

/** Values we cannot judge: SOPS ciphertext, or text a templating step replaces. */
function isHidden(value: string): boolean {
  return value.startsWith('ENC[') || isTemplated(value);
}

function missingKey(obj: FluxObject, typeNode: Scalar<string>, data: YAMLMap | undefined, stringData: YAMLMap | undefined): Diagnostic[] {
  const range = rangeOf(obj.doc, typeNode);
  if (!range) return [];
  const keys = [...keyPairs(data), ...keyPairs(stringData)];
  const found = keys.length ? ` It has ${keys.map((p) => `'${String(p.key.value)}'`).join(', ')}.` : '';
  // A single key that is clearly the docker config under another name is renamed.
  const only = keys.length === 1 && /docker|config\.json/i.test(String(keys[0]!.key.value)) ? keys[0]! : undefined;
  const keyRange = only ? rangeOf(obj.doc, only.key) : undefined;
  const fix: Fix | undefined = keyRange ? { title: `Rename the key to ${KEY}`, edits: [{ range: keyRange, newText: KEY }], preferred: true } : undefined;
  return [
    {
      range,
      severity: Severity.Error,
      code: 'flux/dockerconfig-missing-key',
      message: `A ${TYPE} Secret must have the key ${KEY} (base64 under data, or plain JSON under stringData): the API server rejects it without.${found}`,
      ...(fix ? { fixes: [fix] } : {}),
    },
  ];
}

function keyPairs(map: YAMLMap | undefined): Array<Pair<Scalar, unknown>> {
  return ((map?.items ?? []) as Array<Pair<unknown, unknown>>).filter((p): p is Pair<Scalar, unknown> => p.key instanceof Scalar);
}

function plainJsonFixes(obj: FluxObject, data: YAMLMap, pair: Pair, node: Scalar<string>): Fix[] {
  const fixes: Fix[] = [];
  const dataKey = pairOf(obj.root, 'data')?.key;
  const dataKeyRange = rangeOf(obj.doc, dataKey);
  // `data:` holding only this key becomes `stringData:`; with other (base64) keys only encoding is safe.
  if (data.items.length === 1 && data.items[0] === pair && !pairOf(obj.root, 'stringData') && dataKeyRange) {
    fixes.push({ title: 'Move it to stringData', edits: [{ range: dataKeyRange, newText: 'stringData' }], preferred: true });
  }
  const encoded = replaceValue(obj, node, Buffer.from(node.value, 'utf8').toString('base64'));
  if (encoded) fixes.push({ title: 'Encode it as base64', edits: [encoded] });
  return fixes;
}

/** Replaces a scalar's text by a plain one; a block scalar's trailing newline stays so the next key keeps its line. */
function replaceValue(obj: FluxObject, node: Scalar, value: string): TextEdit | undefined {
  const r = node.range;
  if (!r) return undefined;
  const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
  const newline = block && obj.doc.text[r[1] - 1] === '\n' ? '\n' : '';
  return { range: obj.doc.lineIndex.rangeOf(r[0], r[1]), newText: scalarText(value, block ? Scalar.PLAIN : node.type) + newline };
}

function checkConfig(text: string, range: Range | undefined, where: 'data' | 'stringData'): Diagnostic[] {
  if (!range) return [];
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    config = undefined; // the parser's message quotes the input: never shown
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    return [
      {
        range,
        severity: Severity.Error,
        code: 'flux/dockerconfig-invalid',
        message: `${where}[${KEY}] ${where === 'data' ? 'decodes to text that is' : 'is'} not a JSON object: the API server rejects a ${TYPE} Secret whose ${KEY} does not parse. Write {"auths": {"<registry>": {"auth": "<base64 of user:password>"}}}.`,
      },
    ];
  }
  const auths = (config as Record<string, unknown>)['auths'];
  if (!auths || typeof auths !== 'object' || Array.isArray(auths)) {
    const legacy = Object.keys(config).some((k) => k.includes('.') || k.includes(':') || k === 'localhost');
    return [
      {
        range,
        severity: Severity.Warning,
        code: 'flux/dockerconfig-no-auths',
        message:
          `The docker config in ${where}[${KEY}] has no "auths" object, so Flux finds no credentials in it and pulls anonymously (the registry then refuses with 401 or 404). ` +
          (legacy
            ? 'Registries at the top level are the old .dockercfg layout: wrap them in {"auths": {...}}.'
            : 'Write {"auths": {"<registry>": {"auth": "<base64 of user:password>"}}}.'),
      },
    ];
  }
  const out: Diagnostic[] = [];
  for (const [host, entry] of Object.entries(auths as Record<string, unknown>)) {
    const auth = entry && typeof entry === 'object' ? (entry as Record<string, unknown>)['auth'] : undefined;
    if (typeof auth !== 'string' || auth === '' || isTemplated(auth)) continue;
    const problem = authProblem(auth);
    if (!problem) continue;
    out.push({
      range,
      severity: Severity.Warning,
      code: 'flux/dockerconfig-auth',
      message:
        `auths["${host}"].auth ${problem}: it must be base64 of "username:password", or the registry refuses the login. ` +
        `Encode it with: printf '%s' 'username:password' | base64 -w0 (or give "username" and "password" instead of "auth").`,
    });
  }
  return out;
}

/** Why an `auth` value is not base64 of `user:password` (never quoting it), or undefined when it is. */
function authProblem(auth: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(auth) || auth.length % 4 !== 0) return 'is not base64';
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  if (!decoded.includes(':')) return "decodes to text without ':'";
  return undefined;
}
