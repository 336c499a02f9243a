/**
 * `WWW-Authenticate` challenges (RFC 7235) as registries send them:
 * `Bearer realm="https://auth/token",service="registry",scope="repository:app:pull"`
 * or `Basic realm="Registry"`.
 */
export interface Challenge {
  scheme: 'bearer' | 'basic' | string;
  params: Record<string, string>;
}

/** Parses the first challenge of a header value; undefined when there is none. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const params: Record<string, string> = {};
  const rest = m[2] ?? '';
  const param = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/gy;
  let p: RegExpExecArray | null;
  while ((p = param.exec(rest)) !== null) {
    if (p[0] === '') break;
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme, params };
}

/** `repository:<name>:<actions>` scopes, merged so one token covers all of them. */
export function repositoryScope(repository: string, actions: string[]): string {
  return `repository:${repository}:${[...new Set(actions)].sort().join(',')}`;
}

/** Joins scopes from our request and the challenge, merging actions of the same resource. */
export function mergeScopes(scopes: string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    for (const one of scope.split(' ').filter(Boolean)) {
      const idx = one.lastIndexOf(':');
      if (idx < 0) continue;
      const resource = one.slice(0, idx);
      const actions = byResource.get(resource) ?? new Set<string>();
      for (const a of one.slice(idx + 1).split(',')) if (a) actions.add(a);
      byResource.set(resource, actions);
    }
  }
  return [...byResource.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([r, a]) => `${r}:${[...a].sort().join(',')}`);
}
