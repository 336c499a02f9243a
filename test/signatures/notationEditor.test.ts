// Notary signatures in the editor: an OCIRepository with spec.verify.provider:
// notation whose secretRef Secret manifest (trustpolicy.json + the CA
// certificate, as Flux reads them) is in the workspace. Artifacts are pushed by
// our CLI to Debian's docker-registry on 127.0.0.1 and signed by notation-go
// (notation-peer) with a PKI openssl makes at test time. Over the real language
// server, hover and diagnostics say what source-controller would conclude.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { peerBinary } from '../peers/goPeers.ts';
import { LspClient, fileUri } from '../helpers/lspClient.ts';
import { at, eventually, ociRepository, seed } from '../resolution/stories.ts';
import { signingPeerMissing } from './signingLab.ts';
import { makeNotaryPki, notarySign, type NotaryPki } from './notationPeers.ts';

const notationBin = peerBinary('notation-peer');
const skip = signingPeerMissing('notation-peer');

let registry: StartedRegistry;
let dir = '';
let ws = '';
let pki: NotaryPki;
const digests: Record<string, string> = {};
let docCount = 0;

function trustPolicy(level: string): string {
  return JSON.stringify(
    {
      version: '1.0',
      trustPolicies: [{ name: 'flux', registryScopes: ['*'], signatureVerification: { level }, trustStores: ['ca:flux'], trustedIdentities: ['*'] }],
    },
    null,
    2,
  );
}

/** A notation Secret as written in Git: the trust policy and the CA under data (base64). */
function secret(name: string, policy: string, ca: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${name}`,
    '  namespace: flux-system',
    'type: Opaque',
    'data:',
    `  trustpolicy.json: ${b64(policy)}`,
    `  ca.crt: ${b64(ca)}`,
    '',
  ].join('\n');
}

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-notary-editor-'));
  pki = await makeNotaryPki(dir);
  for (const name of ['signed', 'stranger', 'unsigned']) {
    const s = await seed(registry.host, `apps/${name}`, ['v1.0.0']);
    digests[name] = s.digests['v1.0.0']!;
  }
  await notarySign(notationBin!, `${registry.host}/apps/signed@${digests['signed']}`, { key: pki.ecKey, chain: pki.ecChain, envelope: 'cose' });
  await notarySign(notationBin!, `${registry.host}/apps/stranger@${digests['stranger']}`, { key: pki.otherKey, chain: pki.otherChain, envelope: 'jws' });
  ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-notary-ws-'));
  const root = readFileSync(pki.rootCert, 'utf8');
  writeFileSync(path.join(ws, 'notation-strict.yaml'), secret('notation-strict', trustPolicy('strict'), root));
  writeFileSync(path.join(ws, 'notation-audit.yaml'), secret('notation-audit', trustPolicy('audit'), root));
});

after(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (ws) rmSync(ws, { recursive: true, force: true });
});

const notation = (secretName: string) => `verify:\n  provider: notation\n  secretRef:\n    name: ${secretName}`;
const source = (repo: string, verify: string) => ociRepository(`oci://${registry.host}/apps/${repo}`, { tag: 'v1.0.0' }, verify);

function markdown(h: Hover | null): string {
  return h ? (h.contents as MarkupContent).value : '';
}

const signatureCodes = (ds: Diagnostic[]) => ds.filter((d) => String(d.code).startsWith('signature/'));
const message = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : (d.message as MarkupContent).value);

