/**
 * Which files of a source tree go into an artifact.
 *
 * Patterns use gitignore syntax, evaluated by the `ignore` package: it implements
 * gitignore's rules (anchoring, `**`, negation, directory-only patterns, "a file
 * under an ignored folder stays ignored") the way git and Flux's go-git matcher do,
 * which a hand-written glob would get subtly wrong.
 *
 * Layers, evaluated root first so deeper rules win (as in go-git and source-controller):
 *   1. Flux's default excludes (`excludeOCI` in flux2 cmd/flux/build_artifact.go),
 *   2. the caller's `ignorePaths` (added to the defaults, or replacing them),
 *   3. every `.sourceignore` in the tree, scoped to the folder holding it
 *      (the flux CLI ignores these but source-controller applies them when it
 *      extracts the layer, so honouring them here shows what the cluster gets).
 */
import ignore, { type Ignore } from 'ignore';
import { fluxCliDefaultExcludes } from '../../flux/sourceIgnoreDefaults.ts';

/** flux2 v2.9.4 `excludeOCI`. */
export const fluxDefaultIgnores: readonly string[] = fluxCliDefaultExcludes;

export const sourceIgnoreFile = '.sourceignore';

interface Scope {
  /** Folder the patterns are relative to ('' = the source root), '/'-separated. */
  base: string;
  matcher: Ignore;
}

/** Splits pattern text the way .gitignore files are read: one per line, `#` comments and blanks dropped. */
export function parseIgnoreText(text: string): string[] {
  // Trailing-space rules (and `\ `) are left to the `ignore` package.
  return text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/**
 * Ignore rules for one source root. Immutable: `withSourceIgnore` returns a new
 * set for a sub-folder so sibling folders never see each other's patterns.
 */
export class IgnoreRules {
  private readonly scopes: readonly Scope[];

  private constructor(scopes: readonly Scope[]) {
    this.scopes = scopes;
  }

  static forSource(opts: { ignorePaths?: readonly string[]; replaceDefaultIgnores?: boolean }): IgnoreRules {
    const patterns = [...(opts.replaceDefaultIgnores ? [] : fluxDefaultIgnores), ...(opts.ignorePaths ?? []).flatMap((p) => parseIgnoreText(p))];
    return new IgnoreRules([{ base: '', matcher: ignore().add(patterns) }]);
  }

  /** Adds the patterns of `<base>/.sourceignore`; `base` is relative to the source root. */
  withSourceIgnore(base: string, text: string): IgnoreRules {
    const patterns = parseIgnoreText(text);
    if (patterns.length === 0) return this;
    return new IgnoreRules([...this.scopes, { base, matcher: ignore().add(patterns) }]);
  }

  /** `relPath` is '/'-separated and relative to the source root. */
  isIgnored(relPath: string, isDir: boolean): boolean {
    let ignored = false;
    for (const scope of this.scopes) {
      let p: string;
      if (scope.base === '') p = relPath;
      else if (relPath.startsWith(scope.base + '/')) p = relPath.slice(scope.base.length + 1);
      else continue;
      if (p === '') continue;
      const r = scope.matcher.test(isDir ? p + '/' : p);
      if (r.ignored) ignored = true;
      else if (r.unignored) ignored = false;
    }
    return ignored;
  }
}
