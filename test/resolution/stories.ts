// Shared pieces of the live-resolution stories: seeding a real registry with
// our own CLI, writing OCIRepository files, finding positions, waiting.
import { rmSync } from 'node:fs';
import type { Position } from 'vscode-languageserver-protocol';
import { makeWorkspace, runCli } from '../oci/runCli.ts';

export interface Seeded {
  /** tag → manifest digest */
  digests: Record<string, string>;
}

/** Pushes one artifact per tag (a different revision each, so digests differ); `alias` adds tags to existing ones. */
export async function seed(
  host: string,
  repo: string,
  tags: string[],
  alias: Record<string, string> = {},
  env: NodeJS.ProcessEnv = {},
  extra: string[] = [],
): Promise<Seeded> {
  const ws = makeWorkspace();
  const digests: Record<string, string> = {};
  try {
    for (const tag of tags) {
      const r = await runCli(
        [
          'push',
          'artifact',
          `oci://${host}/${repo}:${tag}`,
          '-f',
          'deploy',
          '--source',
          `https://github.com/org/${repo}`,
          '--revision',
          `${tag}@sha1:0123abcd`,
          '-o',
          'json',
          ...extra,
        ],
        { cwd: ws, env },
      );
      if (r.code !== 0) throw new Error(`push ${tag} failed: ${r.stderr}`);
      digests[tag] = (JSON.parse(r.stdout) as { digest: string }).digest;
    }
    for (const [newTag, existing] of Object.entries(alias)) {
      const r = await runCli(['tag', 'artifact', `oci://${host}/${repo}:${existing}`, '--tag', newTag, ...extra], { cwd: ws, env });
      if (r.code !== 0) throw new Error(`tag ${newTag} failed: ${r.stderr}`);
      digests[newTag] = digests[existing]!;
    }
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
  return { digests };
}

/** An OCIRepository; `ref` lines are written under `ref:` (indented by the caller's text), `extra` under spec. */
export function ociRepository(url: string, ref: Record<string, string> | undefined, extra = ''): string {
  const lines = [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: OCIRepository',
    'metadata:',
    '  name: app',
    '  namespace: flux-system',
    'spec:',
    '  interval: 5m',
    `  url: ${url}`,
  ];
  if (ref) {
    lines.push('  ref:');
    for (const [k, v] of Object.entries(ref)) lines.push(`    ${k}: ${JSON.stringify(v)}`);
  }
  if (extra) lines.push(...extra.split('\n').map((l) => `  ${l}`));
  return lines.join('\n') + '\n';
}

/** Position just inside the first occurrence of `needle` (plus `offset` characters). */
export function at(text: string, needle: string, offset = 1): Position {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, i + offset);
  const lines = before.split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1]!.length };
}

export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Applies LSP text edits (same line or multi-line) to a text. */
export function applyEdits(text: string, edits: Array<{ range: { start: Position; end: Position }; newText: string }>): string {
  const lines = text.split('\n');
  const offset = (p: Position): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}
