/**
 * What the Notary stories need: a throwaway PKI made with openssl at test time
 * (a trusted root, an EC P-256 and an RSA 2048 code-signing leaf, a leaf whose
 * validity ended in 2020, and an unrelated root with its own leaf), and
 * notation-peer (notation-go v1.3.2, the library source-controller links) to
 * sign artifacts and to give Flux's verdict on them. Nothing is committed:
 * everything lives in temp dirs.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const signerSubject = { C: 'US', ST: 'WA', L: 'Seattle', O: 'Notary Test', CN: 'flux-oci signer' };

const config = `[root]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=codeSigning
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[root_crl]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
crlDistributionPoints=URI:http://127.0.0.1:9/root.crl
[leaf_crl]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=codeSigning
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
crlDistributionPoints=URI:http://127.0.0.1:9/leaf.crl
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
countryName=optional
stateOrProvinceName=optional
localityName=optional
organizationName=optional
commonName=optional
`;

export interface NotaryPki {
  /** Trusted root certificate (PEM). */
  rootCert: string;
  /** EC P-256 leaf: key and chain (leaf, root). */
  ecKey: string;
  ecChain: string;
  /** RSA 2048 leaf (PS256). */
  rsaKey: string;
  rsaChain: string;
  /** Leaf valid only on 2020-01-01 (same EC key). */
  expiredChain: string;
  /** A root naming a CRL (never fetched: roots are not checked) and its leaf, which names none. */
  crlRootCert: string;
  crlRootLeafKey: string;
  crlRootLeafChain: string;
  /** A leaf of the trusted root naming a CRL server that does not answer (port 9): revocation unknown. */
  crlLeafKey: string;
  crlLeafChain: string;
  /** Another root and its leaf: signatures nobody trusts here. */
  otherRootCert: string;
  otherKey: string;
  otherChain: string;
}

