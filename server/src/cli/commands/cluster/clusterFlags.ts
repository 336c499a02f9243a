/**
 * Flags every cluster command shares, spelled as in the flux CLI: --kubeconfig,
 * --context, -n/--namespace, --timeout; and the words that name a Flux kind
 * (`source oci`, `kustomization`, `helmrelease`, ...).
 */
import type { ParseArgsConfig } from 'node:util';
import { UsageError, type CliIO } from '../../command';
import { parseDuration, stringFlag, type ParsedFlags } from '../../flags';
import { KubeClient } from '../../../domain/cluster/kubeClient';
import { loadClusterAccess } from '../../../domain/cluster/kubeConfig';
import { fluxKinds, type FluxKindInfo, type ObjectRef } from '../../../domain/cluster/fluxKinds';

type Options = NonNullable<ParseArgsConfig['options']>;

export const clusterFlags: Options = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  timeout: { type: 'string' },
};

export const clusterHelp = `Cluster flags:
  --kubeconfig FILE         kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)
  --context NAME            kubeconfig context (default: the current context)
  -n, --namespace NS        namespace (default: the context's namespace, else "default")
  --timeout DURATION        give up after this long, e.g. 30s, 5m; 0 = never (default 5m)`;

/** "an OCIRepository", "a HelmRelease": the article as the kind name is spoken. */
export function withArticle(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

export function clusterClient(flags: ParsedFlags, io: CliIO): KubeClient {
  const access = loadClusterAccess({
    env: io.env,
    ...(stringFlag(flags, 'kubeconfig') ? { kubeconfig: stringFlag(flags, 'kubeconfig')! } : {}),
    ...(stringFlag(flags, 'context') ? { context: stringFlag(flags, 'context')! } : {}),
    ...(stringFlag(flags, 'namespace') ? { namespace: stringFlag(flags, 'namespace')! } : {}),
  });
  // Requests ride out an API server restart; say so, or a retrying command looks hung.
  return new KubeClient(access, { onRetry: (m) => void io.stderr.write(`◎ ${m}\n`) });
}

export function timeoutOf(flags: ParsedFlags): number {
  const t = stringFlag(flags, 'timeout');
  return t === undefined ? 5 * 60_000 : parseDuration(t);
}

/** Kinds a verb accepts, by their flux CLI words. */
export function kindsFor(roles: Array<FluxKindInfo['role']>, only?: string[]): FluxKindInfo[] {
  return fluxKinds.filter((k) => roles.includes(k.role) && (!only || only.includes(k.kind)));
}

export function refFrom(info: FluxKindInfo, flags: ParsedFlags, client: KubeClient, commandName: string): ObjectRef {
  const [name, ...extra] = flags.positionals;
  if (!name) throw new UsageError(`name is required: flux-oci ${commandName} NAME`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  return { kind: info.kind, name, namespace: client.namespace };
}

/** Milliseconds as "1.23s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}
