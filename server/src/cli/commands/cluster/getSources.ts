/**
 * `flux-oci get sources [-A]`: Flux sources with status, revision and digest, and the consumers
 * under each. With `--all-contexts` (or several `--context`s) every context of the kubeconfig is
 * listed at once, each with its own credentials and deadline: the same source on several
 * clusters reads as adjacent lines, and a cluster that cannot be reached is reported on stderr
 * without holding up the others (exit code 1 then).
 */
import type { CliCommand, CliIO } from '../../command';
import { UsageError } from '../../command';
import { boolFlag, listFlag, parseDuration, parseFlags, stringFlag, type ParsedFlags } from '../../flags';
import { buildFluxTree, listFluxObjects, type FluxTreeNode } from '../../../domain/cluster/fluxInventory';
import { groupFleet, listFleet } from '../../../domain/cluster/fleet';
import { listKubeContexts } from '../../../domain/cluster/kubeConfig';
import { clusterClient, clusterFlags, clusterHelp } from './clusterFlags';

export const getSourcesCommand: CliCommand = {
  words: ['get', 'sources'],
  summary: 'List Flux sources with status, revision and digest, and the Kustomizations/HelmReleases reading each',
  help: `Usage: flux-oci get sources [-A] [--all-contexts | --context NAME[,NAME...]] [-o json] [flags]

Flags:
  -A, --all-namespaces      every namespace
      --all-contexts        every context of the kubeconfig, at once (a CONTEXT column; the same
                            source on several clusters on adjacent lines)
  -o, --output text|json
${clusterHelp}
  (--context may be repeated or hold a comma-separated list: several contexts as with --all-contexts;
   --timeout bounds each context, default 20s. A context that cannot be reached is reported on
   stderr and the command exits 1 after printing the others.)
`,
  async run(args: string[], io: CliIO): Promise<number> {
    const flags = parseFlags(
      args,
      {
        ...clusterFlags,
        context: { type: 'string', multiple: true },
        'all-namespaces': { type: 'boolean', short: 'A' },
        'all-contexts': { type: 'boolean' },
        output: { type: 'string', short: 'o' },
      },
      'get sources',
    );
    const contexts = listFlag(flags, 'context');
    if (boolFlag(flags, 'all-contexts') && contexts.length) throw new UsageError('--all-contexts and --context exclude each other');
    if (boolFlag(flags, 'all-contexts') || contexts.length > 1) return fleet(flags, contexts, io);
    // One context: the flags as the other cluster commands read them.
    const single: ParsedFlags = { ...flags, values: { ...flags.values, context: contexts[0] } };
    const client = clusterClient(single, io);
    const objects = await listFluxObjects(client, boolFlag(flags, 'all-namespaces') ? undefined : client.namespace, io.signal);
    const tree = buildFluxTree(objects);
    if (stringFlag(flags, 'output') === 'json') {
      io.stdout.write(JSON.stringify(tree, null, 2) + '\n');
      return 0;
    }
    const lines: string[][] = [['NAME', 'READY', 'SUSPENDED', 'REVISION', 'DIGEST', 'MESSAGE']];
    const add = (n: FluxTreeNode, depth: number, prefix: string[] = []): void => {
      lines.push([...prefix, ...row(n, depth)]);
      for (const c of n.children) add(c, depth + 1, prefix);
    };
    for (const n of tree) add(n, 0);
    print(lines, io);
    return 0;
  },
};

function row(n: FluxTreeNode, depth: number): string[] {
  return [
    `${'  '.repeat(depth)}${depth ? '└ ' : ''}${n.ref.kind}/${n.ref.namespace}/${n.ref.name}`,
    n.ready,
    String(n.suspended),
    n.revision ?? '',
    n.digest ? n.digest.slice(0, 19) : '',
    (n.message ?? '').replace(/\s+/g, ' ').slice(0, 80),
  ];
}

function print(lines: string[][], io: CliIO): void {
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  for (const l of lines)
    io.stdout.write(
      l
        .map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd() + '\n',
    );
}

async function fleet(flags: ParsedFlags, named: string[], io: CliIO): Promise<number> {
  const kube = { env: io.env, ...(stringFlag(flags, 'kubeconfig') ? { kubeconfig: stringFlag(flags, 'kubeconfig')! } : {}) };
  const names = named.length ? named : listKubeContexts(kube).contexts.map((c) => c.name);
  const timeout = stringFlag(flags, 'timeout');
  const view = await listFleet(names, {
    kube,
    ...(stringFlag(flags, 'namespace') ? { namespace: stringFlag(flags, 'namespace')! } : {}),
    allNamespaces: boolFlag(flags, 'all-namespaces'),
    timeoutMs: timeout === undefined ? 20_000 : parseDuration(timeout) || 24 * 3600_000,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const answered = new Set(view.contexts.filter((c) => c.state === 'ready').map((c) => c.context));
  const rows = groupFleet(view.trees, answered);
  const failed = view.contexts.filter((c) => c.state !== 'ready');
  if (stringFlag(flags, 'output') === 'json') {
    io.stdout.write(JSON.stringify({ contexts: view.contexts, rows }, null, 2) + '\n');
  } else {
    const lines: string[][] = [['CONTEXT', 'NAME', 'READY', 'SUSPENDED', 'REVISION', 'DIGEST', 'MESSAGE']];
    const add = (context: string, n: FluxTreeNode, depth: number): void => {
      lines.push([depth ? '' : context, ...row(n, depth)]);
      for (const c of n.children) add(context, c, depth + 1);
    };
    for (const r of rows) for (const p of r.placements) add(p.context, p.node, 0);
    print(lines, io);
  }
  for (const c of failed) io.stderr.write(`✗ context ${c.context}${c.server ? ` (${c.server})` : ''}: ${c.message ?? c.state}\n`);
  return failed.length ? 1 : 0;
}
