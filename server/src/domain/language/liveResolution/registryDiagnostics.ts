/**
 * Diagnostics from a resolution, in the document's coordinates. Registry
 * problems (unreachable, unauthorised) are information, never errors: the
 * file may well be right. Codes: registry/tag-not-found, registry/semver-no-match,
 * registry/filter-excludes-all, registry/digest-not-found, registry/tag-moved,
 * registry/layer-not-found, registry/unreachable, registry/unauthorized.
 */
import { Severity, type Diagnostic, type Fix } from '../../diagnostics';
import type { Range } from '../../text/lineIndex';
import type { Resolution } from '../../resolution/resolution';
import { short } from '../../resolution/resolveOciSource';
import type { OciSourceDocument, RefField } from './ociSourceDocument';
import { pinDigestEdits } from './resolutionEdits';
import { replaceScalar } from '../../yaml/yamlEdits';

export function registryDiagnostics(src: OciSourceDocument, r: Resolution): Diagnostic[] {
  const found = diagnosticsOf(src, r);
  if (!src.origin) return found;
  // Say which input set (or FluxInstance field) the finding is about; offer no edit of the template.
  return found.map(({ fixes: _fixes, ...d }) => ({ ...d, message: `${src.origin}: ${d.message}` }));
}

function diagnosticsOf(src: OciSourceDocument, r: Resolution): Diagnostic[] {
  const at = (f: RefField): Range => src.fields[f]?.range ?? src.urlRange;
  if (!r.ok) {
    switch (r.reason) {
      case 'offline':
      case 'invalid-url':
      case 'invalid-filter':
      case 'invalid-constraint':
        return []; // offline says nothing; the Flux lints already report bad syntax
      case 'unreachable':
      case 'unauthorized':
        return [{ range: src.urlRange, severity: Severity.Information, code: `registry/${r.reason}`, message: `Could not check the registry: ${r.message}` }];
      case 'tag-not-found': {
        const fixes: Fix[] = [];
        const t = src.fields.tag;
        for (const n of r.nearest ?? []) {
          const e = t && replaceScalar(src.doc, t.node, n);
          if (e) fixes.push({ title: `Use tag ${n}`, edits: [e] });
        }
        return [
          {
            range: r.kind === 'tag' ? at('tag') : src.urlRange,
            severity: Severity.Warning,
            code: 'registry/tag-not-found',
            message: withNearest(`Flux will fail: ${r.message}`, r.nearest),
            ...(fixes.length ? { fixes } : {}),
          },
        ];
      }
      case 'semver-no-match': {
        let message = withNearest(`Flux will fail: ${r.message}`, r.nearest, 'nearest versions');
        if (r.prereleaseHint) message += `. ${r.prereleaseHint} is a prerelease, which a range admits only when it has a prerelease part (e.g. append -0)`;
        return [{ range: at('semver'), severity: Severity.Warning, code: 'registry/semver-no-match', message }];
      }
      case 'filter-excludes-all':
        return [{ range: at('semverFilter'), severity: Severity.Warning, code: 'registry/filter-excludes-all', message: `Flux will fail: ${r.message}` }];
      case 'digest-not-found':
        return [
          {
            range: at('digest'),
            severity: Severity.Warning,
            code: 'registry/digest-not-found',
            message: withNearest(`Flux will fail: ${r.message}`, r.nearest, 'newest tags'),
          },
        ];
    }
  }
  const out: Diagnostic[] = [];
  if (r.ok && r.kind === 'digest' && r.pinnedTag && r.pinnedTag.digest !== r.digest) {
    const t = r.pinnedTag;
    const fixes: Fix[] = [];
    if (t.digest) {
      const e = pinDigestEdits(src, t.digest, t.tag);
      if (e) fixes.push({ title: `Pin to ${short(t.digest)}…, where ${t.tag} points now`, edits: e, preferred: true });
    }
    out.push({
      range: at('tag'),
      severity: Severity.Warning,
      code: 'registry/tag-moved',
      message: t.digest
        ? `Tag ${t.tag} now points at ${short(t.digest)}…, not at the pinned digest ${short(r.digest)}… (Flux deploys the digest)`
        : `Tag ${t.tag} no longer exists in ${r.repository}; the pinned digest is still deployed`,
      ...(fixes.length ? { fixes } : {}),
    });
  }
  if (r.ok && r.missingLayer) {
    out.push({
      range: src.urlRange,
      severity: Severity.Warning,
      code: 'registry/layer-not-found',
      message: `Flux will fail: ${r.repository}${r.tag ? `:${r.tag}` : ''} has no layer of media type ${r.missingLayer} (it has ${r.artifact.layers.map((l) => l.mediaType).join(', ') || 'no layers'})`,
    });
  }
  return out;
}

function withNearest(message: string, nearest: string[] | undefined, label = 'nearest tags'): string {
  return nearest?.length ? `${message} (${label}: ${nearest.join(', ')})` : message;
}
