/** `flux-oci delete <kind words> NAME`. */
import type { CliCommand, CliIO } from '../../command';
import { parseFlags } from '../../flags';
import { deleteObject } from '../../../domain/cluster/deleteObject';
import { describeRef, type FluxKindInfo } from '../../../domain/cluster/fluxKinds';
import { clusterClient, clusterFlags, clusterHelp, kindsFor, refFrom, withArticle } from './clusterFlags';

function deleteCommand(info: FluxKindInfo): CliCommand {
  const words = ['delete', ...info.cliWords];
  const name = words.join(' ');
  return {
    words,
    summary: `Delete ${withArticle(info.kind)} from the cluster`,
    help: `Usage: flux-oci ${name} NAME [flags]\n\n${clusterHelp}\n`,
    async run(args: string[], io: CliIO): Promise<number> {
      const flags = parseFlags(args, clusterFlags, name);
      const client = clusterClient(flags, io);
      const ref = refFrom(info, flags, client, name);
      await deleteObject(client, ref);
      io.stdout.write(`✔ ${describeRef(ref)} deleted\n`);
      return 0;
    },
  };
}

export const deleteCommands: CliCommand[] = kindsFor(['source', 'consumer']).map(deleteCommand);
