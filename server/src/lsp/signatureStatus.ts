/**
 * LSP side of signature checks (`spec.verify` of an OCIRepository): reads the
 * policy's keys from the workspace index (Secret manifests) or the
 * `flux-oci.verify.*` settings, asks for a background check of the resolved
 * digest, and gives the hover section and diagnostics for what is known now.
 * Live resolution calls it and republishes when a check finishes; nothing here
 * waits on a registry beyond the hover's short budget.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { CancellationToken } from 'vscode-languageserver/node';
import type { Diagnostic } from '../domain/diagnostics';
import type { ObjectIndex } from '../domain/workspace/objectIndex';
import type { ParsedDocument } from '../domain/yaml/parsedDocument';
import type { YamlFile } from '../domain/yaml/yamlFile';
import type { RegistryCache, RepositoryTarget } from '../domain/resolution/registryCache';
import type { Resolution } from '../domain/resolution/resolution';
import type { OciSourceDocument } from '../domain/language/liveResolution/ociSourceDocument';
import {
  choosePolicy,
  readVerifySpec,
  signatureDiagnostics,
  signatureHover,
  SignatureVerifications,
  SignaturePresences,
  unverifiedSourceHover,
  type KeySources,
  type ReadFile,
  type SignatureView,
  type VerifySpec,
} from '../domain/language/signatureStatus/index';
import { pathOfKey } from './fileKeys';
import type { ServerSettings } from './settings';
import { settleWithin } from './settleWithin';
import { repositoryTargetOf } from '../domain/resolution/ociSourceSpec';

export interface EditorSignaturesHost {
  cache: RegistryCache;
  /** Where Secret manifests are looked up; without it only the settings' key files are used. */
  index?: ObjectIndex;
  settings: () => ServerSettings;
  workspaceFolders?: () => string[];
  /** A check finished: diagnostics and hovers may read differently now. */
  changed: () => void;
}

/** Key files are tiny but read on every publish: a short cache keeps typing free of disk reads. */
const fileCacheMs = 2_000;

export class EditorSignatures {
  readonly verifications: SignatureVerifications;
  /** What signatures a registry holds, for sources nothing verifies (FluxInstance spec.sync). */
  readonly presences: SignaturePresences;
  private readonly files = new Map<string, { at: number; file: ReadFile }>();
  /** Secret documents last seen per open file, to notice an edited key. */
  private readonly secretDocs = new Map<string, ParsedDocument[]>();

  constructor(private readonly host: EditorSignaturesHost) {
    this.verifications = new SignatureVerifications(host.cache);
    this.verifications.onChecked(() => host.changed());
    this.presences = new SignaturePresences(host.cache);
  }

  /** Signature diagnostics of one OCIRepository (document coordinates); starts a check if needed. */
  diagnostics(src: OciSourceDocument, r: Resolution | undefined): Diagnostic[] {
    const at = this.look(src, r);
    return at ? signatureDiagnostics(at.verify, at.view) : [];
  }

  /** True when the line is inside the `verify` block (hover there shows the signature). */
  onVerify(src: OciSourceDocument, line: number): boolean {
    const v = readVerifySpec(src);
    return !!v && line >= v.firstLine && line <= v.lastLine;
  }

  /** The hover section, waiting up to `budgetMs` for a check in flight. */
  async hover(src: OciSourceDocument, r: Resolution | undefined, token: CancellationToken, budgetMs: number): Promise<string | undefined> {
    if (src.unverified && !readVerifySpec(src)) return this.unverifiedHover(src.unverified, src, r, token, budgetMs);
    const at = this.look(src, r);
    if (!at) return undefined;
    if (at.view.state === 'checking' && at.pending) {
      const status = await settleWithin(at.pending, budgetMs, token);
      if (status) return signatureHover(status);
    }
    return signatureHover(at.view);
  }

  /**
   * True when a file's Secret manifests changed since it was last seen: a pasted
   * key changes no object identity, so nothing else would re-check the sources.
   */
  secretsChanged(key: string, yaml: YamlFile): boolean {
    const now = yaml.documents.filter((d) => d.isParsed && d.parsed.identity.kind === 'Secret').map((d) => d.parsed);
    const before = this.secretDocs.get(key) ?? [];
    if (now.length) this.secretDocs.set(key, now);
    else this.secretDocs.delete(key);
    return now.length !== before.length || now.some((d, i) => d !== before[i]);
  }

