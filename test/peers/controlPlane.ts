/**
 * A real Kubernetes control plane on loopback for the cluster tests: Debian's etcd,
 * kube-apiserver built from k8s.io/kubernetes, Flux's CRDs (from the controllers' own
 * module zips in the Go module cache) and Flux's real source-controller and
 * kustomize-controller, all started in a temp folder and stopped by process group.
 *
 * TLS and client-certificate auth are real: a throwaway CA, a serving certificate
 * for 127.0.0.1 and an admin client certificate (O=system:masters) are made with
 * openssl at start; the admin kubeconfig is written to `<dir>/kubeconfig`.
 *
 * Binaries come from `bash scripts/peers/build-cluster.sh` (cache outside the repo);
 * a missing one fails under CI and skips locally (see `requireControlPlane`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { homedir, setPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { peerVersionSetting, stopProcessGroup } from './goPeers.ts';
import { freePort, httpStatus, openssl } from './loopback.ts';

export type ClusterPeer = 'kube-apiserver' | 'source-controller' | 'kustomize-controller';
export type FluxController = 'source-controller' | 'kustomize-controller';

export const clusterPeerVersions: Record<ClusterPeer, string> = (() => {
  const v = (key: string): string => peerVersionSetting(key);
  return {
    'kube-apiserver': v('KUBERNETES_VERSION'),
    'source-controller': v('SOURCE_CONTROLLER_VERSION'),
    'kustomize-controller': v('KUSTOMIZE_CONTROLLER_VERSION'),
  };
})();

/** Cache-folder suffixes of patched builds (e.g. `+artifact-v0.18.1`; see versions.sh). */
const clusterPeerCacheSuffix: Record<ClusterPeer, string> = (() => {
  const s = (key: string): string => peerVersionSetting(key, '');
  return {
    'kube-apiserver': '',
    'source-controller': s('SOURCE_CONTROLLER_CACHE_SUFFIX'),
    'kustomize-controller': s('KUSTOMIZE_CONTROLLER_CACHE_SUFFIX'),
  };
})();

function cacheDir(): string {
  return path.join(process.env['FLUX_OCI_CACHE'] || path.join(homedir(), '.cache', 'flux-oci'), 'peers');
}

export function clusterPeerBinary(name: ClusterPeer): string | undefined {
  const file = path.join(cacheDir(), `${name}-${clusterPeerVersions[name]}${clusterPeerCacheSuffix[name]}`, 'bin', name);
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}

function etcdBinary(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat(['/usr/bin'])) {
    const f = path.join(dir, 'etcd');
    try {
      accessSync(f, constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * True when everything is there; otherwise fails under CI and skips `t` locally with
 * what to run.
 */
export function requireControlPlane(t: { skip(message?: string): void }, controllers: FluxController[], crds: FluxController[] = controllers): boolean {
  const missing: string[] = [];
  if (!etcdBinary()) missing.push('etcd (apt-get install etcd-server)');
  for (const name of ['kube-apiserver', ...controllers] as ClusterPeer[]) {
    if (!clusterPeerBinary(name)) missing.push(`${name} ${clusterPeerVersions[name]} (bash scripts/peers/build-cluster.sh ${name})`);
  }
  if (missing.length === 0 && !crdFiles(crds)) missing.push('Flux CRDs (bash scripts/peers/build-cluster.sh downloads them into the Go module cache)');
  if (missing.length === 0) return true;
  const msg = `control plane peers missing: ${missing.join('; ')}`;
  if (process.env['CI']) throw new Error(`${msg} (CI must build every peer)`);
  t.skip(msg);
  return false;
}

/** The CRD YAML files shipped in the controllers' module zips (config/crd/bases). */
function crdFiles(controllers: FluxController[]): string[] | undefined {
  const gomodcache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout?.trim() || path.join(homedir(), 'go', 'pkg', 'mod');
  const files: string[] = [];
  for (const c of controllers) {
    const dir = path.join(gomodcache, 'github.com', 'fluxcd', `${c}@${clusterPeerVersions[c]}`, 'config', 'crd', 'bases');
    if (!existsSync(dir)) return undefined;
    for (const f of readdirSync(dir)) if (f.endsWith('.yaml')) files.push(path.join(dir, f));
  }
  return files;
}

function makePki(dir: string): void {
  const ext = path.join(dir, 'server.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=flux-oci-test-ca'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'], dir);
  openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', ext],
    dir,
  );
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'admin.key', '-out', 'admin.csr', '-subj', '/O=system:masters/CN=flux-oci-admin'], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'admin.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'admin.crt',
      '-days',
      '2',
      '-extfile',
      path.join(dir, 'client.ext'),
    ],
    dir,
  );
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
}

