/**
 * LSP wiring of the OCI artifact operations for the editor (issue 7): push, pull, tag, list,
 * diff with a local folder, verify and sign, each a `workspace/executeCommand` on the one
 * CommandRegistry, plus `flux-oci.artifact.defaults`, which answers what the client
 * prefills its input boxes with (registry URLs of the OCIRepositories in the open file and
 * the workspace, a tag and source/revision from the workspace's git, candidate folders).
 *
 * Server command names live under `flux-oci.artifact.*` on purpose: vscode-languageclient
 * registers an editor command for every server command, so they must not collide with the
 * palette commands (`flux-oci.pushArtifact`, ...) that the client contributes.
 *


 * Cancelling either (or the request) aborts the operation through its AbortSignal.
 * Every command answers `{ ok: true, ... }` or `{ ok: false, error }` with a message a person
 * can act on; it never throws to the client and never logs a credential.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CancellationToken, Connection, ExecuteCommandParams, ProgressToken, WorkDoneProgressReporter } from 'vscode-languageserver/node';
import type { CommandRegistry } from './commandRegistry';
import type { OpenDocuments } from './documents';
import type { ObjectIndex } from '../domain/workspace/objectIndex';
import { YamlFile } from '../domain/yaml/yamlFile';
import { artifactDefaults } from '../domain/language/artifactDefaults';
import { formatReference, parseArtifactUrl } from '../domain/oci/reference';
import type { ConnectionOptions } from '../domain/oci/registry/access';
import type { CredentialSource } from '../domain/oci/registry/auth/credential';
import type { ProgressEvent } from '../domain/oci/operations/progress';
import type { VerificationPolicy } from '../domain/signatures/types';
import { pathOfKey } from './fileKeys';
import {
  artifactCommands,
  artifactFileRequest,
  type AccessArgs,
  type ArtifactFileParams,
  type CompareArgs,
  type ArtifactDefaults,
  type DefaultsArgs,
  type DiffArgs,
  type ListArgs,
  type ParsedReference,
  type PullArgs,
  type ReferenceArgs,
  type PushArgs,
  type SignArgs,
  type TagArgs,
  type VerifyArgs,
} from '../protocol/artifactMessages';
import type { Failure } from '../protocol/messages';
import { ArtifactCompare } from './artifactCompare';
import { whenCancelled } from './cancellation';

export interface ArtifactCommandsHost {
  connection: Connection;
  commands: CommandRegistry;
  documents: OpenDocuments;
  index: ObjectIndex;
  workspaceFolders: () => string[];
  progressSupported: () => boolean;
  log: (message: string) => void;
  /** The editor's registry log-ins (the ones live resolution uses); `creds` in a command wins over them. */
  session?: CredentialSource;
}

type Answer = { ok: true } & object;

export class ArtifactCommands {
  /** Comparing artifacts and serving their files (issue 14). */
  private readonly comparison: ArtifactCompare;

  constructor(private readonly host: ArtifactCommandsHost) {
    this.comparison = new ArtifactCompare({ cwd: () => this.cwd(), ...(host.session ? { session: host.session } : {}), log: host.log });
  }

