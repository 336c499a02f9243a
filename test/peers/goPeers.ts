/**
 * Locates the Go-built peers (flux CLI, CNCF distribution v3, a referrers-enabled
 * go-containerregistry registry, oras, cosign, notation-go's notation-peer) that `bash scripts/peers/build.sh`
 * puts into `${FLUX_OCI_CACHE:-$HOME/.cache/flux-oci}/peers/<name>-<version>/bin/<name>`,
 * and starts the Go registries on a free 127.0.0.1 port with temp storage.
 *
 * A missing peer makes a test FAIL under CI (process.env.CI) and skip locally with
 * a message saying how to build it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, httpStatus } from './loopback.ts';

export type GoPeer =
  'flux' | 'registry' | 'ggcr-registry' | 'oras' | 'cosign' | 'notation-peer' | 'minio' | 'helm' | 'actionlint' | 'kubeconform' | 'gitlab-ci-local';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A value from scripts/peers/versions.sh, so the build and the tests cannot disagree. */
export function peerVersionSetting(key: string, fallback?: string): string {
  const text = readFileSync(path.join(repoRoot, 'scripts', 'peers', 'versions.sh'), 'utf8');
  const m = new RegExp(`^${key}=(\\S+)`, 'm').exec(text);
  if (m) return m[1]!;
  if (fallback !== undefined) return fallback;
  throw new Error(`scripts/peers/versions.sh does not define ${key}`);
}

export const peerVersions: Record<GoPeer, string> = (() => {
  const v = (key: string): string => peerVersionSetting(key);
  return {
    flux: v('FLUX_VERSION'),
    registry: v('DISTRIBUTION_VERSION'),
    'ggcr-registry': v('GGCR_VERSION'),
    oras: v('ORAS_VERSION'),
    cosign: v('COSIGN_VERSION'),
    'notation-peer': v('NOTATION_GO_VERSION') + peerVersionSetting('NOTATION_PEER_SUFFIX', ''),
    minio: v('MINIO_VERSION'),
    helm: v('HELM_VERSION'),
    actionlint: v('ACTIONLINT_VERSION'),
    kubeconform: v('KUBECONFORM_VERSION'),
    'gitlab-ci-local': v('GITLAB_CI_LOCAL_VERSION'),
  };
})();

export function peerCacheDir(): string {
  return path.join(process.env['FLUX_OCI_CACHE'] || path.join(homedir(), '.cache', 'flux-oci'), 'peers');
}

/** Absolute path of the built peer, or undefined when it has not been built. */
export function peerBinary(name: GoPeer): string | undefined {
  const file = path.join(peerCacheDir(), `${name}-${peerVersions[name]}`, 'bin', name);
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}

interface SkippableContext {
  skip(message?: string): void;
}

/**
 * The peer's path; when it is missing, fails under CI and otherwise skips `t`
 * (returns undefined: the test should return at once).
 */
export function requirePeer(t: SkippableContext, name: GoPeer): string | undefined {
  const bin = peerBinary(name);
  if (bin) return bin;
  const msg = `${name} ${peerVersions[name]} is not built; run: bash scripts/peers/build.sh ${name}`;
  if (process.env['CI']) throw new Error(`${msg} (CI must build every peer)`);
  t.skip(msg);
  return undefined;
}

export interface StartedGoRegistry {
  kind: 'referrers' | 'distribution';
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  baseUrl: string;
  dir: string;
  stop(): Promise<void>;
}

/** Stops a process started with `detached: true` by signalling its whole process group. */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
  }
}

/**
 * Starts a Go registry on 127.0.0.1:
 * - 'referrers' (default): go-containerregistry's registry with the OCI 1.1
 *   referrers API and `n`/`last` tag paging (no Link header), blobs on disk;
 * - 'distribution': CNCF distribution v3 (tag-list pagination with Link headers,
 *   no referrers API).
 * Throws when the binary is missing: call `requirePeer` first.
 */
export async function startRegistryV3(kind: 'referrers' | 'distribution' = 'referrers'): Promise<StartedGoRegistry> {
  const name: GoPeer = kind === 'referrers' ? 'ggcr-registry' : 'registry';
  const bin = peerBinary(name);
  if (!bin) throw new Error(`${name} is not built; run: bash scripts/peers/build.sh ${name}`);
  const dir = mkdtempSync(path.join(tmpdir(), `flux-oci-${name}-`));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let args: string[];
  if (kind === 'referrers') {
    args = ['-address', host, '-disk', path.join(dir, 'blobs')];
  } else {
    const config = {
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: path.join(dir, 'data') }, delete: { enabled: true } },
      http: { addr: host, secret: 'flux-oci-test' },
    };
    writeFileSync(path.join(dir, 'config.yml'), JSON.stringify(config));
    args = ['serve', path.join(dir, 'config.yml')];
  }
  const logFile = path.join(dir, 'registry.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(bin, args, {
    stdio: ['ignore', fd, fd],
    detached: true, // own process group: stop() reaches every child
    env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', OTEL_SDK_DISABLED: 'true' },
  });
  closeSync(fd);
  const baseUrl = `http://${host}`;
  const stop = async (): Promise<void> => {
    await stopProcessGroup(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!((await httpStatus(`${baseUrl}/v2/`)) !== undefined)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = readFileSync(logFile, 'utf8').slice(-2000);
      await stop();
      throw new Error(`${name} did not start on ${host}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { kind, host, port, baseUrl, dir, stop };
}
