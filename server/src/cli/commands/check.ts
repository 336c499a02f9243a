import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { Severity, type Diagnostic } from '../../domain/diagnostics';
import { lintContextOf, mayAddLintContext } from '../../domain/lint/index';
import { YamlFile } from '../../domain/yaml/yamlFile';
import type { ParsedDocument } from '../../domain/yaml/parsedDocument';
import { walkFiles } from '../../domain/workspace/walkFiles';
import { findPatchFiles, isKustomizationFile, kustomizationFileNames, patchPathsIn } from '../../domain/workspace/patchFiles';
import type { FileDiagnostics } from '../output/fileDiagnostics';
import { formatText, summarize } from '../output/textReport';
import { formatJson } from '../output/jsonReport';
import { formatSarif } from '../output/sarifReport';
import { bundledFluxVersions } from '../../domain/schema/schemaSet';
import {
  chooseSchemas,
  describeChoice,
  fluxFactsOfText,
  type ChoiceInputs,
  type SchemaChoice,
  type WorkspaceFluxFacts,
} from '../../domain/workspace/fluxVersion';
import type { KubeClient } from '../../domain/cluster/kubeClient';
import { analyzeInput, type CheckInput } from './checkFiles';
import { isCheckWorker, serveCheckWorker, startCheckWorker, type CheckWorker } from './checkWorker';
import pkg from '../../../../package.json';

const help = `Usage: flux-oci check [paths...] [--format text|json|sarif] [--include-hints]
                      [--flux-version X.Y | --from-cluster [--context NAME] [--kubeconfig FILE]]
       flux build kustomization NAME --path DIR --dry-run | flux-oci check -

Checks Flux objects in YAML files against the Flux schemas, CEL rules and
Flux lints, like the API server and the controllers would. Folders are walked
for *.yaml/*.yml files, honouring .gitignore; other Kubernetes objects are left
alone. Documents named as patches by a kustomization.yaml are not held to
required fields.

Which Flux: the schemas of Flux ${bundledFluxVersions().join(', ')} are bundled. The checked files
decide: Flux CustomResourceDefinitions among them (flux-system/gotk-components.yaml)
are used as they are, else the version a FluxInstance names, else the newest.
The text output says which ("checked against Flux 2.8 (from ...)").

Flags:
  --format text    compiler-style lines: file:line:col: severity: message [code] (default)
  --format json    an array of {file, range, severity, message, code} (0-based positions)
  --format sarif   SARIF 2.1.0 for code scanning
  --include-hints  also print hints in text output
  --flux-version X.Y  check against that bundled Flux release (e.g. 2.7)
  --from-cluster   check against the Flux CRDs of the current kube context
  --context NAME   with --from-cluster: that kubeconfig context instead
  --kubeconfig FILE  with --from-cluster: that kubeconfig

Exit status: 0 no errors, 1 errors found, 2 usage error.
`;

type Format = 'text' | 'json' | 'sarif';

interface CheckArgs {
  paths: string[];
  format: Format;
  includeHints: boolean;
  fluxVersion?: string;
  fromCluster: boolean;
  context?: string;
  kubeconfig?: string;
}

function parseArgs(args: string[]): CheckArgs {
  const out: CheckArgs = { paths: [], format: 'text', includeHints: false, fromCluster: false };
  const value = (a: string, i: number): string => {
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i];
    if (v === undefined || v === '') throw new UsageError(`${a.replace(/=.*/, '')} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const flag = a.replace(/=.*/, '');
    if (flag === '--flux-version' || flag === '--context' || flag === '--kubeconfig') {
      const v = value(a, a.includes('=') ? i : ++i);
      if (flag === '--flux-version') {
        if (!/^v?\d+\.\d+(\.\d+)?$/.test(v))
          throw new UsageError(`--flux-version must look like 2.8 (got "${v}"); bundled: ${bundledFluxVersions().join(', ')}`);
        out.fluxVersion = v;
      } else if (flag === '--context') out.context = v;
      else out.kubeconfig = v;
      continue;
    }
    if (a === '--from-cluster') {
      out.fromCluster = true;
      continue;
    }
    if (a === '--format' || a === '-o' || a.startsWith('--format=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (v !== 'text' && v !== 'json' && v !== 'sarif')
        throw new UsageError(`--format must be text, json or sarif (got ${v === undefined ? 'nothing' : `"${v}"`})`);
      out.format = v;
    } else if (a === '--include-hints') out.includeHints = true;
    else if (a === '--') (out.paths.push(...args.slice(i + 1)), (i = args.length));
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown flag ${a}; see flux-oci check --help`);
    else out.paths.push(a);
  }
  return out;
}