export interface ControlPlane {
  dir: string;
  /** `https://127.0.0.1:PORT` */
  server: string;
  /** Admin kubeconfig (client certificate), context `flux-oci-test`. */
  kubeconfig: string;
  /** GET/POST/... against the API server as admin; JSON in and out. */
  api(method: string, apiPath: string, body?: unknown, contentType?: string): Promise<{ status: number; body: any }>;
  /** Last lines of a component's log (for failure messages). */
  logTail(name: 'etcd' | ClusterPeer, chars?: number): string;
  /** Wall-clock seconds each component took to become ready. */
  startup: Record<string, number>;
  /**
   * Stops kube-apiserver only (etcd keeps the state). SIGTERM is a graceful shutdown: it stops
   * listening at once but keeps open watches (idle) until it is killed, 10 s later here, as the
   * kubelet does after its grace period. SIGKILL drops every connection as a crash does.
   */
  stopApiServer(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Whether kube-apiserver is running (a test that failed half-way may have left it stopped). */
  readonly apiServerRunning: boolean;
  /** Starts kube-apiserver again on the same port with the same certificates; resolves when /readyz answers 200. */
  startApiServer(): Promise<void>;
  /** stopApiServer, an optional pause, startApiServer; resolves with the seconds it was unreachable. */
  restartApiServer(options?: { signal?: 'SIGTERM' | 'SIGKILL'; downMs?: number }): Promise<number>;
  /**
   * Lowers the CPU priority of every process of this control plane (all their threads; ones started
   * later too) to `niceness` (0-19). For benchmarks, where the control planes stand in for remote
   * clusters and must not take the cores of the process being measured.
   */
  renice(niceness: number): void;
  stop(): Promise<void>;
}

function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, onTimeout: () => string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    for (;;) {
      if (await check().catch(() => false)) return;
      if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}: ${onTimeout()}`);
      if (Date.now() > deadline) throw new Error(`${what} was not ready after ${timeoutMs / 1000}s: ${onTimeout()}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
}

/**
 * `controllers` run; `crds` (default: the same) are installed. A test that plays the
 * controller itself installs the CRDs and runs none.
 */