  register(): void {
    const r = this.host.commands;
    r.register(artifactCommands.defaults, (arg) => this.defaults(arg ?? {}).catch((e: unknown) => this.failure('defaults', e)));
    r.register(artifactCommands.reference, (arg) => parsedReference(arg ?? {}));
    r.register(artifactCommands.push, (arg, token, params) =>
      this.run('Pushing artifact', arg, token, params, (a: PushArgs, conn, onProgress) => this.push(a, conn, onProgress)),
    );
    r.register(artifactCommands.pull, (arg, token, params) =>
      this.run('Pulling artifact', arg, token, params, (a: PullArgs, conn, onProgress) => this.pull(a, conn, onProgress)),
    );
    r.register(artifactCommands.tag, (arg, token, params) =>
      this.run('Tagging artifact', arg, token, params, (a: TagArgs, conn, onProgress) => this.tag(a, conn, onProgress)),
    );
    r.register(artifactCommands.list, (arg, token, params) =>
      this.run('Listing artifacts', arg, token, params, (a: ListArgs, conn, onProgress) => this.list(a, conn, onProgress)),
    );
    r.register(artifactCommands.diff, (arg, token, params) =>
      this.run('Comparing with the artifact', arg, token, params, (a: DiffArgs, conn, onProgress) => this.diff(a, conn, onProgress)),
    );
    r.register(artifactCommands.compare, (arg, token, params) =>
      this.run('Comparing artifacts', arg, token, params, (a: CompareArgs, conn, onProgress) => this.comparison.compare(a, conn, onProgress)),
    );
    this.host.connection.onRequest(artifactFileRequest.method, (p: ArtifactFileParams, token: CancellationToken) =>
      this.comparison.file(p, token, () => this.connectionOptions({})),
    );
    r.register(artifactCommands.verify, (arg, token, params) =>
      this.run('Verifying signature', arg, token, params, (a: VerifyArgs, conn, onProgress) => this.verify(a, conn, onProgress)),
    );
    r.register(artifactCommands.sign, (arg, token, params) =>
      this.run('Signing artifact', arg, token, params, (a: SignArgs, conn, onProgress) => this.sign(a, conn, onProgress)),
    );
  }

  // ---------- operations (the registry stack is loaded on first use) ----------

  private async push(a: PushArgs, connection: ConnectionOptions, onProgress: (e: ProgressEvent) => void): Promise<Answer> {
    requireString(a.url, 'url', 'the oci:// URL to push to, e.g. oci://ghcr.io/org/app:v1');
    requireString(a.path, 'path', 'the folder to pack');
    const cwd = this.cwd();
    const full = path.resolve(cwd, a.path);
    await mustExist(full, 'folder to push');
    const { pushArtifact } = await import('../domain/oci/operations/pushArtifact');
    const r = await pushArtifact({
      url: a.url,
      paths: [path.relative(cwd, full) || '.'],
      cwd,
      ...(a.source ? { source: a.source } : {}),
      ...(a.revision ? { revision: a.revision } : {}),
      ...(a.annotations?.length ? { annotations: a.annotations } : {}),
      ...(a.ignorePaths?.length ? { ignorePaths: a.ignorePaths } : {}),
      ...(a.reproducible ? { reproducible: true } : {}),
      connection,
      onProgress,
    });
    return { ok: true, ...r };
  }

  private async pull(a: PullArgs, connection: ConnectionOptions, onProgress: (e: ProgressEvent) => void): Promise<Answer> {
    requireString(a.url, 'url', 'the oci:// URL to pull, e.g. oci://ghcr.io/org/app:v1');
    requireString(a.output, 'output', 'an empty or new folder to extract into');
    const cwd = this.cwd();
    const { pullArtifact } = await import('../domain/oci/operations/pullArtifact');
    const r = await pullArtifact({ url: a.url, output: path.resolve(cwd, a.output), cwd, connection, onProgress });
    return { ok: true, ...r };
  }

  private async tag(a: TagArgs, connection: ConnectionOptions, onProgress: (e: ProgressEvent) => void): Promise<Answer> {
    requireString(a.url, 'url', 'the oci:// URL of the existing artifact');
    const tags = (Array.isArray(a.tags) ? a.tags : []).map((t) => String(t).trim()).filter(Boolean);
    const { tagArtifact } = await import('../domain/oci/operations/tagArtifact');
    const r = await tagArtifact({ url: a.url, tags, connection, onProgress });
    return { ok: true, ...r };
  }

  private async list(a: ListArgs, connection: ConnectionOptions, onProgress: (e: ProgressEvent) => void): Promise<Answer> {
    requireString(a.url, 'url', 'the oci:// repository URL, e.g. oci://ghcr.io/org/app');
    const { listArtifacts } = await import('../domain/oci/operations/listArtifacts');
    const r = await listArtifacts({
      url: a.url,
      ...(a.filterSemver ? { filterSemver: a.filterSemver } : {}),
      ...(a.filterRegex ? { filterRegex: a.filterRegex } : {}),
      connection,
      onProgress,
    });
    return { ok: true, ...r };
  }

