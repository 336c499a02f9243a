/**
 * What a registry host is, in one place: the name a reference gives it (go-containerregistry's
 * rule), the key that credentials are matched by (however docker, podman or the editor wrote
 * it), and the bare host name that loopback and cloud-provider rules look at.
 */

/** Docker Hub's registry name (go-containerregistry's `name.DefaultRegistry`). */
export const dockerHubRegistry = 'index.docker.io';

/** The key `docker login` writes for Docker Hub in config.json and hands to credential helpers. */
export const dockerHubConfigKey = 'https://index.docker.io/v1/';

/** Every name of Docker Hub's registry, lower-case. */
const dockerHubNames = new Set(['docker.io', dockerHubRegistry, 'registry-1.docker.io']);

/**
 * The registry a reference names, as go-containerregistry (and so flux) reads it: `docker.io`
 * is Docker Hub (`index.docker.io`); any other name is kept as written.
 */
export function referenceRegistry(name: string): string {
  return name === 'docker.io' ? dockerHubRegistry : name;
}

/**
 * The key a registry's credentials are matched by: lower-case `host[:port]`, without the scheme
 * and path a docker config key may carry (`https://index.docker.io/v1/`), every name of Docker
 * Hub as `index.docker.io`. Both sides of a match go through it.
 */
export function registryKey(nameOrUrl: string): string {
  const host = nameOrUrl
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return dockerHubNames.has(host) ? dockerHubRegistry : host;
}

/**
 * The host without its port, lower-case, IPv6 literals without brackets: `[::1]:5000` → `::1`,
 * `Localhost:5000` → `localhost`. What loopback and cloud-provider rules look at.
 */
export function registryHostName(registry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(registry);
  if (bracketed) return bracketed[1]!.toLowerCase();
  // An unbracketed IPv6 literal (`::1`) has no port to strip.
  if ((registry.match(/:/g) ?? []).length > 1) return registry.toLowerCase();
  return registry.replace(/:\d+$/, '').toLowerCase();
}
