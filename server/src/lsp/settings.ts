/** The `flux-oci.*` settings the server reads (see package.json `contributes.configuration`). */
export interface ServerSettings {
  validation: { enable: boolean };
  registry: { offline: boolean };
  /** Milliseconds to wait after the last keystroke before re-validating. */
  diagnosticsDelay: number;
}

export const defaultSettings: ServerSettings = {
  validation: { enable: true },
  registry: { offline: false },
  diagnosticsDelay: 10,
};

/** Reads settings leniently: a wrong type falls back to the default instead of failing. */
export function readSettings(raw: unknown): ServerSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const section = (name: string): Record<string, unknown> => {
    const v = r[name];
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  };
  const bool = (v: unknown, d: boolean) => (typeof v === 'boolean' ? v : d);
  const delay = r['diagnosticsDelay'];
  return {
    validation: { enable: bool(section('validation')['enable'], defaultSettings.validation.enable) },
    registry: { offline: bool(section('registry')['offline'], defaultSettings.registry.offline) },
    diagnosticsDelay: typeof delay === 'number' && delay >= 0 && delay < 10_000 ? delay : defaultSettings.diagnosticsDelay,
  };
}
