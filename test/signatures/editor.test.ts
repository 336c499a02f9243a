// Signatures in the editor: someone edits an OCIRepository with spec.verify
// while CI pushes artifacts (our CLI) to a real registry (Debian's
// docker-registry on 127.0.0.1) and signs them with the real cosign v3.0.6
// (keyed, v3 bundle or legacy .sig). Over the real language server, hover and
// diagnostics say whether the resolved digest satisfies the policy, with keys
// from a Secret manifest in the workspace or the flux-oci.verify.publicKeyFiles
// setting; offline says nothing. Keys are made at test time in a temp folder.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { peerBinary } from '../peers/goPeers.ts';
import { startFaultProxy } from '../peers/faultProxy.ts';
import { LspClient, fileUri } from '../helpers/lspClient.ts';
import { at, eventually, ociRepository, seed } from '../resolution/stories.ts';
import { signingPeerMissing } from './signingLab.ts';
import { cosignSign, generateKeyPair } from './signingPeers.ts';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'signatures', 'editor');
const cosignBin = peerBinary('cosign');
const skip = signingPeerMissing('cosign');

let registry: StartedRegistry;
let dir = '';
let ws = '';
let keys: { key: string; pub: string };
let otherKeys: { key: string; pub: string };
/** Digests of artifacts: signed legacy, signed bundle-only, unsigned. */
const digests: Record<string, string> = {};
let docCount = 0;

/** A Secret manifest as written in Git, from a fixture with the key filled in. */
function secretManifest(fixture: string, pem: string): string {
  return readFileSync(path.join(fixtures, fixture), 'utf8')
    .replace('${PEM_BASE64}', Buffer.from(pem).toString('base64'))
    .replace('${PEM_INDENTED}', pem.trimEnd().split('\n').join('\n    '));
}

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-sig-editor-'));
  keys = await generateKeyPair(cosignBin!, dir, 'cosign');
  otherKeys = await generateKeyPair(cosignBin!, dir, 'other');
  for (const name of ['legacy', 'bundle', 'unsigned']) {
    const s = await seed(registry.host, `apps/${name}`, ['v1.0.0']);
    digests[name] = s.digests['v1.0.0']!;
  }
  await cosignSign(cosignBin!, dir, `${registry.host}/apps/legacy@${digests['legacy']}`, { key: keys.key, bundle: false });
  await cosignSign(cosignBin!, dir, `${registry.host}/apps/bundle@${digests['bundle']}`, { key: keys.key, bundle: true });
  // The workspace the editor opens: Secrets with the right and the wrong public key.
  ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-sig-ws-'));
  writeFileSync(path.join(ws, 'cosign-secret.yaml'), secretManifest('cosign-secret.yaml', readFileSync(keys.pub, 'utf8')));
  writeFileSync(path.join(ws, 'wrong-secret.yaml'), secretManifest('wrong-secret.yaml', readFileSync(otherKeys.pub, 'utf8')));
});

after(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (ws) rmSync(ws, { recursive: true, force: true });
});

function source(repo: string, verify: string): string {
  return ociRepository(`oci://${registry.host}/apps/${repo}`, { tag: 'v1.0.0' }, verify);
}
const keyed = (secret: string) => `verify:\n  provider: cosign\n  secretRef:\n    name: ${secret}`;

function open(lsp: LspClient, text: string): string {
  const uri = fileUri(path.join(ws, `editing-${++docCount}.yaml`));
  lsp.open(uri, text);
  return uri;
}

function markdown(h: Hover | null): string {
  return h ? (h.contents as MarkupContent).value : '';
}

/** Hovers on the url until the signature section is no longer waiting. */
function signatureHover(lsp: LspClient, uri: string, text: string, needle = 'url:'): Promise<string> {
  return eventually(
    async () => {
      const m = markdown(await lsp.hover(uri, at(text, needle)));
      return /\*\*Signature\*\*/.test(m) && !/checking…|checked once the artifact resolves|Resolving/.test(m) ? m : undefined;
    },
    'signature hover',
    20_000,
  );
}

/** The latest diagnostics published for `uri` once they satisfy `test`. */
function latest(lsp: LspClient, uri: string, test: (ds: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
  return eventually(
    async () => {
      const last = [...lsp.published].reverse().find((p) => p.uri === uri);
      return last && test(last.diagnostics) ? last.diagnostics : undefined;
    },
    `diagnostics of ${uri}`,
    20_000,
  );
}

const signatureCodes = (ds: Diagnostic[]) => ds.filter((d) => String(d.code).startsWith('signature/'));
const message = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);

