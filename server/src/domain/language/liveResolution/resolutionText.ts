/**
 * How a resolution reads in the editor: the hover's markdown and the inlay
 * hint's label. Pure text, shared by the LSP layer and tests.
 */
import type { Resolution, ResolvedSource, ArtifactFacts } from '../../resolution/resolution';
import type { OciSourceSpec } from '../../resolution/ociSourceSpec';
import { effectiveRefKind } from '../../resolution/ociSourceSpec';
import { short } from '../../resolution/resolveOciSource';

export type ResolutionState = { state: 'offline' } | { state: 'resolving' } | { state: 'done'; resolution: Resolution };

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const why: Record<string, string> = {
  digest: 'pinned by `ref.digest` (wins over semver and tag)',
  semver: 'highest tag matching `ref.semver` (Masterminds rules, as source-controller)',
  tag: '`ref.tag`',
  latest: 'no ref set, so Flux uses the tag `latest`',
};

export function hoverMarkdown(spec: OciSourceSpec, s: ResolutionState): string {
  const kind = effectiveRefKind(spec.ref);
  const head = `**Flux will deploy** — ${why[kind]}`;
  if (s.state === 'offline') return `${head}\n\n_Registry lookups are off (\`flux-oci.registry.offline\`)._`;
  if (s.state === 'resolving') return `${head}\n\n_Resolving against the registry…_ (hover again in a moment)`;
  const r = s.resolution;
  if (!r.ok) {
    const lines = [head, '', `${r.registryProblem ? 'ℹ️' : '⚠️'} ${escape(r.message)}`];
    if (r.nearest?.length) lines.push('', `Nearest: ${r.nearest.map(code).join(', ')}`);
    if (r.prereleaseHint)
      lines.push(
        '',
        `${code(r.prereleaseHint)} is a prerelease: Masterminds only admits prereleases when the range has one (e.g. append \`-0\`: \`>=1.0.0-0\`).`,
      );
    return lines.join('\n');
  }
  return [head, '', ...resolvedLines(r)].join('\n');
}

function resolvedLines(r: ResolvedSource): string[] {
  const out: string[] = [];
  out.push(`\`${r.repository}${r.tag ? `:${r.tag}` : ''}@${r.digest}\``, '');
  out.push(...artifactTable(r.artifact));
  if (r.inRange && r.inRange.length > 1) {
    const others = r.inRange.slice(1, 11);
    out.push('', `Also in range (${r.inRange.length - 1}): ${others.map(code).join(', ')}${r.inRange.length > 11 ? ', …' : ''}`);
  }
  if (r.kind === 'digest') {
    if (r.tagsAtDigest?.length)
      out.push('', `Tags at this digest: ${r.tagsAtDigest.map(code).join(', ')}${r.tagsAtDigestPartial ? ' (newest tags checked)' : ''}`);
    else out.push('', `No tag points at this digest${r.tagsAtDigestPartial ? ' among the newest tags checked' : ''}.`);
    if (r.pinnedTag) {
      if (!r.pinnedTag.digest) out.push('', `⚠️ \`ref.tag\` ${code(r.pinnedTag.tag)} no longer exists.`);
      else if (r.pinnedTag.digest !== r.digest)
        out.push('', `⚠️ \`ref.tag\` ${code(r.pinnedTag.tag)} now points at \`${short(r.pinnedTag.digest)}…\`, not the pinned digest.`);
    }
  }
  if (r.newerTag) out.push('', `Newer in the same major version: ${code(r.newerTag.tag)}`);
  if (r.missingLayer) out.push('', `⚠️ No layer has media type \`${r.missingLayer}\`: Flux will fail with "failed to find layer".`);
  return out;
}

function artifactTable(a: ArtifactFacts): string[] {
  const rows: Array<[string, string]> = [];
  if (a.created) rows.push(['created', a.created]);
  if (a.source) rows.push(['source', a.source]);
  if (a.revision) rows.push(['revision', a.revision]);
  rows.push(['size', `${formatSize(a.size)} (${a.layers.length} layer${a.layers.length === 1 ? '' : 's'})`]);
  if (a.manifestDigest !== a.digest) rows.push(['image manifest', `\`${a.manifestDigest}\` (linux/amd64 of an index)`]);
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${k === 'image manifest' ? v : escape(v)} |`)];
}

/**
 * Links that compare what the source resolves to with the version before it and with a
 * workspace folder (issue 14), for editors that run `command` (the VS Code client's
 * compare command) from hover links. The argument is the link's JSON, URI-encoded.
 */
export function compareLinks(r: Resolution, command: string): string | undefined {
  if (!r.ok) return undefined;
  const url = `oci://${r.repository}@${r.digest}`;
  const previous = r.kind === 'semver' && r.inRange && r.inRange.length > 1 ? `oci://${r.repository}:${r.inRange[1]}` : undefined;
  const link = (title: string, tip: string, arg: object): string => `[${title}](command:${command}?${encodeURIComponent(JSON.stringify([arg]))} "${tip}")`;
  const base = { url, ...(r.tag ? { tag: r.tag } : {}) };
  return [
    link('Compare with the previous version', 'Open the files that changed since the version before it', {
      ...base,
      with: 'previous',
      ...(previous ? { previous } : {}),
    }),
    link('Compare with a workspace folder', 'Open the differences between this artifact and a folder of the workspace', { ...base, with: 'folder' }),
  ].join(' · ');
}

/** The inlay hint beside the ref: `→ v1.2.3@sha256:abcd…`. */
export function inlayLabel(r: Resolution): string | undefined {
  if (!r.ok) return r.registryProblem ? undefined : `⚠ ${r.reason.replaceAll('-', ' ')}`;
  if (r.kind === 'digest') {
    const tags = r.tagsAtDigest?.length ? r.tagsAtDigest.slice(0, 2).join(', ') : 'untagged';
    return `→ ${tags}`;
  }
  return `→ ${r.tag}@${short(r.digest)}…`;
}

export function inlayTooltip(r: Resolution): string {
  if (!r.ok) return r.message;
  const parts = [`${r.repository}${r.tag ? `:${r.tag}` : ''}@${r.digest}`];
  if (r.artifact.created) parts.push(`created ${r.artifact.created}`);
  if (r.artifact.revision) parts.push(`revision ${r.artifact.revision}`);
  return parts.join('\n');
}

function code(s: string): string {
  return `\`${s.replaceAll('`', '')}\``;
}

function escape(s: string): string {
  return s.replace(/([\\`*_{}[\]<>|])/g, '\\$1');
}
