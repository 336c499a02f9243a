/**
 * LSP wiring of the Gitless CI pipeline (issue 17): `flux-oci.ci.defaults` and `flux-oci.ci.create`
 * for "Create CI Pipeline for This Folder" (the domain decides and writes; the client only asks),
 * and the hover on an OCIRepository's `spec.verify.matchOIDCIdentity` saying which GitHub workflows
 * (or the GitLab pipeline) of the file's repository, and which of their refs, it accepts, with a
 * warning when none.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MarkupKind, type CancellationToken, type Hover, type HoverParams } from 'vscode-languageserver/node';
import { ciDefaults, type CiDefaults } from '../domain/ci/defaults';
import { githubPipeline, type RenderStep } from '../domain/ci/pipeline';
import { gitlabPipeline } from '../domain/ci/gitlabPipeline';
import { FilesExistError, writeGeneratedFiles } from '../domain/ci/writeFiles';
import { acceptanceMarkdown, acceptedWorkflows, identityPolicies, type WorkflowText } from '../domain/ci/workflowMatches';
import { YamlFile } from '../domain/yaml/yamlFile';
import { ciDefaultsCommand, createCiPipelineCommand, type CiDefaultsResult, type CreateCiPipelineArgs } from '../protocol/ciMessages';
import type { Answer } from '../protocol/messages';
import { version } from '../version';
import type { CommandRegistry } from './commandRegistry';
import type { OpenDocuments } from './documents';
import { pathOfKey } from './fileKeys';
import { toLspRange } from './convert';

export interface CiHost {
  commands: CommandRegistry;
  documents: OpenDocuments;
  log: (message: string) => void;
}

const cacheMs = 10_000;

export class CiFeatures {
  /** Git facts and workflow files per folder, briefly: a hover runs git and reads a few files. */
  private readonly repoCache = new Map<string, { at: number; value: Promise<{ defaults: CiDefaults; workflows: WorkflowText[] }> }>();

  constructor(private readonly host: CiHost) {}

  register(): void {
    this.host.commands.register(ciDefaultsCommand, (arg) => this.defaults(arg?.folder));
    this.host.commands.register(createCiPipelineCommand, (arg) => this.create(arg ?? {}));
  }

  private async defaults(folderArg: unknown): Promise<Answer<CiDefaultsResult>> {
    const folder = toPath(folderArg);
    if (!folder || !existsSync(folder)) return { ok: false, error: 'give the folder of manifests (a file: URI or a path)', code: 'invalid' };
    const d = await ciDefaults(folder);
    const rel = path.relative(d.root, folder).split(path.sep).join('/') || '.';
    if (rel.startsWith('..')) return { ok: false, error: `${folder} is outside its repository`, code: 'invalid' };
    const names = await readdir(folder).catch(() => [] as string[]);
    const render = names.includes('Chart.yaml') ? 'helm' : names.some((n) => /^(kustomization\.ya?ml|Kustomization)$/.test(n)) ? 'kustomize' : 'plain';
    const valuesFiles =
      render === 'helm' ? names.filter((n) => /^values.*\.ya?ml$/.test(n) && n !== 'values.yaml').map((n) => (rel === '.' ? n : `${rel}/${n}`)) : [];
    return {
      ok: true,
      root: d.root,
      folder: rel,
      render,
      valuesFiles,
      ...(d.system ? { system: d.system } : {}),
      ...(d.system && d.repository ? { repository: d.repository } : {}),
      ...(d.branch ? { branch: d.branch } : {}),
      ...(d.artifact
        ? { artifact: d.artifact }
        : d.system === 'gitlab' && d.repository && d.host
          ? { artifact: `registry.${d.host}/${d.repository.toLowerCase()}/manifests` }
          : {}),
      ...(d.name ? { name: d.name } : {}),
    };
  }

  private async create(
    arg: Partial<CreateCiPipelineArgs>,
  ): Promise<
    | Answer<{ written: string[]; replaced: string[]; identity: { issuer: string; subject: string }; notes: string[] }>
    | { ok: false; error: string; code: 'exists'; existing: string[] }
  > {
    const folder = toPath(arg.folder);
    if (!folder || !existsSync(folder)) return { ok: false, error: 'give the folder of manifests', code: 'invalid' };
    if (typeof arg.artifact !== 'string' || typeof arg.branch !== 'string' || !['plain', 'kustomize', 'helm'].includes(String(arg.render))) {
      return { ok: false, error: 'give render (plain, kustomize, helm), artifact and branch', code: 'invalid' };
    }
    const d = await ciDefaults(folder);
    const system = arg.system === 'gitlab' ? 'gitlab' : 'github';
    const repository = typeof arg.repository === 'string' && arg.repository ? arg.repository : d.system === system ? d.repository : undefined;
    if (!repository)
      return {
        ok: false,
        error: `this folder has no ${system === 'github' ? 'GitHub' : 'GitLab'} remote: give the repository as ${system === 'github' ? 'OWNER/REPO' : 'GROUP/PROJECT'}`,
        code: 'invalid',
      };
    const host = system === 'github' ? 'github.com' : d.system === 'gitlab' && d.host ? d.host : 'gitlab.com';
    const rel = path.relative(d.root, folder).split(path.sep).join('/') || '.';
    const name = d.name ?? (repository.split('/').pop() ?? 'app').toLowerCase().replace(/[^a-z0-9-]+/g, '-');
    const values = Array.isArray(arg.valuesFiles) ? arg.valuesFiles.filter((v): v is string => typeof v === 'string') : [];
    const render: RenderStep =
      arg.render === 'helm' ? { kind: 'helm', chart: rel, values, releaseName: name } : { kind: arg.render as 'plain' | 'kustomize', path: rel };
    try {
      const pipeline = (system === 'github' ? githubPipeline : gitlabPipeline)({
        host,
        repository,
        workflowFile: 'flux-artifact.yml',
        artifact: arg.artifact,
        render,
        refs: { branches: [arg.branch], ...(typeof arg.tagPrefix === 'string' ? { tagPrefix: arg.tagPrefix } : {}) },
        name,
        namespace: 'flux-system',
        syncFile: `flux/${name}-sync.yaml`,
        fluxOciVersion: /^\d+\.\d+\.\d+$/.test(version) ? version : '0.1.0',
      });
      const r = await writeGeneratedFiles(d.root, pipeline.files, { force: arg.force === true });
      this.repoCache.clear();
      return {
        ok: true,
        written: r.written.map((p) => path.join(d.root, p)),
        replaced: r.replaced.map((p) => path.join(d.root, p)),
        identity: pipeline.identity,
        notes: pipeline.notes,
      };
    } catch (err) {
      if (err instanceof FilesExistError) return { ok: false, error: err.message, code: 'exists', existing: err.existing.map((p) => path.join(d.root, p)) };
      return { ok: false, error: err instanceof Error ? err.message : String(err), code: 'invalid' };
    }
  }

  /** Hover on an OCIRepository's matchOIDCIdentity: the workspace's GitHub workflows it accepts. */
  async hover(p: HoverParams, _token: CancellationToken, previous: Hover | null): Promise<Hover | null> {
    try {
      const doc = this.host.documents.get(p.textDocument.uri);
      const fileDoc = doc?.yaml.documentAt(p.position);
      const file = pathOfKey(p.textDocument.uri);
      if (!fileDoc || !file) return previous;
      const pos = YamlFile.toDocumentPosition(fileDoc, p.position);
      const policy = identityPolicies(fileDoc.parsed).find((x) => inside(x.range, pos));
      if (!policy) return previous;
      const { defaults, workflows } = await this.repoOf(path.dirname(file));
      if (!defaults.system || !defaults.repository || !defaults.host) return previous;
      const result = acceptedWorkflows(policy, { system: defaults.system, host: defaults.host, repository: defaults.repository }, workflows);
      if (!result) return previous;
      const text = acceptanceMarkdown(policy, defaults.repository, result, defaults.system);
      const before = previous && typeof previous.contents === 'object' && 'value' in previous.contents ? previous.contents.value : '';
      return {
        contents: { kind: MarkupKind.Markdown, value: before ? `${before}\n\n---\n\n${text}` : text },
        range: previous?.range ?? toLspRange(YamlFile.toFileRange(fileDoc, policy.range)),
      };
    } catch (e) {
      this.host.log(`ci hover failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return previous;
    }
  }

  private repoOf(folder: string): Promise<{ defaults: CiDefaults; workflows: WorkflowText[] }> {
    const hit = this.repoCache.get(folder);
    if (hit && Date.now() - hit.at < cacheMs) return hit.value;
    const value = (async () => {
      const defaults = await ciDefaults(folder);
      if (defaults.system === 'gitlab') {
        const text = await readFile(path.join(defaults.root, '.gitlab-ci.yml'), 'utf8').catch(() => undefined);
        return { defaults, workflows: text === undefined ? [] : [{ path: '.gitlab-ci.yml', text }] };
      }
      const dir = path.join(defaults.root, '.github', 'workflows');
      const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.ya?ml$/.test(n)).sort();
      const workflows = await Promise.all(
        names.map(async (n) => ({ path: `.github/workflows/${n}`, text: await readFile(path.join(dir, n), 'utf8').catch(() => '') })),
      );
      return { defaults, workflows };
    })();
    this.repoCache.set(folder, { at: Date.now(), value });
    return value;
  }
}

function toPath(v: unknown): string | undefined {
  if (typeof v !== 'string' || !v) return undefined;
  return v.startsWith('file:') ? pathOfKey(v) : path.resolve(v);
}

function inside(r: { start: { line: number; character: number }; end: { line: number; character: number } }, p: { line: number; character: number }): boolean {
  const after = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const before = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return after && before;
}
