/**
 * LSP wiring of "which Flux is this folder checked against" (issue 11): keeps, per
 * workspace folder, the Flux CRDs and FluxInstances its YAML holds (scanned with the
 * workspace, updated per changed file), the `flux-oci.fluxVersion` /
 * `flux-oci.schemas.fromCluster` settings and, when that is on, the current kube
 * context's CRDs (read once, then watched). `setFor(key)` is what validation,
 * completion and hover of a file use; `changed` re-validates open files when the
 * answer moves.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chooseSchemas, describeChoice, fluxFactsOfText, type SchemaChoice, type WorkspaceFluxFacts } from '../domain/workspace/fluxVersion';
import { ClusterSchemas } from '../domain/cluster/clusterSchemas';
import { KubeClient } from '../domain/cluster/kubeClient';
import { loadClusterAccess } from '../domain/cluster/kubeConfig';
import type { SchemaSet } from '../domain/schema/schemaSet';
import { migrateFile } from '../domain/migration/migrate';
import { CodeActionKind, type CodeAction, type Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { ServerSettings } from './settings';
import { pathOfKey } from './fileKeys';

export interface SchemaSelectionHost {
  settings(): ServerSettings;
  workspaceFolders(): string[];
  /** The schemas of some folder changed: re-validate. */
  changed(): void;
  log(message: string): void;
}

export class SchemaSelection {
  /** folder → file (absolute) → what it says about Flux (only files that say something). */
  private readonly facts = new Map<string, Map<string, WorkspaceFluxFacts>>();
  /** Facts of folders being indexed, until `scanned`. */
  private readonly scanning = new Map<string, Map<string, WorkspaceFluxFacts>>();
  private readonly choices = new Map<string, SchemaChoice>();
  private cluster: ClusterSchemas | undefined;
  /** The last set read per kube context: switching back shows it at once while the fresh read runs. */
  private readonly lastByContext = new Map<string, SchemaChoice>();
  /** Follows `kubectl config use-context` (or the Switch Context command) while fromCluster is on. */
  private contextPoll: NodeJS.Timeout | undefined;
  private clusterError: string | undefined;
  private applied: { fluxVersion: string; fromCluster: boolean } = { fluxVersion: '', fromCluster: false };

  constructor(private readonly host: SchemaSelectionHost) {}

  /**
   * A workspace file's text as the indexer read it: what it says about Flux is kept for `scanned`
   * (the workspace is read once, by the indexer; cheap for files that mention no CRD).
   */
  sawFile(folder: string, file: string, text: string): void {
    const facts = factsOfText(text, file, folder);
    if (!facts) return;
    const byFile = this.scanning.get(folder) ?? new Map<string, WorkspaceFluxFacts>();
    this.scanning.set(folder, byFile);
    byFile.set(file, facts);
  }

  /** Every file of these folders was shown to `sawFile`: their facts replace the old ones, then re-decide. */
  scanned(folders: readonly string[]): void {
    this.settingsChanged(false);
    for (const folder of folders) {
      this.facts.set(folder, this.scanning.get(folder) ?? new Map<string, WorkspaceFluxFacts>());
      this.scanning.delete(folder);
    }
    this.recompute();
  }

  /** A YAML file changed or went away on disk. */
  async fileChanged(file: string, deleted: boolean): Promise<void> {
    const folder = this.folderOf(file);
    if (!folder) return;
    const byFile = this.facts.get(folder) ?? new Map<string, WorkspaceFluxFacts>();
    this.facts.set(folder, byFile);
    const facts = deleted ? undefined : await readFacts(file, folder);
    if (!facts && !byFile.has(file)) return;
    if (facts) byFile.set(file, facts);
    else byFile.delete(file);
    this.recompute();
  }

  /** Settings may have changed: start or stop reading the cluster, re-decide. */
  settingsChanged(recompute = true): void {
    const s = this.host.settings();
    const next = { fluxVersion: s.fluxVersion, fromCluster: s.schemas.fromCluster };
    if (next.fromCluster !== this.applied.fromCluster) {
      if (next.fromCluster) this.startCluster();
      else this.stopCluster();
    }
    const moved = next.fluxVersion !== this.applied.fluxVersion || next.fromCluster !== this.applied.fromCluster;
    this.applied = next;
    if (recompute && moved) this.recompute();
  }

  /** The schema set a file (by document key) is checked against. */
  setFor(key: string): SchemaSet | undefined {
    return this.choiceFor(key)?.set;
  }

  /** The choice and its reason, for the hover footer. */
  choiceFor(key: string): SchemaChoice | undefined {
    const file = pathOfKey(key);
    const folder = file ? this.folderOf(file) : undefined;
    return this.choices.get(folder ?? '') ?? this.choices.get('');
  }

