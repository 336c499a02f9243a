/**
 * One error type for everything that can go wrong talking to a registry.
 * `message` says what happened, `action` what the user can do about it; both
 * are safe to print (no credential is ever put into them).
 */
export type RegistryErrorCode =
  | 'unauthorized' // no or wrong credentials
  | 'denied' // credentials accepted but not allowed (e.g. pull-only token pushing)
  | 'not-found' // repository, tag, manifest or blob unknown
  | 'digest-mismatch' // bytes read do not match their digest
  | 'rate-limited' // 429 that outlasted our retries
  | 'server-error' // 5xx that outlasted our retries
  | 'network' // connection refused/reset, DNS
  | 'timeout'
  | 'tls' // certificate problems
  | 'insecure-refused' // plain HTTP to a non-loopback registry without --insecure-registry
  | 'invalid-response' // the registry answered something that breaks the spec
  | 'rejected' // 4xx the registry explained (MANIFEST_INVALID, ...)
  | 'unsupported' // 405 / API missing
  | 'credentials' // a credential source (helper, cloud CLI, config file) failed
  | 'cancelled';

export interface RegistryErrorDetails {
  code: RegistryErrorCode;
  status?: number;
  /** Codes from the registry's `{"errors":[{code}]}` body, e.g. MANIFEST_UNKNOWN. */
  registryCodes?: string[];
  action?: string;
  cause?: unknown;
}

export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly status?: number;
  readonly registryCodes: string[];
  readonly action?: string;

  constructor(message: string, details: RegistryErrorDetails) {
    super(details.action ? `${message}; ${details.action}` : message, details.cause ? { cause: details.cause } : undefined);
    this.name = 'RegistryError';
    this.code = details.code;
    if (details.status !== undefined) this.status = details.status;
    this.registryCodes = details.registryCodes ?? [];
    if (details.action) this.action = details.action;
  }

  /** JSON-friendly form for `-o json` and LSP responses. */
  toJSON(): { code: RegistryErrorCode; status?: number; registryCodes: string[]; message: string } {
    return { code: this.code, ...(this.status !== undefined ? { status: this.status } : {}), registryCodes: this.registryCodes, message: this.message };
  }
}

export function isRegistryError(err: unknown, code?: RegistryErrorCode): err is RegistryError {
  return err instanceof RegistryError && (code === undefined || err.code === code);
}

interface RegistryErrorBody {
  errors?: Array<{ code?: unknown; message?: unknown; detail?: unknown }>;
}

/** Reads the distribution-spec error body defensively (`detail` varies between object, string and array). */
export function parseErrorBody(text: string): { codes: string[]; summary: string } {
  let body: RegistryErrorBody | undefined;
  try {
    body = JSON.parse(text) as RegistryErrorBody;
  } catch {
    const plain = text.trim().split('\n')[0]?.slice(0, 200) ?? '';
    return { codes: [], summary: plain };
  }
  const codes: string[] = [];
  const parts: string[] = [];
  for (const e of Array.isArray(body?.errors) ? body.errors : []) {
    if (typeof e?.code === 'string') codes.push(e.code);
    const message = typeof e?.message === 'string' ? e.message : '';
    parts.push([typeof e?.code === 'string' ? e.code : '', message].filter(Boolean).join(': '));
  }
  return { codes, summary: parts.filter(Boolean).join('; ').slice(0, 300) };
}