const stdinName = '<stdin>';

/** `flux build kustomization ... | flux-oci check -` */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function displayPath(cwd: string, abs: string): string {
  if (abs === stdinName) return abs;
  const rel = path.relative(cwd, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
}

async function run(args: string[], io: CliIO): Promise<number> {
  if (isCheckWorker(io.env)) return serveCheckWorker();
  const opts = parseArgs(args);
  let files: string[];
  try {
    const paths = opts.paths.filter((p) => p !== '-');
    files = paths.length || !opts.paths.includes('-') ? await walkFiles(paths, { cwd: io.cwd, signal: io.signal }) : [];
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  // Started before the files are read, so it has loaded by the time there is work for it.
  const worker = opts.fromCluster ? undefined : startCheckWorker(files.length, io.env);
  try {
    return await checkFiles(files, opts, io, worker);
  } finally {
    worker?.stop();
  }
}

async function checkFiles(files: string[], opts: CheckArgs, io: CliIO, worker: CheckWorker | undefined): Promise<number> {
  // Files are kept as text and parsed twice, once for the facts that cross files and once to be
  // analysed: holding every parse to the end grew V8's young generation to its maximum
  // (5,000 files: 231 MiB peak instead of 108, for no less CPU).
  const inputs: CheckInput[] = [];
  for (const f of files) {
    if (io.signal.aborted) break;
    try {
      // Synchronous: a CLI has nothing else to do meanwhile, and 5,000 awaited reads cost 6× the CPU.
      inputs.push({ file: f, text: readFileSync(f, 'utf8') });
    } catch (err) {
      io.stderr.write(`flux-oci check: cannot read ${displayPath(io.cwd, f)}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  if (opts.paths.includes('-')) inputs.push({ file: stdinName, text: await readStdin() });
  // Cross-file facts for the lints (e.g. which OCIRepositories HelmReleases use as charts), and the
  // patches the checked kustomization files name, from one parse of each file.
  const patches = new Set<string>();
  const lint = lintContextOf(documentsOf(inputs, patches));
  // kustomization files beside the checked files name the patches too, even when only the patch was passed
  const checked = new Set(files);
  const besides: string[] = [];
  for (const dir of new Set(files.map((f) => path.dirname(f)))) {
    for (const name of kustomizationFileNames) {
      const k = path.join(dir, name);
      if (!checked.has(k) && existsSync(k)) besides.push(k);
    }
  }
  for (const p of await findPatchFiles(besides)) patches.add(p);
  const shown = inputs.map((i) => displayPath(io.cwd, i.file));
  const { choice, made } = await schemasFor(opts, inputs, shown, io);
  const ctx = { patches, lint, schemas: choice.set };
  let found: Diagnostic[][];
  // With a worker, the two threads share the files; the report keeps their order either way.
  if (worker && made) {
    const r = await worker.analyze(inputs, ctx, { patches: [...patches], lint, choice: made });
    found = r.diagnostics;
    if (io.env['FLUX_OCI_DEBUG'])
      io.stderr.write(
        `flux-oci check: ${inputs.length - r.byWorker} files on the main thread, ${r.byWorker} in a worker${r.failure ? ` (it ${r.failure})` : ''}\n`,
      );
  } else found = inputs.map((i) => analyzeInput(i, ctx));
  const results: FileDiagnostics[] = inputs.map((_, i) => ({ file: shown[i]!, diagnostics: found[i]! }));
  switch (opts.format) {
    case 'json':
      io.stdout.write(formatJson(results));
      break;
    case 'sarif':
      io.stdout.write(formatSarif(results, { cwd: io.cwd, version: pkg.version }));
      break;
    default:
      io.stdout.write(formatText(results, { includeHints: opts.includeHints }));
      io.stderr.write(`checked against ${describeChoice(choice)}\n`);
      io.stderr.write(summarize(results));
  }
  return results.some((r) => r.diagnostics.some((d) => d.severity === Severity.Error)) ? 1 : 0;
}

/** The parsed documents of each file that may add to the lint context (none kept); a kustomization file adds the patches it names. */
function* documentsOf(inputs: readonly CheckInput[], patches: Set<string>): Generator<ParsedDocument> {
  for (const { file, text } of inputs) {
    const kustomization = isKustomizationFile(file);
    if (!kustomization && !mayAddLintContext(text)) continue;
    const docs = YamlFile.parse(text).documents.map((d) => d.parsed);
    if (kustomization) {
      const roots = docs.map((d) => d.root);
      for (const p of patchPathsIn(file, roots)) patches.add(p);
    }
    yield* docs;
  }
}

/**
 * The schemas to check against: the cluster's CRDs, --flux-version, or what the checked files show;
 * and, unless they came from a cluster, what they were chosen from (the worker chooses again).
 */
async function schemasFor(
  opts: CheckArgs,
  inputs: readonly CheckInput[],
  shown: readonly string[],
  io: CliIO,
): Promise<{ choice: SchemaChoice; made?: Omit<ChoiceInputs, 'cluster'> }> {
  let cluster: SchemaChoice | undefined;
  if (opts.fromCluster) {
    if (opts.fluxVersion) throw new UsageError('--from-cluster and --flux-version exclude each other');
    // Loaded here: the cluster client (undici, kubeconfig parsing) is for --from-cluster only.
    const [{ KubeClient }, { loadClusterAccess }, { clusterSchemaChoice, readCrds }] = await Promise.all([
      import('../../domain/cluster/kubeClient'),
      import('../../domain/cluster/kubeConfig'),
      import('../../domain/cluster/clusterSchemas'),
    ]);
    let client: KubeClient;
    try {
      client = new KubeClient(
        loadClusterAccess({ env: io.env, ...(opts.context ? { context: opts.context } : {}), ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}) }),
      );
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    let crds: Awaited<ReturnType<typeof readCrds>>['crds'];
    try {
      ({ crds } = await readCrds(client, io.signal));
    } catch (err) {
      throw new UsageError(`cannot read the CRDs of kube context ${client.access.context}: ${err instanceof Error ? err.message : String(err)}`);
    }
    cluster = clusterSchemaChoice(crds, client.access.context);
    if (!cluster) io.stderr.write(`flux-oci check: kube context ${client.access.context} has no Flux CRDs; checking against the workspace's Flux instead\n`);
  }
  const facts: WorkspaceFluxFacts = { crds: [], instances: [] };
  for (const [i, p] of inputs.entries()) {
    const f = fluxFactsOfText(p.text, shown[i]!);
    facts.crds.push(...f.crds);
    facts.instances.push(...f.instances);
  }
  // the cluster's CRDs win; CRDs of other kinds in the files checked (FluxInstance's, say) add theirs
  if (cluster) return { choice: chooseSchemas({ cluster, facts }) };
  const made = { ...(opts.fluxVersion ? { fluxVersion: opts.fluxVersion } : {}), facts };
  const choice = chooseSchemas(made);
  return { choice: opts.fluxVersion ? { ...choice, reason: choice.reason.replace('flux-oci.fluxVersion', '--flux-version') } : choice, made };
}

export const checkCommand: CliCommand = {
  words: ['check'],
  summary: 'Validate Flux objects in YAML files (schemas, CEL rules, Flux lints)',
  help,
  run,
};