  private async diff(a: DiffArgs, connection: ConnectionOptions, onProgress: (e: ProgressEvent) => void): Promise<Answer> {
    requireString(a.url, 'url', 'the oci:// URL to compare with');
    requireString(a.path, 'path', 'the local folder to compare');
    const cwd = this.cwd();
    const full = path.resolve(cwd, a.path);
    await mustExist(full, 'folder to compare');
    const { diffArtifact } = await import('../domain/oci/operations/diffArtifact');
    const r = await diffArtifact({ url: a.url, paths: [path.relative(cwd, full) || '.'], cwd, connection, onProgress });
    return { ok: true, ...r };
  }

  private async verify(a: VerifyArgs, connection: ConnectionOptions, onProgress: (e: ProgressEvent) => void): Promise<Answer> {
    requireString(a.url, 'url', 'the oci:// URL to verify');
    const cwd = this.cwd();
    let policy: VerificationPolicy;
    if (a.keys?.length) {
      const publicKeys = await Promise.all(a.keys.map(async (k) => ({ name: path.basename(k), pem: await readText(path.resolve(cwd, k), 'public key') })));
      policy = { provider: 'cosign', publicKeys };
    } else if (a.identity?.subject && a.identity.issuer) {
      policy = {
        provider: 'cosign',
        matchOIDCIdentity: [{ subject: a.identity.subject, issuer: a.identity.issuer }],
        ...(a.trustedRoot ? { trustedRootJson: await readText(path.resolve(cwd, a.trustedRoot), 'trusted root') } : {}),
      };
    } else {
      throw new UserError('say how to verify: a cosign public key file (keyed) or a certificate identity and OIDC issuer (keyless)');
    }
    const { verifyArtifact } = await import('../domain/oci/operations/artifactSignatures');
    const result = await verifyArtifact({ url: a.url, policy, connection, onProgress });
    return { ok: true, ...result };
  }

  private async sign(a: SignArgs, connection: ConnectionOptions, onProgress: (e: ProgressEvent) => void): Promise<Answer> {
    requireString(a.url, 'url', 'the oci:// URL to sign');
    requireString(a.keyFile, 'keyFile', 'the cosign private key (cosign.key)');
    const { signArtifact } = await import('../domain/oci/operations/artifactSignatures');
    const r = await signArtifact({
      url: a.url,
      keyFile: a.keyFile,
      password: a.password ?? '',
      format: a.format === 'legacy' ? 'legacy' : 'bundle',
      cwd: this.cwd(),
      connection,
      onProgress,
    });
    return { ok: true, ...r };
  }

  // ---------- defaults for the client's input boxes ----------

  async defaults(a: DefaultsArgs): Promise<Answer & ArtifactDefaults> {
    const active = a.uri ? this.host.documents.get(a.uri) : undefined;
    const fileOf = (key: string, uri: string): string => pathOfKey(key) ?? uri;
    const open = this.host.documents.all().filter((d) => d !== active);
    const ws = this.host.workspaceFolders()[0];
    const defaults = await artifactDefaults({
      ...(ws ? { workspaceFolder: ws } : {}),
      ...(active ? { active: { file: fileOf(active.key, active.uri), yaml: active.yaml } } : {}),
      open: open.map((d) => ({ file: fileOf(d.key, d.uri), yaml: d.yaml })),
      // Workspace files the index knows hold OCIRepositories (they are small).
      indexed: [...new Set(this.host.index.objectsOfKind('OCIRepository').map((o) => o.file))].flatMap((key) => {
        const file = pathOfKey(key);
        return file && !this.host.documents.byIndexKey(key) ? [file] : [];
      }),
      read: (file) => readFile(file, 'utf8').catch(() => undefined),
      parse: (text) => YamlFile.parse(text),
    });
    return { ok: true, ...defaults };
  }

  // ---------- plumbing ----------

  private cwd(): string {
    const ws = this.host.workspaceFolders()[0];
    if (!ws) throw new UserError('open a folder first: artifact commands work on the files of a workspace folder');
    return ws;
  }