  /** `Flux 2.8 (from flux-system/gotk-components.yaml)` */
  describe(key: string): string | undefined {
    const c = this.choiceFor(key);
    return c ? describeChoice(c) : undefined;
  }

  close(): void {
    this.stopCluster();
  }

  /**
   * "Migrate the whole file to current Flux APIs": offered with the diagnostics of a removed or
   * deprecated apiVersion when the file holds more than one object to migrate; one edit of the file.
   */
  migrateFileAction(doc: { key: string; uri: string; yaml: { text: string } }, diagnostics: readonly LspDiagnostic[]): CodeAction | undefined {
    const mine = diagnostics.filter((d) => d.code === 'schema/api-version-not-served' || d.code === 'schema/api-version-deprecated');
    if (!mine.length) return undefined;
    const set = this.setFor(doc.key);
    const m = migrateFile(doc.yaml.text, ...(set ? [set] : []));
    if (m.documents.length < 2) return undefined;
    const lines = doc.yaml.text.split('\n');
    const end = { line: lines.length - 1, character: lines[lines.length - 1]!.length };
    return {
      title: `Migrate the whole file to current Flux APIs (${m.documents.length} objects)`,
      kind: CodeActionKind.QuickFix,
      diagnostics: mine,
      edit: { changes: { [doc.uri]: [{ range: { start: { line: 0, character: 0 }, end }, newText: m.text }] } },
    };
  }

  private startCluster(): void {
    this.stopCluster();
    this.contextPoll = setInterval(() => this.followContext(), 5_000);
    this.contextPoll.unref();
    try {
      const client = new KubeClient(loadClusterAccess());
      const cluster = new ClusterSchemas(client, {
        onChange: (choice) => {
          if (choice) this.lastByContext.set(cluster.context, choice);
          this.recompute();
        },
        log: (m) => this.host.log(m),
      });
      this.cluster = cluster;
      this.clusterError = undefined;
      this.host.log(`schemas: reading the Flux CRDs of kube context ${client.access.context}`);
    } catch (err) {
      this.clusterError = err instanceof Error ? err.message : String(err);
      this.host.log(`schemas from cluster: ${this.clusterError}`);
    }
  }

  private stopCluster(): void {
    if (this.contextPoll) clearInterval(this.contextPoll);
    this.contextPoll = undefined;
    this.cluster?.close();
    this.cluster = undefined;
  }

  /** The kubeconfig's current context moved: read (and watch) the new one's CRDs. */
  private followContext(): void {
    let context: string | undefined;
    try {
      context = loadClusterAccess().context;
    } catch {
      return;
    }
    if (context === this.cluster?.context) return;
    this.host.log(`schemas: kube context is now ${context}`);
    this.startCluster();
    this.recompute();
  }

  private recompute(): void {
    const s = this.host.settings();
    const cluster = s.schemas.fromCluster && this.cluster ? (this.cluster.current ?? this.lastByContext.get(this.cluster.context)) : undefined;
    let moved = false;
    const folders = [...this.host.workspaceFolders(), ''];
    for (const folder of folders) {
      const facts: WorkspaceFluxFacts = { crds: [], instances: [] };
      for (const f of this.facts.get(folder)?.values() ?? []) {
        facts.crds.push(...f.crds);
        facts.instances.push(...f.instances);
      }
      let choice = chooseSchemas({ ...(cluster ? { cluster } : {}), fluxVersion: s.fluxVersion, facts });
      // asked for the cluster and did not get it: say so where the user looks (the hover)
      const why =
        s.schemas.fromCluster && !cluster ? (this.cluster?.error ?? this.clusterError ?? (this.cluster ? 'no Flux CRDs read yet' : undefined)) : undefined;
      if (why) choice = { ...choice, reason: `${choice.reason}; not the cluster's: ${why}` };
      const before = this.choices.get(folder);
      if (before?.set !== choice.set || before.reason !== choice.reason) {
        moved = true;
        if (folder) this.host.log(`schemas: ${folder} is checked against ${describeChoice(choice)}`);
      }
      this.choices.set(folder, choice);
    }
    if (moved) this.host.changed();
  }

  private folderOf(file: string): string | undefined {
    let best: string | undefined;
    for (const f of this.host.workspaceFolders()) {
      const prefix = f.endsWith(path.sep) ? f : `${f}${path.sep}`;
      if ((file === f || file.startsWith(prefix)) && (!best || f.length > best.length)) best = f;
    }
    return best;
  }
}

async function readFacts(file: string, folder: string): Promise<WorkspaceFluxFacts | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return factsOfText(text, file, folder);
}

function factsOfText(text: string, file: string, folder: string): WorkspaceFluxFacts | undefined {
  const facts = fluxFactsOfText(text, path.relative(folder, file).split(path.sep).join('/'));
  return facts.crds.length || facts.instances.length ? facts : undefined;
}
