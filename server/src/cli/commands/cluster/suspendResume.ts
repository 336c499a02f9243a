/** `flux-oci suspend|resume <kind words> NAME`: merge-patch spec.suspend; resume waits for Ready. */
import type { CliCommand, CliIO } from '../../command';
import { boolFlag, parseFlags } from '../../flags';
import { resume, suspend } from '../../../domain/cluster/suspend';
import { describeRef, type FluxKindInfo } from '../../../domain/cluster/fluxKinds';
import { ReconcileFailedError } from '../../../domain/cluster/reconcile';
import { clusterClient, clusterFlags, clusterHelp, kindsFor, refFrom, withArticle, seconds, timeoutOf } from './clusterFlags';

function suspendCommand(info: FluxKindInfo): CliCommand {
  const words = ['suspend', ...info.cliWords];
  const name = words.join(' ');
  return {
    words,
    summary: `Suspend reconciliation of ${withArticle(info.kind)}`,
    help: `Usage: flux-oci ${name} NAME [flags]\n\nSets spec.suspend: true.\n\n${clusterHelp}\n`,
    async run(args: string[], io: CliIO): Promise<number> {
      const flags = parseFlags(args, clusterFlags, name);
      const client = clusterClient(flags, io);
      const ref = refFrom(info, flags, client, name);
      await suspend(client, ref);
      io.stdout.write(`✔ ${describeRef(ref)} suspended\n`);
      return 0;
    },
  };
}

function resumeCommand(info: FluxKindInfo): CliCommand {
  const words = ['resume', ...info.cliWords];
  const name = words.join(' ');
  return {
    words,
    summary: `Resume reconciliation of ${withArticle(info.kind)} and wait until it is Ready`,
    help: `Usage: flux-oci ${name} NAME [flags]\n\nRemoves spec.suspend, then watches until the new generation is reconciled.\n\nFlags:\n  --wait=false              do not wait (--no-wait)\n${clusterHelp}\n`,
    async run(args: string[], io: CliIO): Promise<number> {
      const flags = parseFlags(args, { ...clusterFlags, 'no-wait': { type: 'boolean' } }, name);
      const client = clusterClient(flags, io);
      const ref = refFrom(info, flags, client, name);
      try {
        const result = await resume(client, ref, {
          wait: !boolFlag(flags, 'no-wait'),
          signal: io.signal,
          timeoutMs: timeoutOf(flags),
          onProgress: (m) => io.stderr.write(`◎ ${m}\n`),
        });
        io.stdout.write(
          result
            ? `✔ ${describeRef(ref)} resumed; revision ${result.revision ?? '(none)'} in ${seconds(result.elapsedMs)}\n`
            : `✔ ${describeRef(ref)} resumed\n`,
        );
        return 0;
      } catch (err) {
        if (err instanceof ReconcileFailedError) {
          io.stderr.write(`✗ ${describeRef(ref)} resumed but reconciliation failed (${err.reason}): ${err.detail}\n`);
          return 1;
        }
        throw err;
      }
    },
  };
}

const kinds = kindsFor(['source', 'consumer'], ['OCIRepository', 'GitRepository', 'Bucket', 'HelmRepository', 'HelmChart', 'Kustomization', 'HelmRelease']);
export const suspendResumeCommands: CliCommand[] = [...kinds.map(suspendCommand), ...kinds.map(resumeCommand)];
