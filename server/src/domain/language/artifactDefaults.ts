/**
 * What the editor prefills its artifact prompts with: the OCIRepositories of the active file,
 * the other open files and the workspace (repository URLs and the refs they ask for), tag
 * candidates and source/revision from git, and the folders CI would likely push.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { YamlFile } from '../yaml/yamlFile';
import { readOciSource } from './liveResolution/index';
import { readGitFacts, gitRevision } from '../oci/artifact/gitFacts';
import { stripUrlCredentials } from '../oci/artifact/annotations';
import { isKustomizationFile } from '../workspace/patchFiles';

/** An OCIRepository found in the open file or the workspace. */
export interface SourceDefault {
  url: string;
  name?: string;
  /** The ref it asks for, e.g. `semver: ">=1.0.0"` or `tag: v1`. */
  ref?: string;
  file: string;
  /** True when it is in the file the request was made from. */
  inActiveFile: boolean;
}

export interface ArtifactDefaults {
  sources: SourceDefault[];
  /** Tag candidates, best first: the exact git tag of HEAD, the short commit, `latest`. */
  tags: string[];
  /** Candidate folders to push or diff, best first (workspace-relative when inside it). */
  folders: string[];
  workspaceFolder?: string;
  git?: { source?: string; revision?: string; branch?: string; commit?: string };
}

export interface DefaultsInput {
  workspaceFolder?: string;
  /** The file the prompt was opened from. */
  active?: { file: string; yaml: YamlFile };
  /** The other open files, as the editor holds them. */
  open: Array<{ file: string; yaml: YamlFile }>;
  /** Workspace files known to hold OCIRepositories, read when not open (at most 50). */
  indexed: string[];
  read: (file: string) => Promise<string | undefined>;
  parse: (text: string) => YamlFile;
}

export async function artifactDefaults(input: DefaultsInput): Promise<ArtifactDefaults> {
  const sources: SourceDefault[] = [];
  const seen = new Set<string>();
  const add = (file: string, yaml: YamlFile, inActiveFile: boolean): void => {
    for (const d of yaml.documents) {
      const src = readOciSource(d.parsed);
      if (!src) continue;
      const ref = src.spec.ref;
      const refText = ref.digest ? `digest: ${ref.digest}` : ref.semver ? `semver: ${ref.semver}` : ref.tag ? `tag: ${ref.tag}` : undefined;
      const key = `${src.spec.url}|${refText ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      sources.push({
        url: src.spec.url,
        ...(d.parsed.identity.name ? { name: d.parsed.identity.name } : {}),
        ...(refText ? { ref: refText } : {}),
        file,
        inActiveFile,
      });
    }
  };
  if (input.active) add(input.active.file, input.active.yaml, true);
  for (const o of input.open) add(o.file, o.yaml, false);
  const known = new Set([input.active?.file, ...input.open.map((o) => o.file)]);
  for (const file of input.indexed.slice(0, 50)) {
    if (known.has(file)) continue;
    const text = await input.read(file);
    if (text !== undefined) add(file, input.parse(text), false);
  }

  const ws = input.workspaceFolder;
  const gitDir = ws ?? (input.active ? path.dirname(input.active.file) : undefined);
  const facts = gitDir ? await readGitFacts(gitDir) : undefined;
  const tags = unique([facts?.exactTag, facts?.commit?.slice(0, 7), 'latest']);
  const folders = unique([
    input.active ? relativeTo(ws, path.dirname(input.active.file)) : undefined,
    ...(ws ? await candidateFolders(ws) : []),
    ws ? '.' : undefined,
  ]);
  const git = facts && {
    ...(facts.remote ? { source: stripUrlCredentials(facts.remote) } : {}),
    // The same conventions push uses (flux's): `<ref>@sha1:<commit>`.
    ...(facts.commit ? { revision: gitRevision({ ...facts, commit: facts.commit }), commit: facts.commit } : {}),
    ...(facts.branch ? { branch: facts.branch } : {}),
  };
  return { sources, tags, folders, ...(ws ? { workspaceFolder: ws } : {}), ...(git && facts?.commit ? { git } : {}) };
}

function unique(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => !!v))];
}

function relativeTo(ws: string | undefined, dir: string): string {
  if (!ws) return dir;
  const rel = path.relative(ws, dir);
  return rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
}

/** Folders that look like what CI pushes: ones holding a kustomization file, up to three levels down. */
async function candidateFolders(ws: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.some((e) => e.isFile() && isKustomizationFile(e.name)) && dir !== ws) out.push(path.relative(ws, dir));
    if (depth >= 3 || out.length >= 20) return;
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') await walk(path.join(dir, e.name), depth + 1);
    }
  };
  await walk(ws, 0);
  return out;
}
