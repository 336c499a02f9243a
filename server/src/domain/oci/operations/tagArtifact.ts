/** `tag artifact`: PUT the exact manifest bytes under more tags, so the digest never changes. */
import { isValidTag, parseArtifactUrl, referenceSelector, InvalidReferenceError } from '../reference';
import { RegistryError } from '../registry/errors';
import { withRegistry, type ConnectionOptions } from '../registry/access';
import { retryReporter, type ProgressListener } from './progress';

export interface TagArtifactOptions {
  /** `oci://host/repo:tag` or `@digest` of the existing artifact. */
  url: string;
  tags: string[];
  connection: ConnectionOptions;
  onProgress?: ProgressListener;
}

export interface TagArtifactResult {
  repository: string;
  digest: string;
  tags: string[];
}

export async function tagArtifact(opts: TagArtifactOptions): Promise<TagArtifactResult> {
  const ref = parseArtifactUrl(opts.url);
  if (opts.tags.length === 0) throw new InvalidReferenceError('at least one tag is needed (--tag)');
  for (const t of opts.tags) {
    if (!isValidTag(t)) throw new InvalidReferenceError(`"${t}" is not a valid tag: use up to 128 of [A-Za-z0-9_.-], not starting with '.' or '-'`);
  }
  return withRegistry(ref.registry, opts.connection, retryReporter(opts.onProgress), async (client) => {
    const source = await client.getManifest(ref.repository, referenceSelector(ref));
    for (const tag of opts.tags) {
      opts.onProgress?.({ phase: 'tag', message: `tagging ${ref.repository}@${source.digest} as ${tag}` });
      const digest = await client.putManifest(ref.repository, tag, source.bytes, source.mediaType);
      if (digest !== source.digest) {
        throw new RegistryError(`tagging ${tag} changed the digest from ${source.digest} to ${digest}`, { code: 'digest-mismatch' });
      }
    }
    return { repository: `${ref.registry}/${ref.repository}`, digest: source.digest, tags: opts.tags };
  });
}
