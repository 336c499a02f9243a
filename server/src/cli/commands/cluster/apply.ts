/** `flux-oci apply -f FILE [--dry-run]`: server-side apply (field manager flux-oci) after a dry-run diff. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, type CliCommand, type CliIO } from '../../command';
import { boolFlag, parseFlags, stringFlag } from '../../flags';
import { applyPlan, fieldManager, planApply } from '../../../domain/cluster/applyObjects';
import { describeRef } from '../../../domain/cluster/fluxKinds';
import { withinTimeout } from '../../../domain/cluster/watchObject';
import { clusterClient, clusterFlags, clusterHelp, timeoutOf } from './clusterFlags';

export const applyCommand: CliCommand = {
  words: ['apply'],
  summary: 'Apply the Flux objects of a YAML file with server-side apply, showing the diff first',
  help: `Usage: flux-oci apply -f FILE [--dry-run] [flags]

Dry-runs every Flux object of FILE on the API server (defaults, schema and CEL
validation included), prints a unified diff against what the cluster holds, then
applies them with server-side apply, field manager "${fieldManager}". Nothing is
written unless every object passes the dry run. Non-Flux documents are skipped.

Flags:
  -f, --filename FILE       YAML file ("-" reads stdin)
  --dry-run                 print the diff only
${clusterHelp}
`,
  async run(args: string[], io: CliIO): Promise<number> {
    const flags = parseFlags(args, { ...clusterFlags, filename: { type: 'string', short: 'f' }, 'dry-run': { type: 'boolean' } }, 'apply');
    const file = stringFlag(flags, 'filename');
    if (!file) throw new UsageError('-f FILE is required');
    const text = file === '-' ? await readStdin() : await readFile(path.resolve(io.cwd, file), 'utf8');
    const client = clusterClient(flags, io);
    const timeout = timeoutOf(flags);
    // --timeout bounds the whole apply: requests retry through an API server restart, not forever.
    return withinTimeout(`applying ${file}`, timeout, timeout, io.signal, async (signal) => {
      const plan = await planApply(client, text, file, signal);
      for (const s of plan.skipped) io.stderr.write(`- skipped ${s}\n`);
      if (plan.objects.length === 0) {
        io.stderr.write('no Flux objects to apply\n');
        return 0;
      }
      for (const p of plan.objects) {
        io.stdout.write(
          `${p.action === 'create' ? '+' : p.action === 'update' ? '~' : '='} ${describeRef(p.ref)} ${p.action === 'unchanged' ? 'unchanged' : p.action === 'create' ? 'created' : 'configured'}${boolFlag(flags, 'dry-run') ? ' (dry run)' : ''}\n`,
        );
        if (p.diff) io.stdout.write(p.diff.endsWith('\n') ? p.diff : `${p.diff}\n`);
      }
      if (boolFlag(flags, 'dry-run')) return 0;
      await applyPlan(client, plan, signal);
      io.stdout.write(
        `✔ applied ${plan.objects.filter((p) => p.action !== 'unchanged').length} of ${plan.objects.length} object(s) (field manager ${fieldManager})\n`,
      );
      return 0;
    });
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