  forget(key: string): void {
    this.secretDocs.delete(key);
  }

  /** A source whose object cannot ask Flux to verify: say so, with the signatures the registry holds (information only). */
  private async unverifiedHover(
    why: string,
    src: OciSourceDocument,
    r: Resolution | undefined,
    token: CancellationToken,
    budgetMs: number,
  ): Promise<string | undefined> {
    if (this.host.cache.isOffline || !r?.ok) return `**Signature:** ${why}.`;
    let target: RepositoryTarget;
    try {
      target = repositoryTargetOf(src.spec);
    } catch {
      return undefined;
    }
    const known = this.presences.peek(target, r.digest);
    const pending = this.presences.request(target, r.digest);
    pending.catch(() => undefined);
    return unverifiedSourceHover(why, known ?? (await settleWithin(pending, budgetMs, token)));
  }

  /** Forgets every check (refresh command, new credentials, offline switch) and re-reads key files. */
  refresh(): void {
    this.presences.refresh();
    this.verifications.refresh();
    this.files.clear();
  }

  private look(src: OciSourceDocument, r: Resolution | undefined): { verify: VerifySpec; view: SignatureView; pending?: Promise<SignatureView> } | undefined {
    const verify = readVerifySpec(src);
    if (!verify) return undefined;
    if (this.host.cache.isOffline) return { verify, view: { state: 'offline' } };
    if (!r || !r.ok) return { verify, view: { state: 'unresolved' } };
    const choice = choosePolicy(verify, this.keySources());
    if (choice.kind === 'unsupported') return { verify, view: { state: 'unsupported', message: choice.message } };
    if (choice.kind === 'keys-unavailable') return { verify, view: { state: 'keys-unavailable', message: choice.message } };
    let target: RepositoryTarget;
    try {
      target = repositoryTargetOf(src.spec);
    } catch {
      return undefined;
    }
    const known = this.verifications.peek(target, r.digest, choice);
    const pending = this.verifications.request(target, r.digest, choice);
    pending.catch(() => undefined);
    return { verify, view: known ?? { state: 'checking' }, pending };
  }

  private keySources(): KeySources {
    const settings = this.host.settings().verify;
    const index = this.host.index;
    return {
      findSecret: (name, namespace) => {
        if (!index) return undefined;
        const found = index.find('Secret', name, namespace);
        // An exact namespace beats a manifest without one (which kustomize may place anywhere).
        const best = found.find((o) => o.namespace === namespace) ?? found[0];
        const doc = best && index.documentOf(best);
        return best && doc ? { doc, where: this.displayPath(best.file) } : undefined;
      },
      keyFiles: settings.publicKeyFiles.map((f) => this.readFile(f)),
      ...(settings.trustedRoot ? { trustedRoot: this.readFile(settings.trustedRoot) } : {}),
      ...(settings.notationTrustPolicy ? { notationTrustPolicy: this.readFile(settings.notationTrustPolicy) } : {}),
      notationCaFiles: (settings.notationCaFiles ?? []).map((f) => this.readFile(f)),
    };
  }

  private readFile(configured: string): ReadFile {
    const now = Date.now();
    const held = this.files.get(configured);
    if (held && now - held.at <= fileCacheMs) return held.file;
    let file: ReadFile;
    try {
      file = { name: configured, text: readFileSync(this.resolvePath(configured), 'utf8') };
    } catch (err) {
      file = { name: configured, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
    }
    this.files.set(configured, { at: now, file });
    return file;
  }

  /** `~/x`, absolute, or relative to the first workspace folder. */
  private resolvePath(p: string): string {
    if (p === '~' || p.startsWith('~/')) return path.join(homedir(), p.slice(1));
    if (path.isAbsolute(p)) return p;
    const root = this.host.workspaceFolders?.()[0];
    return path.resolve(root ?? process.cwd(), p);
  }

  private displayPath(key: string): string {
    const file = pathOfKey(key);
    if (!file) return key;
    const root = this.host.workspaceFolders?.().find((f) => file.startsWith(f.endsWith('/') ? f : `${f}/`));
    return root ? path.relative(root, file) : path.basename(file);
  }
}
