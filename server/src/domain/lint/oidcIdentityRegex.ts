/**
 * `matchOIDCIdentity` regexes that admit far more signers than meant. Flux
 * matches issuer and subject with Go's `MatchString`, which is unanchored
 * (facts d.1), so:
 * - a pattern without `^` matches any identity that merely contains it (a
 *   GitHub branch or workflow name can contain any text);
 * - `.*` where the owner or repository goes trusts every repository of the
 *   owner (or every owner): anyone who can run a workflow there can sign;
 * - an unescaped `.` in a host matches any character.
 */
import { type Scalar, type YAMLMap } from 'yaml';
import { isMap } from '../yaml/nodeTests';
import { lazyFix, Severity, type Diagnostic, type Fix } from '../diagnostics';
import { compileRe2 } from '../regex/re2';
import { SOURCE_GROUP, type Lint } from './lintTypes';
import { mapAt, rangeOf, seqAt, stringAt, stringNodeAt } from '../yaml/yamlNodes';
import { isTemplated, type FluxObject } from '../flux/fluxObject';
import { replaceScalar } from '../yaml/yamlEdits';

const CODE = 'flux/verify-identity-regex';

export const oidcIdentityRegex: Lint = (obj) => {
  if (obj.group !== SOURCE_GROUP || (obj.kind !== 'OCIRepository' && obj.kind !== 'HelmChart')) return [];
  const verify = mapAt(obj.spec, 'verify');
  if ((stringAt(verify, 'provider') ?? 'cosign') !== 'cosign') return [];
  const out: Diagnostic[] = [];
  for (const item of seqAt(verify, 'matchOIDCIdentity')?.items ?? []) {
    if (!isMap(item)) continue;
    check(obj, stringNodeAt(item as YAMLMap, 'issuer'), 'issuer', out);
    check(obj, stringNodeAt(item as YAMLMap, 'subject'), 'subject', out);
  }
  return out;
};

function check(obj: FluxObject, node: Scalar<string> | undefined, field: 'issuer' | 'subject', out: Diagnostic[]): void {
  const pattern = node?.value;
  if (!node || !pattern || isTemplated(pattern) || !compileRe2(pattern).ok) return; // invalid ones are flux/regex-invalid
  const range = rangeOf(obj.doc, node);
  if (!range) return;
  // The node has a range (above), so the edit always exists: build it only if the fix is asked for.
  const fix = (title: string, value: string): Fix[] => [lazyFix(title, () => [replaceScalar(obj.doc, node, value)!], { preferred: true })];

  const startAnchored = pattern.startsWith('^') || pattern.startsWith('\\A');
  // An issuer is one exact URL; a subject may end open (e.g. `.../release\.yml@refs/tags/.*`).
  const endAnchored = field === 'subject' || pattern.endsWith('$') || pattern.endsWith('\\z');
  if (!startAnchored || !endAnchored) {
    const anchored = `${startAnchored ? '' : '^'}${pattern}${endAnchored ? '' : '$'}`;
    const what = !startAnchored ? (field === 'issuer' && !endAnchored ? 'has neither ^ nor $' : 'does not start with ^') : 'does not end with $';
    out.push({
      range,
      severity: Severity.Warning,
      code: CODE,
      message:
        `matchOIDCIdentity ${field} ${what}: Flux matches it anywhere in the certificate's ${field} (Go MatchString), so an identity that merely contains this text passes, ` +
        `${field === 'subject' ? 'and anyone can put text into a GitHub branch or workflow name' : 'including look-alike issuer URLs'}. Anchor it: '${anchored}'.`,
      ...withFixes(fix(`Anchor the ${field} regex`, anchored)),
    });
    return;
  }

  const escaped = escapeLiteralDots(hostOf(pattern) ?? '', pattern);
  const dots = escaped !== pattern;
  if (field === 'subject') {
    const broad = broadRepository(escaped);
    if (broad) {
      // One diagnostic per value: the fix also escapes the host's dots.
      const example = broad.fixed ?? '^https://github\\.com/org/repo/\\.github/workflows/release\\.yml@refs/tags/.*';
      out.push({
        range,
        severity: Severity.Warning,
        code: CODE,
        message:
          `matchOIDCIdentity subject lets ${broad.what} sign: '.*' matches '/' too, so it spans the ${broad.part} part of the workflow URL. ` +
          `Name the repository and put the wildcard after its '/', e.g. '${example}'.`,
        ...withFixes(broad.fixed ? fix("Put the wildcard after the repository's '/'", broad.fixed) : undefined),
      });
      return;
    }
  }
  if (dots) {
    out.push({
      range,
      severity: Severity.Information,
      code: CODE,
      message: `matchOIDCIdentity ${field}: an unescaped '.' in the host matches any character, so look-alike hosts match too. Escape the dots ('\\.').`,
      ...withFixes(fix("Escape the host's dots", escaped)),
    });
  }
}

function withFixes(fixes: Fix[] | undefined): { fixes?: Fix[] } {
  return fixes ? { fixes } : {};
}

const URL_PREFIX = /^(\^|\\A)?https:(\/\/|\\\/\\\/)/;

/** The host part of `^https://host/...` as written in the pattern. */
function hostOf(pattern: string): string | undefined {
  const m = URL_PREFIX.exec(pattern);
  if (!m) return undefined;
  const rest = pattern.slice(m[0].length);
  const slash = rest.search(/\/|\\\//);
  return slash < 0 ? rest.replace(/\$$/, '') : rest.slice(0, slash);
}

/** Replaces the literal (unescaped, not quantified) dots of `part` inside `pattern`. */
function escapeLiteralDots(part: string, pattern: string): string {
  if (!part) return pattern;
  let out = '';
  let inClass = false;
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '\\') {
      out += c + (part[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    const quantified = /[*+?{]/.test(part[i + 1] ?? '');
    out += c === '.' && !inClass && !quantified ? '\\.' : c;
  }
  return pattern.replace(part, out);
}

/** True when a path segment of the pattern can match more than one name. */
function isWildcard(segment: string): boolean {
  return /(^|[^\\])\.[*+]|\[|\\[wWSd]|\(/.test(segment);
}

/**
 * For `^https://host/owner/repo/...` subjects: is the owner or the repository a
 * wildcard? `fixed` is offered when the repository name is only followed by
 * `.*` (`.../podinfo.*$`), which a `/` turns into "this repository".
 */
function broadRepository(pattern: string): { what: string; part: string; fixed?: string } | undefined {
  const m = URL_PREFIX.exec(pattern);
  if (!m) return undefined;
  const rest = pattern.slice(m[0].length).replace(/\$$/, '');
  const segments = rest.split(/\\?\//);
  const owner = segments[1];
  const repo = segments[2];
  if (owner === undefined || owner === '' || isWildcard(owner) || segments[0]!.match(/(^|[^\\])\.[*+]/)) {
    return { what: 'any owner on that host', part: 'owner' };
  }
  if (repo === undefined || repo === '') return { what: `any repository of ${owner}`, part: 'repository' };
  if (!isWildcard(repo)) return undefined;
  const open = /^([A-Za-z0-9_-]+(?:\\\.[A-Za-z0-9_-]+)*)\.\*$/.exec(repo);
  const fixed = open && segments.length === 3 ? pattern.replace(new RegExp(`${escapeForRegExp(repo)}(\\$?)$`), `${open[1]}/.*$1`) : undefined;
  return {
    what: repo === '.*' || repo === '.+' ? `any repository of ${owner}` : `every repository of ${owner} whose name matches '${repo}'`,
    part: 'repository',
    ...(fixed ? { fixed } : {}),
  };
}

function escapeForRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
