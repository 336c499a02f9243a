/**
 * `matchOIDCIdentity` as cosign applies it for Flux: each item's issuer and
 * subject are Go RE2 regexes (unanchored), items are ORed.
 */
import { compileRe2 } from '../regex/re2';
import { SignatureError, type IdentityMatcher } from './types';

export interface CertificateIdentity {
  subject?: string;
  issuer?: string;
}

/** Throws on an invalid regex (Flux fails verification too); true when any item matches. */
export function identityMatches(identity: CertificateIdentity, matchers: readonly IdentityMatcher[]): boolean {
  return matchers.some((m) => {
    const issuer = compile(m.issuer, 'issuer');
    const subject = compile(m.subject, 'subject');
    return identity.issuer !== undefined && identity.subject !== undefined && issuer.test(identity.issuer) && subject.test(identity.subject);
  });
}

function compile(pattern: string, what: string) {
  const r = compileRe2(pattern);
  if (!r.ok) throw new SignatureError(`matchOIDCIdentity ${what} "${pattern}" is not a valid Go regular expression: ${r.error}`);
  return r.regex;
}

export function describeMatchers(matchers: readonly IdentityMatcher[]): string {
  return matchers.map((m) => `issuer ~ ${m.issuer}, subject ~ ${m.subject}`).join(' or ');
}
