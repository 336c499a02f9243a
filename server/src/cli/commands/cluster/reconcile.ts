/** `flux-oci reconcile source oci|git|bucket|chart NAME`, `reconcile kustomization|helmrelease NAME [--with-source]`. */
import type { CliCommand, CliIO } from '../../command';
import { boolFlag, parseFlags, stringFlag } from '../../flags';
import { reconcile, ReconcileFailedError, type ReconcileResult } from '../../../domain/cluster/reconcile';
import { describeRef, type FluxKindInfo } from '../../../domain/cluster/fluxKinds';
import { clusterClient, clusterFlags, clusterHelp, kindsFor, refFrom, withArticle, seconds, timeoutOf } from './clusterFlags';

function reconcileCommand(info: FluxKindInfo): CliCommand {
  const words = ['reconcile', ...info.cliWords];
  const consumer = info.role === 'consumer';
  const name = words.join(' ');
  return {
    words,
    summary: `Reconcile ${withArticle(info.kind)} and wait until it is Ready (watch, fails fast)`,
    help: `Usage: flux-oci ${name} NAME [flags]

Sets reconcile.fluxcd.io/requestedAt on the ${info.kind}, then watches it until the
controller handled the request and it is Ready, and prints the ${consumer ? 'applied' : 'fetched'} revision.
A failure the controller reports (Ready=False with a failure reason, Stalled) ends the
command at once with exit code 1 instead of waiting for the timeout.

Flags:
${consumer ? '  --with-source             reconcile the source (sourceRef/chartRef) first\n' : ''}  -o, --output text|json    json prints {kind,name,namespace,revision,elapsedMs}
${clusterHelp}
`,
    async run(args: string[], io: CliIO): Promise<number> {
      const flags = parseFlags(
        args,
        { ...clusterFlags, output: { type: 'string', short: 'o' }, ...(consumer ? { 'with-source': { type: 'boolean' } } : {}) },
        name,
      );
      const client = clusterClient(flags, io);
      const ref = refFrom(info, flags, client, name);
      const json = stringFlag(flags, 'output') === 'json';
      const say = (line: string): void => void (json ? undefined : io.stderr.write(`${line}\n`));
      say(`► reconciling ${describeRef(ref)} (context ${client.access.context})`);
      try {
        const result = await reconcile(client, ref, {
          withSource: consumer && boolFlag(flags, 'with-source'),
          signal: io.signal,
          timeoutMs: timeoutOf(flags),
          onProgress: (m) => say(`◎ ${m}`),
        });
        if (json) io.stdout.write(JSON.stringify(toJson(result)) + '\n');
        else {
          if (result.source)
            io.stdout.write(
              `✔ ${result.source.ref.kind} ${result.source.ref.name}: fetched revision ${result.source.revision ?? '(none)'} in ${seconds(result.source.elapsedMs)}\n`,
            );
          io.stdout.write(
            `✔ ${ref.kind} ${ref.name}: ${consumer ? 'applied' : 'fetched'} revision ${result.revision ?? '(none)'} in ${seconds(result.elapsedMs)}\n`,
          );
        }
        return 0;
      } catch (err) {
        if (err instanceof ReconcileFailedError) {
          if (json)
            io.stdout.write(
              JSON.stringify({
                kind: err.ref.kind,
                name: err.ref.name,
                namespace: err.ref.namespace,
                failed: true,
                reason: err.reason,
                message: err.detail,
                elapsedMs: Math.round(err.elapsedMs),
              }) + '\n',
            );
          io.stderr.write(`✗ ${describeRef(err.ref)} reconciliation failed after ${seconds(err.elapsedMs)} (${err.reason}): ${err.detail}\n`);
          return 1;
        }
        throw err;
      }
    },
  };
}

function toJson(r: ReconcileResult): Record<string, unknown> {
  return {
    kind: r.ref.kind,
    name: r.ref.name,
    namespace: r.ref.namespace,
    revision: r.revision ?? null,
    elapsedMs: Math.round(r.elapsedMs),
    ...(r.source ? { source: toJson(r.source) } : {}),
  };
}

export const reconcileCommands: CliCommand[] = kindsFor(
  ['source', 'consumer'],
  ['OCIRepository', 'GitRepository', 'Bucket', 'HelmChart', 'Kustomization', 'HelmRelease'],
).map(reconcileCommand);
