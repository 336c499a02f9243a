// A small typed LSP client for tests: spawns the real server (dist/server.js --stdio)
// under the pinned Node and talks JSON-RPC to it, like an editor would.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import serverNodeFlags from '../../bin/serverNodeFlags.json' with { type: 'json' };
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import type {
  CodeAction,
  CompletionItem,
  CompletionList,
  Diagnostic,
  DocumentSymbol,
  Hover,
  InitializeResult,
  Location,
  LocationLink,
  Position,
  PublishDiagnosticsParams,
  Range,
  TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const serverPath = path.join(repoRoot, 'dist/server.js');

export interface StartOptions {
  /** Folders the editor has open (indexed by the server). */
  workspaceFolders?: string[];
  /** `flux-oci` settings passed as initializationOptions. */
  settings?: Record<string, unknown>;
  /** Ask for LocationLink answers to go to definition. */
  linkSupport?: boolean;
  /**
   * Act like an editor with `workspace/configuration` (VS Code, Neovim): the server pulls
   * `settings` after `initialized` and again on each `setSettings`.
   */
  configuration?: boolean;
  /** Extra environment for the server process. */
  env?: Record<string, string>;
  /** Node flags for the server process (e.g. --expose-gc). */
  nodeArgs?: string[];
  /** Act like an editor without workspace folders (older or minimal LSP clients): one `rootUri`, no `workspaceFolders`. */
  rootUriOnly?: boolean;
  /** `capabilities.experimental`, e.g. `{ fluxOci: { compareArtifacts: true } }` as the VS Code client announces. */
  experimental?: Record<string, unknown>;
  /**
   * Start this program instead of `node dist/server.js --stdio`: an installed server, the way an
   * editor starts it. Its `env` is the whole environment (nothing inherited from the test).
   */
  command?: { file: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv };
}

export class LspClient {
  readonly connection: ProtocolConnection;
  readonly stderr: string[] = [];
  readonly logs: string[] = [];
  /** Every publishDiagnostics received, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  private readonly waiters: Array<{ test: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }> = [];
  private readonly versions = new Map<string, number>();
  private exited = false;
  exitCode: number | null = null;
  /** What the client answers `workspace/configuration` with (the `flux-oci` section). */
  private settings: Record<string, unknown> = {};
  readonly process: ChildProcess;

  private constructor(process: ChildProcess) {
    this.process = process;
    this.connection = createProtocolConnection(new StreamMessageReader(process.stdout!), new StreamMessageWriter(process.stdin!));
    process.stderr!.on('data', (b: Buffer) => this.stderr.push(b.toString()));
    process.on('exit', (code) => {
      this.exited = true;
      this.exitCode = code;
      // A dead server answers nothing: fail the requests still waiting instead of hanging the test.
      setImmediate(() => this.connection.dispose());
    });
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.published.push(p);
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i]!;
        if (w.test(p)) {
          this.waiters.splice(i, 1);
          w.resolve(p);
        }
      }
    });
    this.connection.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
    });
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('workspace/configuration', (p: { items?: unknown[] }) => (p.items ?? [null]).map(() => this.settings));
    this.connection.listen();
  }

  static async start(options: StartOptions = {}): Promise<LspClient> {
    const { command } = options;
    const child = command
      ? spawn(command.file, command.args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: command.cwd, env: command.env })
      : spawn(process.execPath, [...serverNodeFlags, ...(options.nodeArgs ?? []), serverPath, '--stdio'], {
          stdio: ['pipe', 'pipe', 'pipe'],
          cwd: repoRoot,
          env: { ...process.env, ...options.env },
        });
    const client = new LspClient(child);
    client.settings = options.settings ?? {};
    await client.initialize(options);
    return client;
  }

  get alive(): boolean {
    return !this.exited;
  }

  private initializeResult?: InitializeResult;

  get capabilities(): InitializeResult['capabilities'] {
    return this.initializeResult!.capabilities;
  }

  get serverInfo(): InitializeResult['serverInfo'] {
    return this.initializeResult!.serverInfo;
  }

  private async initialize(options: StartOptions): Promise<void> {
    const folders = (options.workspaceFolders ?? []).map((f) => ({ uri: pathToFileURL(f).href, name: path.basename(f) }));
    this.initializeResult = await this.connection.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: folders[0]?.uri ?? null,
      workspaceFolders: folders.length && !options.rootUriOnly ? folders : null,
      initializationOptions: options.settings ? { settings: options.settings } : undefined,
      capabilities: {
        workspace: {
          configuration: options.configuration === true,
          workspaceFolders: !options.rootUriOnly,
          didChangeWatchedFiles: { dynamicRegistration: false },
        },
        textDocument: {
          synchronization: { dynamicRegistration: false },
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          definition: { linkSupport: options.linkSupport === true },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
          publishDiagnostics: { versionSupport: true },
        },
        ...(options.experimental ? { experimental: options.experimental } : {}),
      },
    });
    await this.connection.sendNotification('initialized', {});
  }

  open(uri: string, text: string, version = 1): void {
    this.versions.set(uri, version);
    void this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text } });
  }

  /** Sends changes and returns the new version. */
  change(uri: string, changes: TextDocumentContentChangeEvent[]): number {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    void this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  replaceAll(uri: string, text: string): number {
    return this.change(uri, [{ text }]);
  }

  /** The user changed `flux-oci.*` settings: the server is told and pulls them (with `configuration`). */
  setSettings(settings: Record<string, unknown>): void {
    this.settings = settings;
    void this.connection.sendNotification('workspace/didChangeConfiguration', { settings: { 'flux-oci': settings } });
  }

  executeCommand<T = unknown>(command: string, args: unknown[] = []): Promise<T> {
    return this.connection.sendRequest<T>('workspace/executeCommand', { command, arguments: args });
  }

  close(uri: string): void {
    void this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  notifyWatchedFiles(changes: Array<{ uri: string; type: 1 | 2 | 3 }>): void {
    void this.connection.sendNotification('workspace/didChangeWatchedFiles', { changes });
  }

  /** Resolves with the first publishDiagnostics for `uri` (at `version` or later, when given). */
  diagnostics(uri: string, version?: number, timeoutMs = 10_000): Promise<Diagnostic[]> {
    const test = (p: PublishDiagnosticsParams) => p.uri === uri && (version === undefined || (p.version ?? 0) >= version);
    return new Promise<Diagnostic[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} (version ${version}) within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p.diagnostics);
        },
      });
    });
  }

  /** Diagnostics published after the given count of notifications, e.g. a re-check caused by another file. */
  nextDiagnostics(uri: string, predicate: (d: Diagnostic[]) => boolean, timeoutMs = 10_000): Promise<Diagnostic[]> {
    return new Promise<Diagnostic[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        test: (p) => p.uri === uri && predicate(p.diagnostics),
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p.diagnostics);
        },
      });
    });
  }

  async completion(uri: string, position: Position): Promise<CompletionItem[]> {
    const r = await this.connection.sendRequest<CompletionItem[] | CompletionList | null>('textDocument/completion', { textDocument: { uri }, position });
    if (!r) return [];
    return Array.isArray(r) ? r : r.items;
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position });
  }

  async definition(uri: string, position: Position): Promise<Array<Location | LocationLink>> {
    const r = await this.connection.sendRequest<Location | Array<Location | LocationLink> | null>('textDocument/definition', {
      textDocument: { uri },
      position,
    });
    if (!r) return [];
    return Array.isArray(r) ? r : [r];
  }

  async references(uri: string, position: Position, includeDeclaration = false): Promise<Location[]> {
    return (
      (await this.connection.sendRequest<Location[] | null>('textDocument/references', { textDocument: { uri }, position, context: { includeDeclaration } })) ??
      []
    );
  }

  async documentSymbols(uri: string): Promise<DocumentSymbol[]> {
    return (await this.connection.sendRequest<DocumentSymbol[] | null>('textDocument/documentSymbol', { textDocument: { uri } })) ?? [];
  }

  async codeActions(uri: string, range: Range, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    return (
      (await this.connection.sendRequest<CodeAction[] | null>('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics } })) ?? []
    );
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    try {
      await withTimeout(this.connection.sendRequest('shutdown'), 3000);
      void this.connection.sendNotification('exit');
    } catch {
      // fall through to kill
    }
    await new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      const t = setTimeout(() => {
        this.process.kill('SIGKILL');
        resolve();
      }, 3000);
      this.process.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.connection.dispose();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Position of the `|` marker in a fixture, and the text without it. */
export function cursor(textWithMarker: string): { text: string; position: Position } {
  const i = textWithMarker.indexOf('|');
  if (i < 0) throw new Error('fixture has no | cursor marker');
  const before = textWithMarker.slice(0, i);
  const lines = before.split('\n');
  return { text: before + textWithMarker.slice(i + 1), position: { line: lines.length - 1, character: lines[lines.length - 1]!.length } };
}

export function fileUri(p: string): string {
  return pathToFileURL(p).href;
}
