/** `flux-oci bucket preview NAME|-f FILE [--format json]`: what source-controller would pack from a Bucket. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, type CliCommand, type CliIO } from '../../command';
import { parseDuration, parseFlags, stringFlag } from '../../flags';
import { isYamlFile, walkFiles } from '../../../domain/workspace/walkFiles';
import { YamlFile } from '../../../domain/yaml/yamlFile';
import type { ParsedDocument } from '../../../domain/yaml/parsedDocument';
import { readBucket, type BucketDocument } from '../../../domain/language/bucketPreview/bucketDocument';
import { bucketCredentials, bucketTls, type SecretLookup } from '../../../domain/resolution/bucket/bucketCredentials';
import { listBucket } from '../../../domain/resolution/bucket/bucketLister';
import { formatBytes, previewBucket, type BucketPreview } from '../../../domain/resolution/bucket/bucketPreview';
import { NetworkGate } from '../../../domain/resolution/networkGate';

export const bucketPreviewCommand: CliCommand = {
  words: ['bucket', 'preview'],
  summary: 'List what source-controller would pack from a Bucket (its ignore rules applied)',
  help: `Usage: flux-oci bucket preview NAME [flags]
       flux-oci bucket preview -f FILE [NAME] [flags]

Lists the Bucket's objects under spec.prefix and applies Flux's Bucket rules exactly:
the .sourceignore object at the bucket root, then spec.ignore, matched like
source-controller (no default excludes). Prints the files the artifact would hold.

Credentials: the spec.secretRef Secret (accesskey/secretkey) when its manifest is in
the scanned files, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials
(AWS_PROFILE); provider generic without secretRef lists anonymously, as Flux does.

Flags:
  -f, --file FILE           the YAML file holding the Bucket (default: search the
                            YAML files under the current folder for NAME)
  -n, --namespace NS        the Bucket's namespace, when several share NAME
      --format text|json    output (default text)
      --timeout DURATION    give up after this long (default 60s)
`,
  async run(args: string[], io: CliIO): Promise<number> {
    const flags = parseFlags(
      args,
      {
        file: { type: 'string', short: 'f' },
        namespace: { type: 'string', short: 'n' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        timeout: { type: 'string' },
      },
      'bucket preview',
    );
    const format = stringFlag(flags, 'format') ?? stringFlag(flags, 'output') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not '${format}'`);
    const name = flags.positionals[0];
    const file = stringFlag(flags, 'file');
    if (!name && !file) throw new UsageError('give the Bucket NAME or -f FILE');
    if (flags.positionals.length > 1) throw new UsageError(`one Bucket at a time (got ${flags.positionals.join(', ')})`);
    const namespace = stringFlag(flags, 'namespace');
    const timeoutText = stringFlag(flags, 'timeout');
    const timeoutMs = timeoutText ? parseDuration(timeoutText) : 60_000;

    const docs = await loadDocuments(file ? [file] : [], io);
    const candidates = docs.map((d) => readBucket(d.doc)).filter((b): b is BucketDocument => !!b);
    const matching = candidates.filter((b) => (!name || b.spec.name === name) && (!namespace || b.spec.namespace === namespace));
    if (matching.length === 0) {
      const known = candidates.map((b) => `${b.spec.namespace ? b.spec.namespace + '/' : ''}${b.spec.name}`);
      throw new Error(
        `no Bucket${name ? ` named '${name}'` : ''}${namespace ? ` in namespace '${namespace}'` : ''} in ${file ?? 'the YAML files under ' + io.cwd}${known.length ? ` (found: ${known.join(', ')})` : ''}`,
      );
    }
    if (matching.length > 1) {
      throw new UsageError(
        `${matching.length} Buckets match (${matching.map((b) => `${b.spec.namespace || '(no namespace)'}/${b.spec.name}`).join(', ')}): give NAME and --namespace`,
      );
    }
    const bucket = matching[0]!;
    // Secrets: those beside the Bucket, and those under the current folder.
    const secretDocs = file ? [...docs, ...(await loadDocuments([], io).catch(() => []))] : docs;
    const secrets: SecretLookup = {
      findSecret: (secretName, ns) => {
        const found = secretDocs.filter((d) => d.doc.identity.kind === 'Secret' && d.doc.identity.name === secretName);
        const best = found.find((d) => (d.doc.identity.namespace ?? '') === ns) ?? found.find((d) => !d.doc.identity.namespace) ?? found[0];
        return best ? { doc: best.doc, where: path.relative(io.cwd, best.file) || best.file } : undefined;
      },
    };
    const credentials = bucketCredentials(bucket.spec, secrets, { env: io.env });
    const tls = bucketTls(bucket.spec, secrets);
    if (tls && 'problem' in tls) throw new Error(tls.problem);
    const listing = await listBucket(bucket.spec, credentials, {
      gate: new NetworkGate({ env: io.env }),
      signal: io.signal,
      timeoutMs: timeoutMs || 60_000,
      env: io.env,
      ...(tls ? { tls } : {}),
    });
    const preview = previewBucket(listing, bucket.spec.ignore);
    if (format === 'json') {
      io.stdout.write(JSON.stringify(toJson(bucket, preview), null, 2) + '\n');
      return 0;
    }
    io.stdout.write(renderText(bucket, preview));
    return 0;
  },
};

interface LoadedDocument {
  file: string;
  doc: ParsedDocument;
}

async function loadDocuments(paths: string[], io: CliIO): Promise<LoadedDocument[]> {
  const files = (await walkFiles(paths, { cwd: io.cwd, signal: io.signal })).filter((f) => paths.length > 0 || isYamlFile(f));
  const out: LoadedDocument[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch {
      continue;
    }
    for (const d of YamlFile.parse(text).documents) out.push({ file: f, doc: d.parsed });
  }
  return out;
}

function toJson(b: BucketDocument, p: BucketPreview) {
  return {
    bucket: {
      name: b.spec.name,
      namespace: b.spec.namespace,
      provider: b.spec.provider,
      endpoint: b.spec.endpoint,
      bucketName: b.spec.bucketName,
      prefix: b.spec.prefix ?? '',
    },
    count: p.count,
    totalSize: p.totalSize,
    truncated: p.truncated,
    files: p.files,
    largest: p.largest,
    dropped: p.dropped,
    droppedCount: p.droppedCount,
    droppedSize: p.droppedSize,
    skipped: p.skipped,
    sourceIgnore: p.hasSourceIgnore,
    specIgnore: !p.noSpecIgnore,
    credentials: p.credentialsFrom,
  };
}

function renderText(b: BucketDocument, p: BucketPreview): string {
  const lines: string[] = [];
  const atLeast = p.truncated ? 'at least ' : '';
  lines.push(`Bucket ${b.spec.namespace ? b.spec.namespace + '/' : ''}${b.spec.name}: s3://${b.spec.bucketName}/${b.spec.prefix ?? ''} at ${b.spec.endpoint}`);
  lines.push(`would pack ${atLeast}${p.count} file(s), ${atLeast}${formatBytes(p.totalSize)} (${p.totalSize} bytes, before compression)`);
  if (p.dropped.length) {
    lines.push(`ignore rules drop ${p.droppedCount} object(s), ${formatBytes(p.droppedSize)}:`);
    for (const d of p.dropped) lines.push(`  ${d.rule}  (${d.from})  ${d.count}  ${formatBytes(d.size)}`);
  } else if (p.noSpecIgnore && !p.hasSourceIgnore) {
    lines.push('no spec.ignore and no .sourceignore: every object is packed (Flux applies no default excludes to Buckets)');
  }
  lines.push('');
  const width = Math.max(4, ...p.files.map((f) => formatBytes(f.size).length));
  for (const f of p.files) lines.push(`${formatBytes(f.size).padStart(width)}  ${f.path}`);
  return lines.join('\n') + '\n';
}