describe('Notary signature status in the editor, trust from the Secret manifest', { skip }, () => {
  let lsp: LspClient;
  const open = (text: string): string => {
    const uri = fileUri(path.join(ws, `editing-${++docCount}.yaml`));
    lsp.open(uri, text);
    return uri;
  };
  const hover = (uri: string, text: string): Promise<string> =>
    eventually(
      async () => {
        const m = markdown(await lsp.hover(uri, at(text, 'url:')));
        return /\*\*Signature\*\*/.test(m) && !/checking…|checked once the artifact resolves|Resolving/.test(m) ? m : undefined;
      },
      'signature hover',
      20_000,
    );
  const latest = (uri: string, test: (ds: Diagnostic[]) => boolean): Promise<Diagnostic[]> =>
    eventually(
      async () => {
        const last = [...lsp.published].reverse().find((p) => p.uri === uri);
        return last && test(last.diagnostics) ? last.diagnostics : undefined;
      },
      `diagnostics of ${uri}`,
      20_000,
    );

  before(async () => {
    lsp = await LspClient.start({ workspaceFolders: [ws] });
    await eventually(async () => (lsp.logs.some((l) => /indexed \d+ YAML files/.test(l)) ? true : undefined), 'workspace index');
  });
  after(async () => {
    await lsp?.stop();
  });

  it("signed by a leaf of the Secret's CA (COSE): hover says verified, with the signer and the trust policy; no diagnostic", async () => {
    const text = source('signed', notation('notation-strict'));
    const uri = open(text);
    const md = await hover(uri, text);
    assert.match(
      md,
      /✔ verified signed by `CN=flux-oci signer,O=Notary Test,L=Seattle,ST=WA,C=US` \(issuer `CN=root CA,O=Notary Test,L=Seattle,ST=WA,C=US`\) \(Notary Project COSE signature, trust policy `flux \(strict\)`\)/,
    );
    assert.match(md, /trusting Secret notation-strict \(notation-strict\.yaml\)/);
    assert.deepEqual(signatureCodes(await latest(uri, () => true)), []);
  });

  it('signed under another CA: strict is a not-verified warning that Flux refuses it; audit a warning that Flux deploys it unverified', async () => {
    const strictText = source('stranger', notation('notation-strict'));
    const strictUri = open(strictText);
    const [w] = signatureCodes(await latest(strictUri, (d) => signatureCodes(d).length > 0));
    assert.equal(w!.code, 'signature/not-verified');
    assert.equal(w!.range.start.line, at(strictText, 'verify:').line);
    assert.match(message(w!), /Flux will refuse to deploy sha256:[a-f0-9]+…/);
    assert.match(message(w!), /not produced by a trusted signer/);

    const auditText = source('stranger', notation('notation-audit'));
    const auditUri = open(auditText);
    const [a] = signatureCodes(await latest(auditUri, (d) => signatureCodes(d).length > 0));
    assert.equal(a!.code, 'signature/not-verified');
    assert.match(message(a!), /Flux will deploy sha256:[a-f0-9]+… without marking it verified/);
    assert.match(await hover(auditUri, auditText), /⚠️ not verified: .*only logs this authenticity failure/);
  });

  it('unsigned: the warning says no signature is associated', async () => {
    const text = source('unsigned', notation('notation-strict'));
    const uri = open(text);
    const [w] = signatureCodes(await latest(uri, (d) => signatureCodes(d).length > 0));
    assert.match(message(w!), /no signature is associated with/);
  });

  it('the Secret is not in the workspace: information that it was not checked, saying what is missing', async () => {
    const text = source('signed', notation('somewhere-else'));
    const uri = open(text);
    const [i] = signatureCodes(await latest(uri, (d) => signatureCodes(d).length > 0));
    assert.equal(i!.code, 'signature/keys-unavailable');
    assert.equal(i!.severity, 3);
    assert.match(message(i!), /Secret somewhere-else in namespace flux-system is not in the workspace; its trustpolicy\.json and CA certificates are needed/);
  });
});

describe('Notary signature status with trust from the flux-oci.verify.notation* settings', { skip }, () => {
  let lsp: LspClient;
  let sopsWs = '';
  before(async () => {
    // The Secret is in the workspace but encrypted with SOPS: the settings' files stand in for it.
    sopsWs = mkdtempSync(path.join(tmpdir(), 'flux-oci-notary-sops-'));
    writeFileSync(
      path.join(sopsWs, 'notation-secret.yaml'),
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: notation-sops',
        '  namespace: flux-system',
        'type: Opaque',
        'data:',
        '  trustpolicy.json: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]',
        '  ca.crt: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]',
        'sops:',
        '  version: 3.9.0',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'editor-trustpolicy.json'), trustPolicy('strict'));
    lsp = await LspClient.start({
      workspaceFolders: [sopsWs],
      settings: { verify: { notationTrustPolicy: path.join(dir, 'editor-trustpolicy.json'), notationCaFiles: [pki.rootCert] } },
    });
    await eventually(async () => (lsp.logs.some((l) => /indexed \d+ YAML files/.test(l)) ? true : undefined), 'workspace index');
  });
  after(async () => {
    await lsp?.stop();
    if (sopsWs) rmSync(sopsWs, { recursive: true, force: true });
  });

  it('verifies with the configured trust policy and CA when the Secret is SOPS-encrypted', async () => {
    const text = source('signed', notation('notation-sops'));
    const uri = fileUri(path.join(sopsWs, 'app.yaml'));
    lsp.open(uri, text);
    const md = await eventually(
      async () => {
        const m = markdown(await lsp.hover(uri, at(text, 'url:')));
        return /\*\*Signature\*\*/.test(m) && !/checking…|checked once the artifact resolves|Resolving/.test(m) ? m : undefined;
      },
      'signature hover',
      20_000,
    );
    assert.match(md, /✔ verified signed by `CN=flux-oci signer/);
    assert.match(md, /flux-oci\.verify\.notationTrustPolicy/);
  });
});