describe('signature status in the editor, keys from a Secret manifest in the workspace', { skip }, () => {
  let lsp: LspClient;
  before(async () => {
    lsp = await LspClient.start({ workspaceFolders: [ws] });
    // The Secret manifests are on disk: wait until the workspace is indexed, as a user waits for the first check.
    await eventually(async () => (lsp.logs.some((l) => /indexed \d+ YAML files/.test(l)) ? true : undefined), 'workspace index');
  });
  after(async () => {
    await lsp?.stop();
  });

  it("a legacy signature made with the Secret's key: hover says verified, no signature diagnostic", async () => {
    const text = source('legacy', keyed('cosign-pub'));
    const uri = open(lsp, text);
    const md = await signatureHover(lsp, uri, text);
    assert.match(md, /✔ verified with key `cosign\.pub` \(legacy \.sig signature\)/);
    assert.match(md, /Secret cosign-pub \(cosign-secret\.yaml\)/);
    // The resolution is still there above it.
    assert.ok(md.includes(`apps/legacy:v1.0.0@${digests['legacy']}`), md);
    const ds = await latest(lsp, uri, () => true);
    assert.deepEqual(signatureCodes(ds), []);
    // Hover anywhere in the verify block shows it too.
    assert.match(markdown(await lsp.hover(uri, at(text, 'secretRef:'))), /✔ verified/);
  });

  it('the wrong key in the Secret: a not-verified warning on spec.verify with the reason', async () => {
    const text = source('legacy', keyed('wrong-pub'));
    const uri = open(lsp, text);
    const ds = await latest(lsp, uri, (d) => signatureCodes(d).length > 0);
    const [w] = signatureCodes(ds);
    assert.equal(w!.code, 'signature/not-verified');
    assert.equal(w!.severity, 2);
    assert.equal(w!.range.start.line, at(text, 'verify:').line);
    assert.match(message(w!), /Flux will refuse to deploy sha256:[a-f0-9]+…: its signature does not satisfy spec\.verify \(keys: Secret wrong-pub/);
    assert.match(message(w!), /no \.sig signature passes keyed verification/);
    assert.match(await signatureHover(lsp, uri, text), /✗ not verified: /);
  });

  it('an unsigned artifact is not verified: no signature found, and how to sign it', async () => {
    const text = source('unsigned', keyed('cosign-pub'));
    const uri = open(lsp, text);
    const ds = await latest(lsp, uri, (d) => signatureCodes(d).length > 0);
    const [w] = signatureCodes(ds);
    assert.equal(w!.code, 'signature/not-verified');
    assert.match(message(w!), /no cosign signature found for .*apps\/unsigned@sha256:/);
    assert.match(message(w!), /sign it \(flux-oci sign artifact or cosign sign\)/);
  });

  it('signed only with a v3 bundle: verified, with a note that Flux before 2.8 cannot verify it', async () => {
    const text = source('bundle', keyed('cosign-pub'));
    const uri = open(lsp, text);
    const ds = await latest(lsp, uri, (d) => signatureCodes(d).length > 0);
    const [n] = signatureCodes(ds);
    assert.equal(n!.code, 'signature/bundle-needs-flux-2.8');
    assert.equal(n!.severity, 3);
    assert.match(message(n!), /Flux verifies them from v2\.8 on/);
    const md = await signatureHover(lsp, uri, text);
    assert.match(md, /✔ verified with key `cosign\.pub` \(v3 Sigstore bundle\)/);
    assert.match(md, /Upgrade Flux to 2\.8 or newer/);
  });

  it('pasting the right key into the Secret being edited clears the warning on the OCIRepository', async () => {
    const text = source('legacy', keyed('pasted-pub'));
    const uri = open(lsp, text);
    const secretUri = fileUri(path.join(ws, 'pasted-secret.yaml'));
    const secret = (pem: string) => secretManifest('cosign-secret.yaml', pem).replace('name: cosign-pub', 'name: pasted-pub');
    lsp.open(secretUri, secret(readFileSync(otherKeys.pub, 'utf8')));
    const before = await latest(lsp, uri, (d) => signatureCodes(d).some((x) => x.code === 'signature/not-verified'));
    assert.match(message(signatureCodes(before)[0]!), /Secret pasted-pub \(pasted-secret\.yaml\)/);
    lsp.replaceAll(secretUri, secret(readFileSync(keys.pub, 'utf8')));
    await latest(lsp, uri, (d) => signatureCodes(d).length === 0);
    assert.match(await signatureHover(lsp, uri, text), /✔ verified with key `cosign\.pub`/);
  });

  it('a registry failing while the signature is looked up: information that it was not checked, never a false warning', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: registry.port });
    try {
      // The artifact resolves, but every signature lookup (referrers, fallback tag, .sig tag) gets 503.
      proxy.setRules([{ path: /\/referrers\/|\/manifests\/sha256-[a-f0-9]{64}/, fault: { kind: 'status', status: 503 } }]);
      const text = ociRepository(`oci://${proxy.host}/apps/legacy`, { tag: 'v1.0.0' }, keyed('cosign-pub'));
      const uri = open(lsp, text);
      const ds = await latest(lsp, uri, (d) => signatureCodes(d).length > 0);
      const [i] = signatureCodes(ds);
      assert.equal(i!.code, 'signature/unchecked');
      assert.equal(i!.severity, 3);
      assert.match(message(i!), /^Signature not checked: /);
      assert.ok(
        proxy.log.some((r) => r.fault === 'status'),
        'the faults were hit',
      );
    } finally {
      await proxy.stop();
    }
  });

  it('the Secret is not in the workspace and no key file is set: information saying what to set', async () => {
    const text = source('legacy', keyed('elsewhere'));
    const uri = open(lsp, text);
    const ds = await latest(lsp, uri, (d) => signatureCodes(d).length > 0);
    const [i] = signatureCodes(ds);
    assert.equal(i!.code, 'signature/keys-unavailable');
    assert.equal(i!.severity, 3);
    assert.match(message(i!), /Secret elsewhere in namespace flux-system is not in the workspace; set flux-oci\.verify\.publicKeyFiles/);
  });

  it('keyless without a trusted root that can be reached here: information, not an error', async () => {
    const text = source(
      'legacy',
      'verify:\n  provider: cosign\n  matchOIDCIdentity:\n    - issuer: "^https://token.actions.githubusercontent.com$"\n      subject: "^https://github.com/org/.*$"',
    );
    const uri = open(lsp, text);
    const ds = await latest(lsp, uri, (d) => signatureCodes(d).length > 0);
    const [i] = signatureCodes(ds);
    assert.equal(i!.code, 'signature/keys-unavailable');
    assert.match(message(i!), /set flux-oci\.verify\.trustedRoot/);
  });
});

