/**
 * The CLI's flag parser (node's util.parseArgs) and the flags several commands share, spelled
 * as in the flux CLI. Shared connection flags (--creds, --provider,
 * --insecure-registry, --ca-file, --docker-config, --timeout) map onto the
 * domain's ConnectionOptions.
 */
import type { ParseArgsConfig } from 'node:util';
import { UsageError, type CliIO } from './command';
import { providers, type Provider } from '../domain/oci/registry/auth/cloudProviders';
import type { ConnectionOptions } from '../domain/oci/registry/access';

type Options = NonNullable<ParseArgsConfig['options']>;

export const connectionFlags: Options = {
  creds: { type: 'string' },
  provider: { type: 'string' },
  'insecure-registry': { type: 'boolean' },
  'ca-file': { type: 'string' },
  'docker-config': { type: 'string' },
  timeout: { type: 'string' },
};

export const connectionHelp = `Registry flags:
  --creds user:password     credentials (a value without ':' is sent as a registry token)
  --provider generic|aws|azure|gcp
                            cloud login through the aws, az or gcloud CLI (default generic:
                            --creds, then the docker config and its credential helpers)
  --insecure-registry       allow plain HTTP to a registry that is not on loopback
                            (loopback registries may always use plain HTTP)
  --ca-file FILE            trust this PEM CA bundle too (default: $SSL_CERT_FILE if set)
  --docker-config FILE      read credentials from this config.json instead of
                            $DOCKER_CONFIG/config.json or ~/.docker/config.json
  --timeout DURATION        give up after this long, e.g. 30s, 5m; 0 = never (default 5m)
Proxies: HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured.`;

export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseFlags(args: string[], options: Options, commandName: string): ParsedFlags {
  try {
    // required, not imported: the CLI is ES modules, and importing node:util as one reads every
    // export, which loads node:worker_threads and more that no command uses (issue 18: start-up).
    const { parseArgs } = require('node:util') as typeof import('node:util');
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as ParsedFlags['values'], positionals };
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${message}; see flux-oci ${commandName} --help`);
  }
}

export function stringFlag(flags: ParsedFlags, name: string): string | undefined {
  const v = flags.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Repeatable flags that also take comma-separated lists (cobra's StringSlice). */
export function listFlag(flags: ParsedFlags, name: string, splitCommas = true): string[] {
  const v = flags.values[name];
  const items = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return splitCommas
    ? items
        .flatMap((x) => x.split(','))
        .map((x) => x.trim())
        .filter(Boolean)
    : items;
}

export function boolFlag(flags: ParsedFlags, name: string): boolean {
  return flags.values[name] === true;
}

/** Go-style durations: 300ms, 30s, 5m, 1h30m. */
export function parseDuration(value: string): number {
  if (value === '0') return 0; // no limit
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== value.length) throw new UsageError(`invalid duration "${value}": use e.g. 30s, 5m, 1h30m`);
  return total;
}

export function exactlyOneUrl(flags: ParsedFlags, commandName: string, example: string): string {
  if (flags.positionals.length !== 1) {
    throw new UsageError(`expected exactly one URL argument, e.g. flux-oci ${commandName} ${example}`);
  }
  return flags.positionals[0]!;
}

/** ConnectionOptions from the flags; the signal combines Ctrl-C with --timeout. */
export function connectionFrom(flags: ParsedFlags, io: CliIO): ConnectionOptions {
  const provider = stringFlag(flags, 'provider') ?? 'generic';
  if (!providers.includes(provider as Provider)) throw new UsageError(`--provider must be one of ${providers.join(', ')} (got "${provider}")`);
  const creds = stringFlag(flags, 'creds');
  if (creds !== undefined && provider !== 'generic') throw new UsageError('--creds cannot be combined with --provider aws|azure|gcp');
  const timeoutMs = parseDuration(stringFlag(flags, 'timeout') ?? '5m');
  const caFile = stringFlag(flags, 'ca-file');
  const dockerConfig = stringFlag(flags, 'docker-config');
  return {
    provider: provider as Provider,
    ...(creds !== undefined ? { creds } : {}),
    ...(boolFlag(flags, 'insecure-registry') ? { insecure: true } : {}),
    ...(caFile ? { caFile } : {}),
    ...(dockerConfig ? { dockerConfig } : {}),
    env: io.env,
    signal: timeoutMs > 0 ? AbortSignal.any([io.signal, AbortSignal.timeout(timeoutMs)]) : io.signal,
  };
}

export type OutputFormat = 'json' | 'yaml';

export function outputFormat(value: string | undefined): OutputFormat | undefined {
  if (value === undefined) return undefined;
  if (value !== 'json' && value !== 'yaml') throw new UsageError(`--output must be json or yaml (got "${value}")`);
  return value;
}