export async function startControlPlane(
  options: { controllers?: FluxController[]; crds?: FluxController[]; namespaces?: string[] } = {},
): Promise<ControlPlane> {
  const controllers = options.controllers ?? ['source-controller', 'kustomize-controller'];
  const crdsOf = options.crds ?? controllers;
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-cluster-'));
  const children: Array<{ name: string; child: ChildProcess }> = [];
  const logs = new Map<string, string>();
  const startup: Record<string, number> = {};
  let niceness = 0;
  const spawnLogged = (name: string, bin: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess => {
    const log = path.join(dir, `${name}.log`);
    logs.set(name, log);
    const fd = openSync(log, 'a');
    // `nice` execs the program: the pid (and its process group) stays the program's.
    const [file, argv] = niceness ? ['nice', ['-n', String(niceness), bin, ...args]] : [bin, args];
    const child = spawn(file, argv, { stdio: ['ignore', fd, fd], detached: true, cwd: dir, env: { PATH: process.env['PATH'], HOME: dir, ...env } });
    closeSync(fd);
    children.push({ name, child });
    return child;
  };
  const logTail = (name: string, chars = 3000): string => {
    const f = logs.get(name);
    try {
      return f ? readFileSync(f, 'utf8').slice(-chars) : '';
    } catch {
      return '';
    }
  };
  const renice = (to: number): void => {
    niceness = to;
    // Linux keeps a niceness per thread (Go runtimes start several): set each; new threads inherit it.
    for (const { child } of children) {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
      let tasks: string[] = [];
      try {
        tasks = readdirSync(`/proc/${child.pid}/task`);
      } catch {
        tasks = [String(child.pid)];
      }
      for (const tid of tasks) {
        try {
          setPriority(Number(tid), to);
        } catch {
          /* the thread ended meanwhile */
        }
      }
      // Started detached, each process leads its own session, hence its own autogroup where the
      // kernel has them: CPU is shared between autogroups first, by the group's niceness, so the
      // threads' niceness alone leaves every control plane an equal share with the bench's.
      try {
        writeFileSync(`/proc/${child.pid}/autogroup`, String(to));
      } catch {
        /* no autogroups in this kernel, or the process ended */
      }
    }
  };
  const stop = async (): Promise<void> => {
    // Controllers first, then the API server, then etcd.
    for (const { child } of [...children].reverse()) await stopProcessGroup(child);
    if (!process.env['FLUX_OCI_KEEP_CLUSTER']) rmSync(dir, { recursive: true, force: true });
  };

  try {
    makePki(dir);
    const [etcdClient, etcdPeer, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    let t0 = Date.now();
    const etcd = spawnLogged(
      'etcd',
      etcdBinary()!,
      [
        '--name',
        'default',
        '--data-dir',
        path.join(dir, 'etcd'),
        '--listen-client-urls',
        `http://127.0.0.1:${etcdClient}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${etcdClient}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${etcdPeer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${etcdPeer}`,
        '--initial-cluster',
        `default=http://127.0.0.1:${etcdPeer}`,
        '--log-level',
        'warn',
      ],
      { ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch },
    );
    await waitFor(
      'etcd',
      async () => (await httpStatus(`http://127.0.0.1:${etcdClient}/health`)) === 200,
      30_000,
      () => logTail('etcd'),
      etcd,
    );
    startup['etcd'] = (Date.now() - t0) / 1000;

    t0 = Date.now();
    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${path.join(dir, 'server.crt')}`,
      `--tls-private-key-file=${path.join(dir, 'server.key')}`,
      `--client-ca-file=${path.join(dir, 'ca.crt')}`,
      `--service-account-key-file=${path.join(dir, 'sa.key')}`,
      `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      '--service-cluster-ip-range=10.96.0.0/24',
      '--authorization-mode=RBAC',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
      '--v=0',
    ];
    let apiserver = spawnLogged('kube-apiserver', clusterPeerBinary('kube-apiserver')!, apiserverArgs);
    const kubeconfig = path.join(dir, 'kubeconfig');
    const server = `https://127.0.0.1:${apiPort}`;
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: flux-oci-test',
        '  cluster:',
        `    server: ${server}`,
        `    certificate-authority: ${path.join(dir, 'ca.crt')}`,
        'users:',
        '- name: flux-oci-admin',
        '  user:',
        `    client-certificate: ${path.join(dir, 'admin.crt')}`,
        `    client-key: ${path.join(dir, 'admin.key')}`,
        'contexts:',
        '- name: flux-oci-test',
        '  context: {cluster: flux-oci-test, user: flux-oci-admin, namespace: flux-system}',
        'current-context: flux-oci-test',
        '',
      ].join('\n'),
    );
    const agent = new https.Agent({
      ca: readFileSync(path.join(dir, 'ca.crt')),
      cert: readFileSync(path.join(dir, 'admin.crt')),
      key: readFileSync(path.join(dir, 'admin.key')),
      keepAlive: true,
    });
    const api = (method: string, apiPath: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> =>
      apiOnce(method, apiPath, body, contentType).catch((err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
        // A kept-alive socket the API server closed while idle resets on reuse before any
        // response: the request never reached it, so sending it again is safe (Node's advice).
        if (err.reusedSocket && err.code === 'ECONNRESET') return apiOnce(method, apiPath, body, contentType);
        throw err;
      });
    const apiOnce = (method: string, apiPath: string, body: unknown, contentType: string): Promise<{ status: number; body: any }> =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
        const req = https.request(
          `${server}${apiPath}`,
          { method, agent, headers: { accept: 'application/json', ...(payload ? { 'content-type': contentType, 'content-length': payload.length } : {}) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                /* plain text (readyz) */
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on('error', (err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
          err.reusedSocket = req.reusedSocket;
          reject(err);
        });
        req.end(payload);
      });
    await waitFor(
      'kube-apiserver',
      async () => (await api('GET', '/readyz')).status === 200,
      90_000,
      () => logTail('kube-apiserver'),
      apiserver,
    );
    startup['kube-apiserver'] = (Date.now() - t0) / 1000;

    const stopApiServer = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
      if (apiserver.exitCode !== null || apiserver.signalCode !== null) return;
      const exited = new Promise((r) => apiserver.once('exit', r));
      process.kill(-apiserver.pid!, signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (apiserver.exitCode === null && apiserver.signalCode === null) await stopProcessGroup(apiserver);
      // The kept-alive sockets of `api` point at the dead process.
      agent.destroy();
    };
    const startApiServer = async (): Promise<void> => {
      if (apiserver.exitCode === null && apiserver.signalCode === null) throw new Error('kube-apiserver is already running');
      const old = apiserver;
      apiserver = spawnLogged('kube-apiserver', clusterPeerBinary('kube-apiserver')!, apiserverArgs);
      children.splice(
        children.findIndex((c) => c.child === old),
        1,
      );
      // Same place in the stop order as before: after the controllers, before etcd is stopped.
      children.splice(children.findIndex((c) => c.name === 'etcd') + 1, 0, children.pop()!);
      await waitFor(
        'kube-apiserver (restarted)',
        async () => (await api('GET', '/readyz')).status === 200,
        90_000,
        () => logTail('kube-apiserver'),
        apiserver,
      );
    };
    const restartApiServer = async (options: { signal?: 'SIGTERM' | 'SIGKILL'; downMs?: number } = {}): Promise<number> => {
      const t = Date.now();
      await stopApiServer(options.signal);
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      await startApiServer();
      return (Date.now() - t) / 1000;
    };

    t0 = Date.now();
    const crdNames: string[] = [];
    for (const file of crdFiles(crdsOf) ?? []) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const crd = doc.toJS() as { metadata?: { name?: string } } | null;
        if (!crd?.metadata?.name) continue;
        const r = await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
        if (r.status !== 201 && r.status !== 409)
          throw new Error(`creating CRD ${crd.metadata.name} failed (${r.status}): ${JSON.stringify(r.body).slice(0, 500)}`);
        crdNames.push(crd.metadata.name);
      }
    }
    for (const name of crdNames) {
      await waitFor(
        `CRD ${name}`,
        async () => {
          const r = await api('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
          return (r.body?.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True');
        },
        30_000,
        () => 'CRD not Established',
      );
    }
    for (const ns of ['flux-system', ...(options.namespaces ?? [])]) {
      const r = await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      if (r.status !== 201 && r.status !== 409) throw new Error(`creating namespace ${ns} failed (${r.status})`);
    }
    startup['crds'] = (Date.now() - t0) / 1000;

    const storage = path.join(dir, 'storage');
    mkdirSync(storage, { recursive: true });
    for (const name of controllers) {
      t0 = Date.now();
      const [metrics, health, storagePort] = await Promise.all([freePort(), freePort(), freePort()]);
      const args = [
        `--metrics-addr=127.0.0.1:${metrics}`,
        `--health-addr=127.0.0.1:${health}`,
        '--enable-leader-election=false',
        '--watch-all-namespaces=true',
        '--log-level=info',
        '--log-encoding=json',
        ...(name === 'source-controller'
          ? [`--storage-path=${storage}`, `--storage-addr=127.0.0.1:${storagePort}`, `--storage-adv-addr=127.0.0.1:${storagePort}`]
          : []),
      ];
      const child = spawnLogged(name, clusterPeerBinary(name)!, args, { KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: 'flux-system', TMPDIR: dir });
      await waitFor(
        name,
        async () => (await httpStatus(`http://127.0.0.1:${health}/readyz`)) === 200,
        60_000,
        () => logTail(name),
        child,
      );
      startup[name] = (Date.now() - t0) / 1000;
    }
    return {
      dir,
      server,
      kubeconfig,
      api,
      logTail,
      startup,
      stopApiServer,
      startApiServer,
      restartApiServer,
      get apiServerRunning() {
        return apiserver.exitCode === null && apiserver.signalCode === null;
      },
      renice,
      stop,
    };
  } catch (err) {
    const tails = [...logs.keys()].map((n) => `--- ${n} ---\n${logTail(n, 1500)}`).join('\n');
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tails}`);
  }
}

/** An OCIRepository as source-controller leaves it after fetching `revision` (`tag@digest`). */
export interface ReconciledSource {
  namespace: string;
  name: string;
  revision: string;
  digest: string;
  /** The `reconcile.fluxcd.io/requestedAt` token this reconcile answered, when one was asked for. */
  handledReconcileAt?: string;
}

/**
 * Writes the status source-controller would after a successful reconcile (Ready, the artifact at
 * `revision`), for the tests and benchmarks that play the controller on a control plane running none.
 */
export async function markReconciled(cp: Pick<ControlPlane, 'api'>, source: ReconciledSource): Promise<void> {
  const { namespace, name, revision, digest, handledReconcileAt } = source;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const r = await cp.api(
    'PATCH',
    `/apis/source.toolkit.fluxcd.io/v1/namespaces/${namespace}/ocirepositories/${name}/status`,
    {
      status: {
        observedGeneration: 1,
        ...(handledReconcileAt === undefined ? {} : { lastHandledReconcileAt: handledReconcileAt }),
        artifact: { path: `ocirepository/${namespace}/${name}/x.tar.gz`, url: 'http://127.0.0.1:1/x.tar.gz', revision, digest, lastUpdateTime: now },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Succeeded',
            message: `stored artifact for digest '${revision}'`,
            observedGeneration: 1,
            lastTransitionTime: now,
          },
        ],
      },
    },
    'application/merge-patch+json',
  );
  if (r.status !== 200) throw new Error(`marking OCIRepository ${namespace}/${name} reconciled: HTTP ${r.status} ${JSON.stringify(r.body)}`);
}
