/**
 * Whether plain HTTP may be used for a registry. Only loopback registries get
 * it without asking (like a developer's local registry); any other host needs
 * the user to mark it insecure, so credentials and artifacts are never sent in
 * clear text by accident. (go-containerregistry also trusts RFC 1918 and
 * `*.local` hosts; we deliberately do not.)
 */
import { registryHostName } from '../registryHost';

export function isLoopbackRegistry(registry: string): boolean {
  const host = registryHostName(registry);
  return host === 'localhost' || host.endsWith('.localhost') || /^127(?:\.\d{1,3}){3}$/.test(host) || host === '::1';
}

export function allowsPlainHttp(registry: string, insecure: boolean): boolean {
  return insecure || isLoopbackRegistry(registry);
}
