/**
 * What the signature stories need around the real cosign: a key pair made by
 * `cosign generate-key-pair`, a throwaway keyless PKI (root, intermediate, leaf
 * certificates with the Fulcio OIDC-issuer extension and a SAN URI, plus an
 * expired leaf) made with openssl at test time, and a trusted_root.json made by
 * `cosign trusted-root create`. Nothing here is committed: all lives in temp dirs.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const cosignPassword = 'correct horse battery staple';
export const signerIdentity = 'https://github.com/org/app/.github/workflows/release.yml@refs/heads/main';
export const signerIssuer = 'https://token.actions.githubusercontent.com';

export function cosignEnv(home: string): NodeJS.ProcessEnv {
  // A private HOME keeps cosign's TUF cache and docker config out of the developer's.
  return { PATH: process.env['PATH'], HOME: home, COSIGN_PASSWORD: cosignPassword, COSIGN_YES: 'true' };
}

export async function cosign(bin: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(bin, args, { cwd, env: cosignEnv(cwd), timeout: 120_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** cosign sign with the transparency log off, against a plain-HTTP loopback registry. */
export async function cosignSign(
  bin: string,
  dir: string,
  reference: string,
  opts: { key: string; bundle: boolean; certificate?: string; chain?: string },
): Promise<void> {
  const args = [
    'sign',
    '--key',
    opts.key,
    '--tlog-upload=false',
    '--use-signing-config=false',
    '--allow-http-registry',
    `--new-bundle-format=${opts.bundle}`,
    '-y',
  ];
  if (opts.certificate) args.push('--certificate', opts.certificate);
  if (opts.chain) args.push('--certificate-chain', opts.chain);
  const r = await cosign(bin, [...args, reference], dir);
  if (r.code !== 0) throw new Error(`cosign sign failed: ${r.out}`);
}

export async function generateKeyPair(bin: string, dir: string, prefix: string): Promise<{ key: string; pub: string }> {
  const r = await cosign(bin, ['generate-key-pair', '--output-key-prefix', prefix], dir);
  if (r.code !== 0) throw new Error(`cosign generate-key-pair failed: ${r.out}`);
  return { key: path.join(dir, `${prefix}.key`), pub: path.join(dir, `${prefix}.pub`) };
}

export interface KeylessPki {
  /** cosign-format key of the leaves (imported from the openssl key). */
  leafKey: string;
  leafCert: string;
  expiredCert: string;
  chain: string;
  trustedRoot: string;
}

const extensionsFor = (subject: string, issuer: string) => `[root]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[inter]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=codeSigning
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
subjectAltName=critical,URI:${subject}
1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${issuer}
[ca]
default_ca=d
[d]
database=index.txt
new_certs_dir=.
serial=serial
default_md=sha256
policy=p
unique_subject=no
[p]
commonName=optional
`;

/**
 * A Fulcio-like PKI: root → intermediate → leaf (valid now) and an expired leaf with the same key.
 * The leaves carry `identity` (default: signerIdentity from signerIssuer) as Fulcio would.
 */
export async function makeKeylessPki(
  cosignBin: string,
  dir: string,
  identity: { subject: string; issuer: string } = { subject: signerIdentity, issuer: signerIssuer },
): Promise<KeylessPki> {
  writeFileSync(path.join(dir, 'ext.cnf'), extensionsFor(identity.subject, identity.issuer));
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '01\n');
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  await ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'root.key');
  await ssl(
    'req',
    '-new',
    '-x509',
    '-key',
    'root.key',
    '-subj',
    '/CN=test-fulcio-root',
    '-days',
    '3',
    '-extensions',
    'root',
    '-config',
    'ext.cnf',
    '-out',
    'root.pem',
  );
  await ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'inter.key');
  await ssl('req', '-new', '-key', 'inter.key', '-subj', '/CN=test-fulcio-intermediate', '-out', 'inter.csr');
  await ssl(
    'x509',
    '-req',
    '-in',
    'inter.csr',
    '-CA',
    'root.pem',
    '-CAkey',
    'root.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
    '-extensions',
    'inter',
    '-out',
    'inter.pem',
  );
  await ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key');
  await ssl('pkcs8', '-topk8', '-nocrypt', '-in', 'leaf.key', '-out', 'leaf.p8');
  await ssl('req', '-new', '-key', 'leaf.key', '-subj', '/CN=leaf', '-out', 'leaf.csr');
  await ssl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'inter.pem',
    '-CAkey',
    'inter.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
    '-extensions',
    'leaf',
    '-out',
    'leaf.pem',
  );
  await ssl(
    'ca',
    '-batch',
    '-config',
    'ext.cnf',
    '-cert',
    'inter.pem',
    '-keyfile',
    'inter.key',
    '-in',
    'leaf.csr',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-extfile',
    'ext.cnf',
    '-extensions',
    'leaf',
    '-out',
    'expired.pem',
  );
  // openssl ca writes a text dump before the PEM block; keep the PEM only, as a certificate file normally is.
  await ssl('x509', '-in', 'expired.pem', '-out', 'expired.pem');
  const { readFileSync } = await import('node:fs');
  writeFileSync(path.join(dir, 'chain.pem'), readFileSync(path.join(dir, 'inter.pem'), 'utf8') + readFileSync(path.join(dir, 'root.pem'), 'utf8'));
  const tr = await cosign(
    cosignBin,
    ['trusted-root', 'create', '--fulcio=url=https://fulcio.test.invalid,certificate-chain=chain.pem', '--out', 'trusted_root.json'],
    dir,
  );
  if (tr.code !== 0) throw new Error(`cosign trusted-root create failed: ${tr.out}`);
  const imp = await cosign(cosignBin, ['import-key-pair', '--key', 'leaf.p8', '--output-key-prefix', 'leaf-cosign'], dir);
  if (imp.code !== 0) throw new Error(`cosign import-key-pair failed: ${imp.out}`);
  return {
    leafKey: path.join(dir, 'leaf-cosign.key'),
    leafCert: path.join(dir, 'leaf.pem'),
    expiredCert: path.join(dir, 'expired.pem'),
    chain: path.join(dir, 'chain.pem'),
    trustedRoot: path.join(dir, 'trusted_root.json'),
  };
}
