/**
 * OCI references as flux writes them: `oci://host[:port]/repo[:tag|@digest]`.
 * The grammar follows go-containerregistry's `name.ParseReference` (which flux
 * uses), so a URL that flux accepts is accepted here and vice versa.
 */
import { dockerHubRegistry, referenceRegistry } from './registryHost';

export interface RepositoryReference {
  /** Host and optional port, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  registry: string;
  /** Repository path inside the registry, e.g. `org/app`. */
  repository: string;
}

export interface OciReference extends RepositoryReference {
  tag?: string;
  /** `sha256:<hex>`; wins over the tag when both are present. */
  digest?: string;
}

export class InvalidReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReferenceError';
  }
}

const repositoryComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;
const hostPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

const urlFormatMessage = "URL must be in format 'oci://<domain>/<org>/<repo>'";

function stripScheme(url: string): string {
  if (!url.startsWith('oci://')) throw new InvalidReferenceError(`${urlFormatMessage}, got "${url}"`);
  return url.slice('oci://'.length);
}

/** A first path component names a registry when it looks like a host (ggcr's rule). */
function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

function splitRegistry(rest: string): RepositoryReference {
  const slash = rest.indexOf('/');
  let registry: string;
  let repository: string;
  if (slash > 0 && looksLikeRegistry(rest.slice(0, slash))) {
    registry = referenceRegistry(rest.slice(0, slash));
    repository = rest.slice(slash + 1);
  } else {
    registry = dockerHubRegistry;
    repository = rest;
  }
  if (!hostPattern.test(registry)) throw new InvalidReferenceError(`registries must be valid RFC 3986 URI authorities: ${registry}`);
  if (registry === dockerHubRegistry && repository !== '' && !repository.includes('/')) repository = `library/${repository}`;
  validateRepository(repository);
  return { registry, repository };
}

function validateRepository(repository: string): void {
  if (repository === '') throw new InvalidReferenceError(`${urlFormatMessage}: the repository path is empty`);
  if (repository.length > 255) throw new InvalidReferenceError(`repository must be between 1 and 255 characters in length: ${repository}`);
  for (const part of repository.split('/')) {
    if (!repositoryComponent.test(part)) {
      throw new InvalidReferenceError(`repository can only contain the characters \`abcdefghijklmnopqrstuvwxyz0123456789_-./\`: ${repository}`);
    }
  }
}

/** Parses `oci://host/repo[:tag|@digest]`; the tag defaults to `latest` unless a digest is given. */
export function parseArtifactUrl(url: string, options: { defaultTag?: string } = {}): OciReference {
  const rest = stripScheme(url.trim());
  let name = rest;
  let digest: string | undefined;
  let tag: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
    if (!digestPattern.test(digest)) throw new InvalidReferenceError(`invalid digest "${digest}": expected sha256:<64 lowercase hex characters>`);
  }
  // A tag follows the last ':' that comes after the last '/', so a port is not mistaken for one.
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash && lastSlash >= 0) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!tagPattern.test(tag)) {
      throw new InvalidReferenceError(`tag can only contain the characters \`abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.\`: ${tag}`);
    }
  }
  const repo = splitRegistry(name);
  if (!digest && !tag) tag = options.defaultTag ?? 'latest';
  return { ...repo, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Parses `oci://host/repo` with no tag or digest (what `list artifacts` takes). */
export function parseRepositoryUrl(url: string): RepositoryReference {
  const rest = stripScheme(url.trim());
  const lastSlash = rest.lastIndexOf('/');
  const tail = rest.slice(lastSlash + 1);
  if (rest.includes('@') || (lastSlash >= 0 && tail.includes(':'))) {
    throw new InvalidReferenceError(`URL must not contain a tag or digest; remove it from "${url}"`);
  }
  return splitRegistry(rest);
}

/** The reference used on the wire: the digest when known, else the tag. */
export function referenceSelector(ref: OciReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** `host/repo:tag`, `host/repo@digest` (no scheme), as flux prints it. */
export function formatReference(ref: OciReference): string {
  const base = `${ref.registry}/${ref.repository}`;
  if (ref.digest) return `${base}@${ref.digest}`;
  return ref.tag ? `${base}:${ref.tag}` : base;
}

export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag);
}

/**
 * Tags that hold signatures, attestations, SBOMs or referrers-API fallbacks (`sha256-<hex>`),
 * not artifacts: never listed as versions, never chosen by a semver range.
 */
export function isSupportingTag(tag: string): boolean {
  return /(\.sig|\.att|\.sbom)$|^sha256-[a-f0-9]{64}$/.test(tag);
}
