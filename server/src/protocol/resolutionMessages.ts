/** Live registry resolution: refreshing it and handing the editor's registry log-ins to the server. */
import { commandType, notificationSpec } from './messages';

import type { ClientRegistryCredential } from '../domain/resolution/sessionCredentials';

/** One registry log-in, as the editor keeps it in its secret storage (host, user and password, or a token). */
export type RegistryCredential = ClientRegistryCredential;

export interface RegistryCredentialsParams {
  credentials: RegistryCredential[];
}

/**
 * client → server, whenever the log-ins change (and once at start). Replaces every
 * credential the server holds; they stay in its memory only and are never logged.
 */
export const registryCredentialsNotification = notificationSpec<RegistryCredentialsParams>('flux-oci/registryCredentials');

/** Forgets every cached registry answer and resolves again (after a push, or when the user asks). */
export const refreshResolutionCommand = commandType<undefined, null>('flux-oci.refreshResolution');
