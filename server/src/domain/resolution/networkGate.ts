/**
 * The one gate every outbound request of the editor passes: registry lookups, signature
 * checks and the download of Sigstore's trusted root alike. Offline (`flux-oci.registry.offline`)
 * refuses everything; under the test suite (FLUX_OCI_REGISTRY_LOOPBACK_ONLY=1) only hosts on
 * loopback may be asked, so servers opening real-world files never reach ghcr.io and friends.
 */
import { RegistryError } from '../oci/registry/errors';
import { isLoopbackRegistry } from '../oci/registry/plainHttp';

export class OfflineError extends RegistryError {
  constructor(message = 'registry lookups are turned off (flux-oci.registry.offline)') {
    super(message, { code: 'cancelled' });
    this.name = 'OfflineError';
  }
}

export interface NetworkGateOptions {
  env?: NodeJS.ProcessEnv;
  /** Default: env FLUX_OCI_REGISTRY_LOOPBACK_ONLY=1. */
  loopbackOnly?: boolean;
}

export class NetworkGate {
  offline = false;
  readonly loopbackOnly: boolean;

  constructor(options: NetworkGateOptions = {}) {
    this.loopbackOnly = options.loopbackOnly ?? (options.env ?? process.env)['FLUX_OCI_REGISTRY_LOOPBACK_ONLY'] === '1';
  }

  /** Why nothing may be sent to `host` (a registry or any other server) now; undefined when it may. */
  refusal(host: string): OfflineError | undefined {
    if (this.offline) return new OfflineError();
    if (this.loopbackOnly && !isLoopbackRegistry(host)) {
      return new OfflineError(`registry lookups are limited to loopback registries here (FLUX_OCI_REGISTRY_LOOPBACK_ONLY=1), so ${host} is not asked`);
    }
    return undefined;
  }
}
