// What the signature interop stories share: whether the signer and registry they need are here,
// the registry of the kind a story runs on with a scratch folder and workspace beside it, and a
// fresh artifact pushed by our CLI for each case (so signatures of one case never meet another's).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerRegistryAvailable, startRegistry } from '../peers/registry.ts';
import { peerBinary, startRegistryV3 } from '../peers/goPeers.ts';
import { makeWorkspace, runCli } from '../oci/runCli.ts';

/** docker-registry has no referrers API (signatures go through the fallback tag); ggcr's registry has it. */
export type SigningRegistryKind = 'docker-registry' | 'ggcr';

export function registryTitle(kind: SigningRegistryKind): string {
  return kind === 'ggcr' ? 'a registry with the referrers API (ggcr)' : 'a registry without it (docker-registry, fallback tag)';
}

/** Why a story with this signer on this registry cannot run here, or false; in CI a signer not built is an error. */
export function signingPeerMissing(signer: 'cosign' | 'notation-peer', kind: SigningRegistryKind = 'docker-registry'): string | false {
  if (!peerBinary(signer)) {
    const msg = `${signer} is not built; run: bash scripts/peers/build.sh ${signer}`;
    if (process.env['CI']) throw new Error(`${msg} (CI must build every peer)`);
    return msg;
  }
  if (kind === 'docker-registry') return dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
  return peerBinary('ggcr-registry') ? false : 'ggcr-registry is not built; run: bash scripts/peers/build.sh ggcr-registry';
}

export interface SigningLab {
  /** `127.0.0.1:PORT` of the registry. */
  host: string;
  /** Scratch folder for keys, policies and pulled files. */
  dir: string;
  /** A workspace with a deploy/ folder to push. */
  ws: string;
  /** Stops the registry and removes both folders. */
  stop(): Promise<void>;
}

export async function startSigningLab(kind: SigningRegistryKind, tmpPrefix: string): Promise<SigningLab> {
  const registry = kind === 'docker-registry' ? await startRegistry() : await startRegistryV3('referrers');
  const dir = mkdtempSync(path.join(tmpdir(), tmpPrefix));
  const ws = makeWorkspace();
  return {
    host: registry.host,
    dir,
    ws,
    async stop() {
      await registry.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(ws, { recursive: true, force: true });
    },
  };
}

export interface PushedArtifact {
  url: string;
  /** `host/repo@digest`, as a signer names it. */
  ref: string;
  digest: string;
  repo: string;
}

/** Pushes the lab's workspace as `repo:v1`, its content made unique by `n`. */
export async function pushNumberedArtifact(lab: Pick<SigningLab, 'host' | 'ws'>, repo: string, n: number): Promise<PushedArtifact> {
  writeFileSync(path.join(lab.ws, 'deploy', 'version.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\ndata:\n  n: "${n}"\n`);
  const r = await runCli(
    ['push', 'artifact', `oci://${lab.host}/${repo}:v1`, '--path', 'deploy', '--source', 'https://example.invalid/app', '--revision', `main@sha1:${n}`],
    { cwd: lab.ws },
  );
  assert.equal(r.code, 0, r.stderr);
  const digest = /@(sha256:[a-f0-9]{64})/.exec(r.stderr)![1]!;
  return { url: `oci://${lab.host}/${repo}:v1`, ref: `${lab.host}/${repo}@${digest}`, digest, repo };
}
