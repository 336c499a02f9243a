/**
 * Cluster access from the kubeconfig, the way kubectl and flux find it: --kubeconfig,
 * else $KUBECONFIG (a list of files), else ~/.kube/config; --context picks a context;
 * the namespace is --namespace, else the context's, else "default". Authentication
 * (client certificates, tokens, exec credential plugins, OIDC) is @kubernetes/client-node's
 * KubeConfig: a well-kept implementation of the same rules client-go follows.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

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

export function loadClusterAccess(options: ClusterAccessOptions = {}): ClusterAccess {
  const env = options.env ?? process.env;
  const files = options.kubeconfig
    ? [options.kubeconfig]
    : (env['KUBECONFIG'] ?? '').split(path.delimiter).filter(Boolean).length > 0
      ? (env['KUBECONFIG'] ?? '').split(path.delimiter).filter(Boolean)
      : [path.join(env['HOME'] || homedir(), '.kube', 'config')];
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) {
    throw new KubeConfigError(`no kubeconfig found (looked at ${files.join(', ')}): pass --kubeconfig FILE or set KUBECONFIG`);
  }
  const config = new KubeConfig();
  try {
    // Several files merge like kubectl: the first file that sets the current context wins.
    config.loadFromFile(present[0]!);
    for (const f of present.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(f);
      config.mergeConfig(more, true);
    }
  } catch (err) {
    throw new KubeConfigError(`cannot read kubeconfig ${present.join(', ')}: ${err instanceof Error ? err.message : String(err)}`);
  }
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