  /** How to reach a registry: the command's own flags, else the editor's log-ins, then the docker config. */
  private connectionOptions(a: AccessArgs): ConnectionOptions {
    return {
      ...(a.creds ? { creds: a.creds } : {}),
      ...(this.host.session ? { session: this.host.session } : {}),
      ...(a.insecure ? { insecure: true } : {}),
      ...(a.caFile ? { caFile: a.caFile } : {}),
    };
  }

  /** Runs one operation with progress, cancellation and an `{ok}` answer. */
  private async run<A, R extends Answer>(
    title: string,
    arg: Partial<A> | undefined,
    token: CancellationToken,
    params: ExecuteCommandParams,
    op: (a: A, connection: ConnectionOptions, onProgress: (e: ProgressEvent) => void) => Promise<R>,
  ): Promise<R | Failure> {
    // Untrusted until each operation checks the fields it needs (requireString and friends).
    const a = (arg ?? {}) as A & AccessArgs;
    const controller = new AbortController();
    const sub = whenCancelled(token, () => controller.abort());
    const reporter = await this.progress(title, params.workDoneToken ?? a.progressToken);
    whenCancelled(reporter?.token, () => controller.abort());
    const onProgress = (e: ProgressEvent): void => {
      if (!reporter) return;
      const pct = e.total ? Math.min(100, Math.round(((e.bytes ?? 0) / e.total) * 100)) : undefined;
      reporter.report(pct ?? 0, e.message);
    };
    const connection: ConnectionOptions = { ...this.connectionOptions(a), signal: controller.signal };
    const started = performance.now();
    try {
      const answer = await op(a, connection, onProgress);
      this.host.log(`artifact: ${params.command} done in ${Math.round(performance.now() - started)} ms`);
      return answer;
    } catch (e) {
      if (controller.signal.aborted)
        return { ok: false, error: `${title} was cancelled; nothing was changed after the point it stopped (a push writes its tag last).`, code: 'cancelled' };
      return this.failure(params.command, e);
    } finally {
      sub.dispose();
      reporter?.done();
    }
  }

  private async progress(
    title: string,
    clientToken: ProgressToken | undefined,
  ): Promise<(WorkDoneProgressReporter & { token?: CancellationToken }) | undefined> {
    const w = this.host.connection.window;
    if (clientToken !== undefined) {
      const r = w.attachWorkDoneProgress(clientToken);
      r.begin(title, 0, undefined, true);
      return r;
    }
    if (!this.host.progressSupported()) return undefined;
    const r = await w.createWorkDoneProgress().catch(() => undefined);
    r?.begin(title, 0, undefined, true);
    return r;
  }

  private failure(command: string, e: unknown): Failure {
    const message = e instanceof Error ? e.message : String(e);
    const code = e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
    // Messages from the domain never carry credentials (they are built to be printed).
    this.host.log(`artifact: ${command} failed: ${message}`);
    return { ok: false, error: message, ...(code ? { code } : {}) };
  }
}

class UserError extends Error {}

/** `flux-oci.artifact.reference`: a failure says what is wrong in the parser's words (they name the rule). */
function parsedReference(a: Partial<ReferenceArgs>): (ParsedReference & { ok: true }) | Failure {
  try {
    requireString(a.url, 'url', 'an oci://host/repository URL, e.g. oci://ghcr.io/org/app');
    const named = parseArtifactUrl(a.url);
    const base = `oci://${named.registry}/${named.repository}`;
    const tag = a.tag?.trim();
    const ref = tag ? parseArtifactUrl(tag.startsWith('@') ? `${base}${tag}` : `${base}:${tag}`) : named;
    return {
      ok: true,
      url: `oci://${formatReference(ref)}`,
      repository: base,
      name: named.repository.split('/').pop() ?? named.repository,
      ...(ref.tag ? { tag: ref.tag } : {}),
      ...(ref.digest ? { digest: ref.digest } : {}),
    };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

function requireString(value: unknown, name: string, what: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw new UserError(`missing ${name}: give ${what}`);
}

async function mustExist(file: string, what: string): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (!st) throw new UserError(`the ${what} ${file} does not exist; pick an existing folder of the workspace`);
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the ${what} ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
