/**
 * X.509 subject names for Notary trusted identities (`x509.subject: C=US, ST=WA, O=…`),
 * as notation-go's internal/pkix does: RFC 4514 parsing (go-ldap), one value per
 * attribute, `S` read as `ST`, C/ST/O mandatory, and "subset" matching against the
 * leaf certificate's subject written the way Go's pkix.Name.String() writes it.
 */
export type DistinguishedName = Record<string, string>;

function unescape(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const hex = value.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else if (i + 1 < value.length) {
      out += value[++i];
    } else {
      throw new Error('got corrupted escaped character');
    }
  }
  return out;
}

/** Splits on separators not escaped by a backslash. */
function splitUnescaped(text: string, seps: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[++i];
      continue;
    }
    if (seps.includes(c)) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

export function parseDistinguishedName(name: string): DistinguishedName {
  if (name.includes('=#')) throw new Error(`unsupported distinguished name (DN) "${name}": notation does not support x509.subject identities containing "=#"`);
  const dn: DistinguishedName = {};
  const invalid = (why: string): Error =>
    new Error(
      `parsing distinguished name (DN) "${name}" failed with err: ${why}. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard`,
    );
  if (name.trim() === '') return checkMandatory(name, dn);
  for (const rdn of splitUnescaped(name, ',;')) {
    const attrs = splitUnescaped(rdn, '+');
    if (attrs.length > 1)
      throw new Error(`distinguished name (DN) "${name}" has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported`);
    const eq = rdn.indexOf('=');
    if (eq < 0) throw invalid('incomplete type, value pair');
    let type = rdn.slice(0, eq).trim();
    const value = unescape(rdn.slice(eq + 1).trim());
    if (!type) throw invalid('incomplete type, value pair');
    if (type === 'S') type = 'ST';
    if (dn[type]) throw new Error(`distinguished name (DN) "${name}" has duplicate RDN attribute for "${type}", DN can only have unique RDN attributes`);
    dn[type] = value;
  }
  return checkMandatory(name, dn);
}

function checkMandatory(name: string, dn: DistinguishedName): DistinguishedName {
  for (const field of ['C', 'ST', 'O']) {
    if (!dn[field])
      throw new Error(
        `distinguished name (DN) "${name}" has no mandatory RDN attribute for "${field}", it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum`,
      );
  }
  return dn;
}

export function isSubsetDN(sub: DistinguishedName, of: DistinguishedName): boolean {
  return Object.keys(sub).every((k) => sub[k] === of[k]);
}

/** OpenSSL's short names (node's X509Certificate.subject) → the names Go's pkix.Name.String() prints. */
const goNames: Record<string, string> = {
  C: 'C',
  O: 'O',
  OU: 'OU',
  CN: 'CN',
  L: 'L',
  ST: 'ST',
  serialNumber: 'SERIALNUMBER',
  street: 'STREET',
  postalCode: 'POSTALCODE',
};

/**
 * The leaf's subject as notation-go sees it. Go prints attributes it has no name
 * for as `OID=#hex`, which notation refuses ("=#"), so such a subject cannot
 * match any identity: we say so.
 */
export function subjectOfCertificate(subject: string): DistinguishedName {
  const dn: DistinguishedName = {};
  for (const line of subject.split('\n')) {
    if (!line) continue;
    const eq = line.indexOf('=');
    const type = line.slice(0, eq);
    const goName = goNames[type];
    if (!goName)
      throw new Error(`the signing certificate's subject has the attribute ${type}, which notation cannot match (it reads it as an unsupported "=#" value)`);
    if (dn[goName] !== undefined)
      throw new Error(`the signing certificate's subject has the attribute ${goName} twice, which notation cannot match (duplicate RDN attribute)`);
    dn[goName] = line.slice(eq + 1);
  }
  for (const field of ['C', 'ST', 'O']) {
    if (!dn[field])
      throw new Error(`the signing certificate's subject has no ${field} attribute; notation requires C, ST and O to match x509.subject identities`);
  }
  return dn;
}
