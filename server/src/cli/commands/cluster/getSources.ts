/** `flux-oci get sources [-A]`: Flux sources with status, revision and digest, and the consumers under each. */
import type { CliCommand, CliIO } from '../../command';
import { boolFlag, parseFlags, stringFlag } from '../artifact/flags';
import { buildFluxTree, listFluxObjects, type FluxTreeNode } from '../../../domain/cluster/fluxInventory';
import { clusterClient, clusterFlags, clusterHelp } from './clusterFlags';

export const getSourcesCommand: CliCommand = {
  words: ['get', 'sources'],
  summary: 'List Flux sources with status, revision and digest, and the Kustomizations/HelmReleases reading each',
  help: `Usage: flux-oci get sources [-A] [-o json] [flags]

Flags:
  -A, --all-namespaces      every namespace
  -o, --output text|json
${clusterHelp}
`,
  async run(args: string[], io: CliIO): Promise<number> {
    const flags = parseFlags(args, { ...clusterFlags, 'all-namespaces': { type: 'boolean', short: 'A' }, output: { type: 'string', short: 'o' } }, 'get sources');
    const client = clusterClient(flags, io);
    const objects = await listFluxObjects(client, boolFlag(flags, 'all-namespaces') ? undefined : client.namespace, io.signal);
    const tree = buildFluxTree(objects);
    if (stringFlag(flags, 'output') === 'json') {
      io.stdout.write(JSON.stringify(tree, null, 2) + '\n');
      return 0;
    }
    const lines: string[][] = [['NAME', 'READY', 'SUSPENDED', 'REVISION', 'DIGEST', 'MESSAGE']];
    const add = (n: FluxTreeNode, depth: number): void => {
      lines.push([
        `${'  '.repeat(depth)}${depth ? '└ ' : ''}${n.ref.kind}/${n.ref.namespace}/${n.ref.name}`,
        n.ready,
        String(n.suspended),
        n.revision ?? '',
        n.digest ? n.digest.slice(0, 19) : '',
        (n.message ?? '').replace(/\s+/g, ' ').slice(0, 80),
      ]);
      for (const c of n.children) add(c, depth + 1);
    };
    for (const n of tree) add(n, 0);
    const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
    for (const l of lines) io.stdout.write(l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n');
    return 0;
  },
};