describe('signature status with keys from the flux-oci.verify.publicKeyFiles setting', { skip }, () => {
  let lsp: LspClient;
  before(async () => {
    // No workspace folder: the Secret manifest is not seen, so the setting's key is used.
    lsp = await LspClient.start({ settings: { verify: { publicKeyFiles: [keys.pub] } } });
  });
  after(async () => {
    await lsp?.stop();
  });

  it('verifies with the configured key file when the Secret is not in the workspace', async () => {
    const text = source('legacy', keyed('cosign-pub'));
    const uri = open(lsp, text);
    const md = await signatureHover(lsp, uri, text);
    assert.match(md, /✔ verified with key `.*cosign\.pub`/);
    assert.match(md, /flux-oci\.verify\.publicKeyFiles/);
    assert.deepEqual(signatureCodes(await latest(lsp, uri, () => true)), []);
  });
});

describe('signature status offline', { skip }, () => {
  let lsp: LspClient;
  before(async () => {
    lsp = await LspClient.start({ workspaceFolders: [ws], settings: { registry: { offline: true } } });
  });
  after(async () => {
    await lsp?.stop();
  });

  it('says nothing: no signature diagnostic, no registry traffic, the hover says lookups are off', async () => {
    const text = source('unsigned', keyed('cosign-pub'));
    const uri = open(lsp, text);
    const ds = await lsp.diagnostics(uri);
    assert.deepEqual(signatureCodes(ds), []);
    const md = markdown(await lsp.hover(uri, at(text, 'url:')));
    assert.match(md, /not checked, registry lookups are off/);
    await new Promise((r) => setTimeout(r, 300));
    const again = [...lsp.published].reverse().find((p) => p.uri === uri)!;
    assert.deepEqual(signatureCodes(again.diagnostics), []);
  });
});
