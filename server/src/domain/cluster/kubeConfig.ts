/**
 * Cluster access from the kubeconfig, the way kubectl and flux find it: --kubeconfig,
 * else $KUBECONFIG (a list of files), else ~/.kube/config; --context picks a context;
 * the namespace is --namespace, else the context's, else "default". Authentication
 * (client certificates, tokens, exec credential plugins, OIDC) is @kubernetes/client-node's
 * KubeConfig: a well-kept implementation of the same rules client-go follows.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
// The module that defines it, not the package's index: the index also loads the generated API
// clients and ~800 model classes, which nothing here uses (see scripts/build.mjs, kubeConfigAlone).
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { isMap, isScalar, parseDocument } from 'yaml';

export interface ClusterAccessOptions {
  /** A kubeconfig file (wins over $KUBECONFIG). */
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** Environment to read KUBECONFIG/HOME from (the CLI passes its own). */
  env?: NodeJS.ProcessEnv;
}

export interface ClusterAccess {
  config: KubeConfig;
  context: string;
  /** The API server URL. */
  server: string;
  /** The namespace commands use when none is given. */
  namespace: string;
}

export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConfigError';
  }
}

/** The kubeconfig files in the order kubectl reads them: --kubeconfig, else $KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigFiles(options: Pick<ClusterAccessOptions, 'kubeconfig' | 'env'> = {}): string[] {
  const env = options.env ?? process.env;
  if (options.kubeconfig) return [options.kubeconfig];
  const listed = (env['KUBECONFIG'] ?? '').split(path.delimiter).filter(Boolean);
  return listed.length > 0 ? listed : [path.join(env['HOME'] || homedir(), '.kube', 'config')];
}

/** The merged kubeconfig of every present file; throws KubeConfigError when none is there or one cannot be read. */
function loadMerged(options: ClusterAccessOptions): { config: KubeConfig; present: string[] } {
  const files = kubeconfigFiles(options);
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) {
    throw new KubeConfigError(`no kubeconfig found (looked at ${files.join(', ')}): pass --kubeconfig FILE or set KUBECONFIG`);
  }
  const config = new KubeConfig();
  try {
    // Several files merge like kubectl: the first file that sets the current context wins, and
    // so does the first cluster, user or context of a name (client-node's merge throws on those).
    config.loadFromFile(present[0]!);
    for (const f of present.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(f);
      if (!config.getCurrentContext() && more.getCurrentContext()) config.setCurrentContext(more.getCurrentContext());
      for (const c of more.getClusters()) if (!config.getCluster(c.name)) config.addCluster(c);
      for (const u of more.getUsers()) if (!config.getUser(u.name)) config.addUser(u);
      for (const c of more.getContexts()) if (!config.getContextObject(c.name)) config.addContext(c);
    }
  } catch (err) {
    throw new KubeConfigError(`cannot read kubeconfig ${present.join(', ')}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { config, present };
}

export function loadClusterAccess(options: ClusterAccessOptions = {}): ClusterAccess {
  const { config } = loadMerged(options);
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new KubeConfigError(`context "${options.context}" is not in the kubeconfig (known: ${known.join(', ') || 'none'})`);
    }
    config.setCurrentContext(options.context);
  }
  const context = config.getCurrentContext();
  const ctx = context ? config.getContextObject(context) : null;
  if (!ctx) throw new KubeConfigError('the kubeconfig has no current context: pass --context NAME or run kubectl config use-context NAME');
  const cluster = config.getCurrentCluster();
  if (!cluster?.server) throw new KubeConfigError(`context "${context}" names cluster "${ctx.cluster}", which has no server URL in the kubeconfig`);
  return { config, context, server: cluster.server.replace(/\/+$/, ''), namespace: options.namespace || ctx.namespace || 'default' };
}

export interface KubeContextInfo {
  name: string;
  cluster?: string;
  user?: string;
  /** The context's namespace, if it sets one. */
  namespace?: string;
  /** The API server URL of its cluster. */
  server?: string;
}

export interface KubeContexts {
  /** The file `current-context` is written to (kubectl's rule, see `currentContextFile`). */
  file: string;
  /** Every kubeconfig file that exists, in reading order. */
  files: string[];
  /** The current context ('' when none is set). */
  current: string;
  contexts: KubeContextInfo[];
}

/** The contexts of the kubeconfig (merged like kubectl) and which is current. */
export function listKubeContexts(options: Pick<ClusterAccessOptions, 'kubeconfig' | 'env'> = {}): KubeContexts {
  const { config, present } = loadMerged(options);
  const servers = new Map(config.getClusters().map((c) => [c.name, c.server]));
  const contexts = config.getContexts().map((c): KubeContextInfo => {
    const info: KubeContextInfo = { name: c.name };
    if (c.cluster) info.cluster = c.cluster;
    if (c.user) info.user = c.user;
    if (c.namespace) info.namespace = c.namespace;
    const server = c.cluster ? servers.get(c.cluster) : undefined;
    if (server) info.server = server.replace(/\/+$/, '');
    return info;
  });
  return { file: currentContextFile(present, options.kubeconfig !== undefined), files: present, current: config.getCurrentContext() ?? '', contexts };
}

/**
 * Where `kubectl config use-context` writes (client-go's writeCurrentContext): an explicit
 * --kubeconfig file; else the first file of the list that already sets a current context;
 * else the first file that exists.
 */
function currentContextFile(present: string[], explicit: boolean): string {
  if (explicit || present.length === 1) return present[0]!;
  for (const f of present) {
    try {
      const doc = parseDocument(readFileSync(f, 'utf8'));
      const current = doc.get('current-context');
      if (typeof current === 'string' && current !== '') return f;
    } catch {
      /* unreadable: loadMerged already read it, so this does not happen in practice */
    }
  }
  return present[0]!;
}

/**
 * Makes `name` the current context, as `kubectl config use-context` does (flux, kubectl and
 * this server all read it): only the `current-context` key of one file changes, through the
 * yaml Document API, so the file keeps its comments, key order and layout.
 */
export function useKubeContext(
  name: string,
  options: Pick<ClusterAccessOptions, 'kubeconfig' | 'env'> = {},
): { file: string; previous: string; current: string } {
  const list = listKubeContexts(options);
  if (!list.contexts.some((c) => c.name === name)) {
    throw new KubeConfigError(`context "${name}" is not in the kubeconfig (known: ${list.contexts.map((c) => c.name).join(', ') || 'none'})`);
  }
  const text = readFileSync(list.file, 'utf8');
  const next = withCurrentContext(text, name);
  if (next instanceof Error) throw new KubeConfigError(`cannot edit ${list.file}: ${next.message}`);
  if (next !== text) writeFileSync(list.file, next);
  return { file: list.file, previous: list.current, current: name };
}

/**
 * The kubeconfig text with `current-context` set to `name`. The yaml Document API finds the
 * value and only its characters are replaced, so every other byte (comments, indentation, flow
 * maps, quoting) stays as the user or kubectl wrote it; a file without the key gets it appended.
 */
export function withCurrentContext(text: string, name: string): string | Error {
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (doc.errors.length > 0) return new Error(doc.errors[0]!.message);
  if (!isMap(doc.contents)) return new Error('the kubeconfig is not a YAML mapping');
  const value = JSON.stringify(name); // a double-quoted scalar is valid YAML for any name
  const plain = /^[A-Za-z0-9_][A-Za-z0-9_.@/:-]*$/.test(name) ? name : value;
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'current-context');
  const node = pair?.value;
  if (
    pair &&
    isScalar(node) &&
    node.range &&
    typeof node.value === 'string' &&
    (node.type === 'PLAIN' || node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')
  ) {
    if (node.value === name) return text;
    const [start, end] = node.range;
    return text.slice(0, start) + (node.type === 'PLAIN' ? plain : value) + text.slice(end);
  }
  if (pair) {
    // An empty or unusual value (`current-context:` alone, a block scalar): let the library write it.
    doc.set('current-context', name);
    return doc.toString();
  }
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}current-context: ${plain}\n`;
}