export async function makeNotaryPki(dir: string): Promise<NotaryPki> {
  writeFileSync(path.join(dir, 'ext.cnf'), config);
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '1000\n');
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const subj = (cn: string, o = signerSubject.O) => `/C=US/ST=WA/L=Seattle/O=${o}/CN=${cn}`;
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  const chain = (name: string, ...files: string[]) => {
    writeFileSync(path.join(dir, name), files.map(read).join(''));
    return path.join(dir, name);
  };

  // openssl ca, not x509 -days: certificates must be backdated (the expired leaf is from 2020, and a
  // signature made two hours ago needs certificates valid then).
  const stamp = (d: Date) =>
    d
      .toISOString()
      .replace(/[-:T]/g, '')
      .replace(/\.\d+Z$/, 'Z');
  const from = stamp(new Date(Date.now() - 24 * 3600_000));
  const until = stamp(new Date(Date.now() + 2 * 24 * 3600_000));
  const issue = (csr: string, ca: string | undefined, caKey: string, start: string, end: string, ext: string, out: string) =>
    ssl(
      'ca',
      '-batch',
      '-config',
      'ext.cnf',
      ...(ca ? ['-cert', `${ca}.crt`] : ['-selfsign']),
      '-keyfile',
      `${caKey}.key`,
      '-in',
      `${csr}.csr`,
      '-startdate',
      start,
      '-enddate',
      end,
      '-extfile',
      'ext.cnf',
      '-extensions',
      ext,
      '-out',
      out,
    );
  for (const [root, o, ext] of [
    ['root', signerSubject.O, 'root'],
    ['other-root', 'Somebody Else', 'root'],
    ['crl-root', signerSubject.O, 'root_crl'],
  ] as const) {
    await ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${root}.key`);
    await ssl('req', '-new', '-key', `${root}.key`, '-subj', subj(`${root} CA`, o), '-out', `${root}.csr`);
    await issue(root, undefined, root, '20190101000000Z', until, ext, `${root}.pem`);
    await ssl('x509', '-in', `${root}.pem`, '-out', `${root}.crt`);
  }
  const leaf = async (name: string, ca: string, keyArgs: string[], o = signerSubject.O, ext = 'leaf') => {
    await ssl(...keyArgs, '-out', `${name}.key`);
    await ssl('req', '-new', '-key', `${name}.key`, '-subj', subj(signerSubject.CN, o), '-out', `${name}.csr`);
    await issue(name, ca, ca, from, until, ext, `${name}.pem`);
    await ssl('x509', '-in', `${name}.pem`, '-out', `${name}.crt`);
  };
  const ecKey = ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  await leaf('crl-root-leaf', 'crl-root', ecKey);
  await leaf('crl-leaf', 'root', ecKey, signerSubject.O, 'leaf_crl');
  await leaf('ec', 'root', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  await leaf('rsa', 'root', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
  await leaf('other', 'other-root', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'Somebody Else');
  await issue('ec', 'root', 'root', '20200101000000Z', '20200102000000Z', 'leaf', 'expired.pem');
  await ssl('x509', '-in', 'expired.pem', '-out', 'expired.crt');
  return {
    rootCert: path.join(dir, 'root.crt'),
    ecKey: path.join(dir, 'ec.key'),
    ecChain: chain('ec-chain.pem', 'ec.crt', 'root.crt'),
    rsaKey: path.join(dir, 'rsa.key'),
    rsaChain: chain('rsa-chain.pem', 'rsa.crt', 'root.crt'),
    expiredChain: chain('expired-chain.pem', 'expired.crt', 'root.crt'),
    crlRootCert: path.join(dir, 'crl-root.crt'),
    crlRootLeafKey: path.join(dir, 'crl-root-leaf.key'),
    crlRootLeafChain: chain('crl-root-leaf-chain.pem', 'crl-root-leaf.crt', 'crl-root.crt'),
    crlLeafKey: path.join(dir, 'crl-leaf.key'),
    crlLeafChain: chain('crl-leaf-chain.pem', 'crl-leaf.crt', 'root.crt'),
    otherRootCert: path.join(dir, 'other-root.crt'),
    otherKey: path.join(dir, 'other.key'),
    otherChain: chain('other-chain.pem', 'other.crt', 'other-root.crt'),
  };
}

async function peer(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(bin, args, { timeout: 60_000, env: { PATH: process.env['PATH'], HOME: path.dirname(bin) } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface SignOptions {
  key: string;
  chain: string;
  envelope: 'jws' | 'cose';
  signingTime?: string;
  expiry?: string;
  /** Sign this artifact's descriptor instead (attach to `ref` all the same). */
  payloadRef?: string;
  tamper?: boolean;
  /** Countersign with this RFC 3161 TSA (its root certificate file). */
  tsa?: { url: string; rootCert: string };
}

/** Signs `host/repo@digest` with notation-go and pushes the signature as its referrer. */
export async function notarySign(bin: string, ref: string, o: SignOptions): Promise<void> {
  const args = ['sign', '--plain-http', '--ref', ref, '--key', o.key, '--cert', o.chain, '--envelope', o.envelope];
  if (o.signingTime) args.push('--signing-time', o.signingTime);
  if (o.expiry) args.push('--expiry', o.expiry);
  if (o.payloadRef) args.push('--payload-ref', o.payloadRef);
  if (o.tamper) args.push('--tamper');
  if (o.tsa) args.push('--tsa-url', o.tsa.url, '--tsa-root', o.tsa.rootCert);
  const r = await peer(bin, args);
  if (r.code !== 0) throw new Error(`notation-peer sign failed: ${r.stderr}`);
}

export type FluxVerdict = 'verified' | 'ignored' | 'failed';

/** source-controller's verdict on `host/repo@digest` (its notation verifier over notation-go). */
export async function fluxNotationVerdict(
  bin: string,
  ref: string,
  trustPolicy: string,
  cas: string[],
): Promise<{ result: FluxVerdict; error?: string; logged?: string[] }> {
  const r = await peer(bin, ['verify', '--plain-http', '--ref', ref, '--trust-policy', trustPolicy, ...cas.flatMap((c) => ['--ca', c])]);
  if (r.code !== 0) throw new Error(`notation-peer verify failed to run: ${r.stderr}`);
  return JSON.parse(r.stdout) as { result: FluxVerdict; error?: string; logged?: string[] };
}

export interface TestTsa {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** The TSA's self-signed root (PEM file). */
  rootCert: string;
  stop(): Promise<void>;
}

/**
 * An RFC 3161 timestamping authority on 127.0.0.1: `openssl ts -reply` behind a small HTTP
 * server, with a root and a signing certificate (EKU timeStamping, critical) made at test time.
 * Replies carry the signing certificate and an ESS signingCertificateV2 (SHA-256), which notation requires.
 */
export async function startTestTsa(dir: string): Promise<TestTsa> {
  const { createServer } = await import('node:http');
  const { mkdirSync } = await import('node:fs');
  const tsaDir = path.join(dir, 'tsa');
  mkdirSync(tsaDir, { recursive: true });
  const ssl = (...args: string[]) => run('openssl', args, { cwd: tsaDir });
  writeFileSync(
    path.join(tsaDir, 'tsa.cnf'),
    `[root]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[signer]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[tsa]
default_tsa=tsa_config
[tsa_config]
dir=.
serial=./serial
signer_digest=sha256
default_policy=1.2.3.4.1
digests=sha256,sha384,sha512
accuracy=secs:1
ordering=no
tsa_name=no
ess_cert_id_chain=no
ess_cert_id_alg=sha256
`,
  );
  writeFileSync(path.join(tsaDir, 'serial'), '01\n');
  await ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'root.key');
  await ssl(
    'req',
    '-new',
    '-x509',
    '-key',
    'root.key',
    '-subj',
    '/C=US/ST=WA/O=Test TSA/CN=test TSA root',
    '-days',
    '3',
    '-extensions',
    'root',
    '-config',
    'tsa.cnf',
    '-out',
    'root.crt',
  );
  await ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'signer.key');
  await ssl('req', '-new', '-key', 'signer.key', '-subj', '/C=US/ST=WA/O=Test TSA/CN=test TSA', '-out', 'signer.csr');
  await ssl(
    'x509',
    '-req',
    '-in',
    'signer.csr',
    '-CA',
    'root.crt',
    '-CAkey',
    'root.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'tsa.cnf',
    '-extensions',
    'signer',
    '-out',
    'signer.crt',
  );
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = ++n;
      const query = path.join(tsaDir, `q${id}.tsq`);
      const reply = path.join(tsaDir, `r${id}.tsr`);
      writeFileSync(query, Buffer.concat(chunks));
      run(
        'openssl',
        ['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', query, '-signer', 'signer.crt', '-inkey', 'signer.key', '-chain', 'root.crt', '-out', reply],
        { cwd: tsaDir },
      ).then(
        () => {
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
          res.end(readFileSync(reply));
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    rootCert: path.join(tsaDir, 'root.crt'),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
