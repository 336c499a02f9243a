/**
 * Several kubeconfig contexts at once (issue 16): one KubeClient and one FluxInventory
 * (list+watch) per context, each with the credentials its context names in the kubeconfig.
 * Nothing waits on a cluster for long: `view` answers within `firstAnswerMs` with what each
 * context knows, a cluster that has not answered yet shows as `connecting`, one that cannot be
 * reached as `unreachable` (or `stale` when it was followed before), and the listener hears when
 * any of them catches up. `groupFleet` turns the contexts' trees into rows, one per source across
 * clusters; `whereDeployed` finds the clusters running a repository or a digest.
 */
import { statSync } from 'node:fs';
import { KubeClient, sleep, type KubeClientOptions } from './kubeClient';
import { KubeConfigError, kubeconfigFiles, listKubeContexts, loadClusterAccess, type ClusterAccessOptions, type KubeContexts } from './kubeConfig';
import { buildFluxTree, compareRefs, FluxInventory, listFluxObjects, type FluxTreeNode } from './fluxInventory';
import { compareDrift, parseRevision, type Drift, type ParsedRevision } from './drift';
import type { ObjectRef } from './fluxKinds';
import type { OciSourceSpec } from '../resolution/ociSourceSpec';
import type { Resolution } from '../resolution/resolution';
import { rememberPerText } from '../text/rememberPerText';

/**
 * `ready`: followed and current. `connecting`: no answer yet. `stale`: followed before, failing
 * now (the view keeps what it saw). `unreachable`: never answered. `error`: the kubeconfig
 * cannot name a cluster for it (no such context, no server URL, unreadable credentials).
 */
export type ContextState = 'ready' | 'connecting' | 'stale' | 'unreachable' | 'error';

export interface FleetContextStatus {
  context: string;
  server?: string;
  namespace?: string;
  /** The kubeconfig's current context. */
  current: boolean;
  state: ContextState;
  /** Why the state is not `ready`. */
  message?: string;
  /** Flux objects known in this context. */
  count: number;
}

export interface FleetTrees {
  contexts: FleetContextStatus[];
  trees: Array<{ context: string; nodes: FluxTreeNode[] }>;
  /** Equal for two views whose trees and states are the same (callers cache what they build on them). */
  signature?: string;
}

export interface FleetOptions {
  /** Where the kubeconfig is (default: KUBECONFIG, then ~/.kube/config). */
  kube?: Pick<ClusterAccessOptions, 'kubeconfig' | 'env'>;
  client?: Omit<KubeClientOptions, 'onRetry'>;
  /** A context's objects changed, or its state did (came back, went away, answered at last). */
  onChange: (context: string, count: number) => void;
  log?: (message: string) => void;
  /** How long `view` waits for a cluster's first lists before showing it as connecting. Default 1.5 s. */
  firstAnswerMs?: number;
}

interface Member {
  context: string;
  client?: KubeClient;
  error?: string;
  inventory?: FluxInventory;
  /** `view` showed it as connecting: its first answer is worth announcing. */
  announced: boolean;
  /** It was followed without a problem at least once. */
  everClean: boolean;
  /** When `view` first asked for its tree. */
  since?: number;
  /** Bumped whenever its inventory reports a change; keys the tree cache. */
  version: number;
  tree?: { version: number; nodes: FluxTreeNode[] };
  /** The tree being built for `version`: asks meanwhile share it instead of each building their own. */
  building?: { version: number; nodes: Promise<FluxTreeNode[]> };
  /** The state the last `view` saw. */
  state?: ContextState;
  message?: string;
}

export class Fleet {
  private readonly members = new Map<string, Member>();
  /** Bumped when every member is dropped, so signatures of old members never match new ones. */
  private generation = 0;
  private turns: Promise<void> = Promise.resolve();
  private known: { list: KubeContexts; signature: string } | undefined;

  constructor(private readonly options: FleetOptions) {}

  /** The kubeconfig's contexts; read again when a kubeconfig file changed (which also drops every connection). */
  contexts(): KubeContexts {
    const signature = kubeconfigFiles(this.options.kube)
      .map((f) => {
        try {
          const st = statSync(f);
          return `${f}:${st.mtimeMs}:${st.size}`;
        } catch {
          return `${f}:-`;
        }
      })
      .join('|');
    if (this.known?.signature === signature) return this.known.list;
    if (this.known) this.dropMembers(); // the kubeconfig changed (kubectl use-context, new credentials): start over
    const list = listKubeContexts(this.options.kube);
    this.known = { list, signature };
    return list;
  }

  /** The current context's name; throws with what to do when there is none. */
  current(): string {
    const current = this.contexts().current;
    if (!current) throw new KubeConfigError('the kubeconfig has no current context: pass --context NAME or run kubectl config use-context NAME');
    return current;
  }

  /**
   * The contexts a setting names: none means the current one; `*` every context of the
   * kubeconfig; names not in the kubeconfig are kept so the view can say so.
   */
  select(setting: readonly string[]): string[] {
    const list = this.contexts();
    const names = setting.map((s) => s.trim()).filter(Boolean);
    if (names.length === 0) return list.current ? [list.current] : [];
    const out: string[] = [];
    for (const n of names) for (const c of n === '*' ? list.contexts.map((x) => x.name) : [n]) if (!out.includes(c)) out.push(c);
    return out;
  }

  /** The client of a context (default: the current one); throws KubeConfigError when the kubeconfig cannot give one. */
  client(context?: string): KubeClient {
    const m = this.member(context || this.current());
    if (!m.client) throw new KubeConfigError(m.error ?? `context "${m.context}" cannot be used`);
    return m.client;
  }

  /** The list+watch of a context (default: the current one), started on first use. */
  inventory(context?: string): FluxInventory {
    const name = context || this.current();
    const client = this.client(name);
    const m = this.members.get(name)!;
    if (!m.inventory) {
      const log = this.options.log ?? (() => undefined);
      const changed = (): void => {
        m.version++;
        this.options.onChange(name, inventory.size);
      };
      const inventory = new FluxInventory(client, {
        onChange: changed,
        onError: (message) => {
          log(`${name}: ${message}`);
          changed();
        },
        onRecovered: (message) => {
          log(`${name}: ${message}`);
          changed();
        },
      });
      m.inventory = inventory;
    }
    return m.inventory;
  }

  /** What the last `view` knew of a context, for callers that must not wait on it (batch actions). */
  lastState(context: string): { state: ContextState; message?: string } | undefined {
    const m = this.members.get(context);
    return m?.state ? { state: m.state, ...(m.message ? { message: m.message } : {}) } : undefined;
  }

  /**
   * Each context's tree as far as it is known now: waits at most `firstAnswerMs` for any
   * cluster, all of them at once, so a slow or unreachable one never holds up the others.
   */
  async view(names: readonly string[]): Promise<FleetTrees> {
    const list = this.contexts();
    const waitMs = this.options.firstAnswerMs ?? 1500;
    const answers = await Promise.all(
      names.map(async (name): Promise<{ status: FleetContextStatus; nodes: FluxTreeNode[]; treeVersion?: number }> => {
        const info = list.contexts.find((c) => c.name === name);
        const status: FleetContextStatus = { context: name, current: name === list.current, state: 'ready', count: 0 };
        if (info?.server) status.server = info.server;
        if (info?.namespace) status.namespace = info.namespace;
        const failed = (message: string) => ({ status: { ...status, state: 'error' as const, message }, nodes: [] });
        if (!info) return failed(`context "${name}" is not in the kubeconfig`);
        // A new context reads the kubeconfig and opens its connections in its own event-loop turn.
        if (!this.members.has(name)) await this.nextTurn();
        let inventory: FluxInventory;
        try {
          inventory = this.inventory(name);
        } catch (err) {
          return failed(err instanceof Error ? err.message : String(err));
        }
        const m = this.members.get(name)!;
        // Unchanged since the tree was built (no change reported): the same tree, not rebuilt. A tree
        // being built is shared: while a context was connecting, every ask (each page of the view,
        // each refresh) built its own and raced it against an empty wait, which it mostly lost.
        const version = m.version;
        let first: Promise<FluxTreeNode[]>;
        if (m.tree?.version === version) first = Promise.resolve(m.tree.nodes);
        else if (m.building?.version === version) first = m.building.nodes;
        else {
          // Trees to build wait for their own event-loop turn: ten contexts never block the loop at once.
          first = this.nextTurn()
            .then(() => inventory.tree())
            .then((nodes) => {
              if (m.version === version) m.tree = { version, nodes };
              return nodes;
            });
          m.building = { version, nodes: first };
        }
        // Only the first asks wait (up to waitMs after the watches started); later ones answer at once.
        m.since ??= Date.now();
        const budget = Math.max(0, waitMs - (Date.now() - m.since));
        let nodes = m.tree?.version === version ? m.tree.nodes : await Promise.race([first, sleep(budget).then(() => undefined)]);
        let treeVersion = version;
        // Built at last: worth a change to the listener, so the view asks again.
        const announce = (): void => {
          if (m.announced) return;
          m.announced = true;
          void first.then(() => {
            m.announced = false;
            if (this.members.get(name) === m) this.options.onChange(name, inventory.size);
          });
        };
        if (!nodes && m.tree) {
          // A change's tree is still being built: the last tree answers meanwhile. A context that
          // answered never shows as connecting again (its rows left the view and came back after
          // each change, and the whole view was sent twice over).
          nodes = m.tree.nodes;
          treeVersion = m.tree.version;
          announce();
        }
        if (!nodes) {
          m.state = 'connecting';
          m.message = `no answer from ${info.server ?? 'the API server'} yet`;
          announce();
          return { status: { ...status, state: 'connecting', message: m.message, count: inventory.size }, nodes: [] };
        }
        const problem = inventory.problem;
        if (!problem) m.everClean = true;
        const state: ContextState = !problem ? 'ready' : m.everClean || inventory.size > 0 ? 'stale' : 'unreachable';
        m.state = state;
        if (problem) m.message = problem;
        else delete m.message;
        return { status: { ...status, state, ...(problem ? { message: problem } : {}), count: inventory.size }, nodes, treeVersion };
      }),
    );
    // The version of the tree each answer holds (not the member's newest: that one may be still in the making).
    const signature = answers.map((a) => `${a.status.context}:${a.treeVersion ?? '-'}:${a.status.state}:${a.status.count}:${a.status.message ?? ''}`).join('|');
    return {
      contexts: answers.map((a) => a.status),
      trees: answers.map((a, i) => ({ context: names[i]!, nodes: a.nodes })),
      signature: `${this.generation}|${signature}`,
    };
  }

  private nextTurn(): Promise<void> {
    const turn = this.turns.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.turns = turn;
    return turn;
  }

  /** Forgets every connection and the kubeconfig read; the next ask starts over. */
  reload(): void {
    this.known = undefined;
    this.dropMembers();
  }

  close(): void {
    this.dropMembers();
  }

  private dropMembers(): void {
    this.generation++;
    for (const m of this.members.values()) {
      m.inventory?.close();
      void m.client?.close();
    }
    this.members.clear();
  }

  private member(name: string): Member {
    let m = this.members.get(name);
    if (m) return m;
    m = { context: name, announced: false, everClean: false, version: 0 };
    try {
      const access = loadClusterAccess({ ...this.options.kube, context: name });
      const log = this.options.log;
      m.client = new KubeClient(access, { ...this.options.client, ...(log ? { onRetry: (message: string) => log(`${name}: ${message}`) } : {}) });
    } catch (err) {
      m.error = err instanceof Error ? err.message : String(err);
    }
    this.members.set(name, m);
    return m;
  }
}

/**
 * One-shot (the CLI): every context's Flux objects listed at once, each bounded by `timeoutMs`
 * so an unreachable or slow cluster ends as `unreachable` with the reason while the others answer.
 */
export async function listFleet(
  names: readonly string[],
  options: {
    kube?: Pick<ClusterAccessOptions, 'kubeconfig' | 'env'>;
    namespace?: string;
    allNamespaces?: boolean;
    timeoutMs?: number;
    signal?: AbortSignal;
    onRetry?: (context: string, message: string) => void;
  } = {},
): Promise<FleetTrees> {
  const list = listKubeContexts(options.kube);
  const answers = await Promise.all(
    names.map(async (name): Promise<{ status: FleetContextStatus; nodes: FluxTreeNode[] }> => {
      const info = list.contexts.find((c) => c.name === name);
      const status: FleetContextStatus = { context: name, current: name === list.current, state: 'ready', count: 0 };
      if (info?.server) status.server = info.server;
      if (info?.namespace) status.namespace = info.namespace;
      let client: KubeClient;
      try {
        const access = loadClusterAccess({ ...options.kube, context: name, ...(options.namespace ? { namespace: options.namespace } : {}) });
        const onRetry = options.onRetry;
        // Retries stop at the deadline; a refused connection is not waited out for long.
        client = new KubeClient(access, {
          retryForMs: Math.min(options.timeoutMs ?? 20_000, 5_000),
          ...(onRetry ? { onRetry: (m: string) => onRetry(name, m) } : {}),
        });
      } catch (err) {
        return { status: { ...status, state: 'error', message: err instanceof Error ? err.message : String(err) }, nodes: [] };
      }
      const deadline = AbortSignal.timeout(options.timeoutMs ?? 20_000);
      const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
      try {
        const objects = await listFluxObjects(client, options.allNamespaces ? undefined : client.namespace, signal);
        return { status: { ...status, count: objects.length }, nodes: buildFluxTree(objects) };
      } catch (err) {
        if (options.signal?.aborted) throw err;
        const message = deadline.aborted
          ? `no answer from ${client.access.server} within ${Math.round((options.timeoutMs ?? 20_000) / 1000)}s`
          : err instanceof Error
            ? err.message
            : String(err);
        return { status: { ...status, state: 'unreachable', message }, nodes: [] };
      } finally {
        void client.close();
      }
    }),
  );
  return { contexts: answers.map((a) => a.status), trees: answers.map((a, i) => ({ context: names[i]!, nodes: a.nodes })) };
}

// ---------- rows: one source across clusters ----------

export interface FleetPlacement {
  context: string;
  /** The object in that cluster, with the consumers that read it there. */
  node: FluxTreeNode;
  /** For an OCIRepository: the cluster's artifact against what the registry resolves now. */
  drift?: { state: Drift['state']; text: string };
}

export interface FleetRow {
  /** `kind/namespace/name`: the same in every cluster. */
  id: string;
  ref: ObjectRef;
  url?: string;
  placements: FleetPlacement[];
  /** Contexts that answered and have no such object. */
  absent: string[];
  /** Every placement at the same revision. */
  agree: boolean;
  /** Placements whose artifact differs from what the registry resolves now. */
  drifted: number;
  /** One line: the revision everywhere, or each cluster's. */
  summary: string;
}

const shortDigest = (d: string): string => d.replace(/^(sha256:[a-f0-9]{7})[a-f0-9]+$/, '$1');

/**
 * `parseRevision`, remembered: every build of the rows reads each placement's revision two or three
 * times (5,000 placements at 10 × 500), and the same few revisions recur across them.
 */
const parseRevisionOnce = rememberPerText((revision): ParsedRevision | undefined => parseRevision(revision), 20_000);

/** `v1.2.0` for `v1.2.0@sha256:…`, the short digest without a tag, else the revision as written. */
export function revisionLabel(revision: string | undefined): string {
  if (!revision) return 'no artifact';
  const parsed = parseRevisionOnce(revision);
  if (!parsed) return revision.length > 24 ? `${revision.slice(0, 21)}…` : revision;
  return parsed.tag ?? shortDigest(parsed.digest);
}

/** `v1.2.0@sha256:abcdef0`: tag and short digest. */
function fullLabel(revision: string | undefined): string {
  const parsed = revision ? parseRevisionOnce(revision) : undefined;
  if (!parsed) return revisionLabel(revision);
  return parsed.tag ? `${parsed.tag}@${shortDigest(parsed.digest)}` : shortDigest(parsed.digest);
}

/** What a placement's revision is, for comparing clusters: the digest when there is one. */
function revisionKey(revision: string | undefined): string {
  if (!revision) return '';
  return parseRevisionOnce(revision)?.digest ?? revision;
}

/**
 * Drift of one cluster's OCIRepository against the registry (live resolution's answer for the
 * spec that cluster holds); undefined when the registry's answer is not known (yet).
 */
export function placementDrift(node: FluxTreeNode, resolve: (spec: OciSourceSpec) => Resolution | undefined): FleetPlacement['drift'] {
  if (node.ref.kind !== 'OCIRepository' || !node.ociSource) return undefined;
  const resolution = resolve(node.ociSource);
  if (!resolution) return undefined;
  const drift = compareDrift(node.revision, resolution, true);
  return { state: drift.state, text: drift.text };
}

/**
 * One row per top-level object (sources, and consumers whose source is missing) across the
 * contexts' trees, the same `kind/namespace/name` in several clusters being the same row.
 */
export function groupFleet(trees: FleetTrees['trees'], answered: ReadonlySet<string>, driftOf?: (node: FluxTreeNode) => FleetPlacement['drift']): FleetRow[] {
  const steps = groupFleetSteps(trees, answered, driftOf);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `groupFleet` giving the event loop a turn every few hundred placements: ten clusters of 500
 * sources are 5,000 placements, too many for one synchronous step of a language server.
 */
export async function groupFleetInSlices(
  trees: FleetTrees['trees'],
  answered: ReadonlySet<string>,
  driftOf?: (node: FluxTreeNode) => FleetPlacement['drift'],
): Promise<FleetRow[]> {
  const steps = groupFleetSteps(trees, answered, driftOf);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** How many placements one slice of grouping handles before it yields. */
const placementsPerSlice = 500;

/** The grouping, yielding after each slice of about `placementsPerSlice` placements. */
function* groupFleetSteps(
  trees: FleetTrees['trees'],
  answered: ReadonlySet<string>,
  driftOf?: (node: FluxTreeNode) => FleetPlacement['drift'],
): Generator<void, FleetRow[]> {
  const rows = new Map<string, FleetRow>();
  let done = 0;
  for (const { context, nodes } of trees) {
    for (const node of nodes) {
      const id = `${node.ref.kind}/${node.ref.namespace}/${node.ref.name}`;
      let row = rows.get(id);
      if (!row) {
        row = { id, ref: node.ref, placements: [], absent: [], agree: true, drifted: 0, summary: '' };
        rows.set(id, row);
      }
      if (!row.url && node.url) row.url = node.url;
      const drift = driftOf?.(node);
      row.placements.push({ context, node, ...(drift ? { drift } : {}) });
      if (++done % placementsPerSlice === 0) yield;
    }
  }
  const order = [...trees.map((t) => t.context)];
  done = 0;
  for (const row of rows.values()) {
    summarizeRow(row, order, answered);
    done += row.placements.length;
    if (done >= placementsPerSlice) {
      done = 0;
      yield;
    }
  }
  return [...rows.values()].sort((a, b) => compareRefs(a.ref, b.ref));
}

/** A row's `absent`, `agree`, `drifted` and one-line `summary`, from its placements. */
function summarizeRow(row: FleetRow, order: readonly string[], answered: ReadonlySet<string>): void {
  const present = new Set(row.placements.map((p) => p.context));
  row.absent = order.filter((c) => answered.has(c) && !present.has(c));
  row.agree = new Set(row.placements.map((p) => revisionKey(p.node.revision))).size <= 1;
  row.drifted = row.placements.filter((p) => p.drift?.state === 'drifted').length;
  const n = row.placements.length;
  const parts: string[] = [];
  if (row.agree)
    parts.push(`${revisionLabel(row.placements[0]?.node.revision)}${order.length > 1 ? ` on ${n === 1 ? row.placements[0]!.context : `${n} clusters`}` : ''}`);
  else {
    // Tags alone may not tell them apart (a tag moved): then each with its short digest.
    const labels = row.placements.map((p) => revisionLabel(p.node.revision));
    const full = new Set(labels).size < labels.length;
    parts.push(row.placements.map((p, i) => `${p.context} ${full ? fullLabel(p.node.revision) : labels[i]}`).join(' · '));
  }
  if (row.drifted) parts.push(`${row.drifted} behind the registry`);
  if (row.absent.length) parts.push(`not on ${row.absent.join(', ')}`);
  row.summary = parts.join(' · ');
}

/**
 * Whether two builds of a row read the same (what the view shows of it): a view rebuilt after one
 * change shares nearly all its rows with the last one, and only the rows that differ need sending.
 * Trees of contexts that did not change keep their node objects, so most placements compare by
 * identity.
 */
export function sameFleetRow(a: FleetRow, b: FleetRow): boolean {
  if (a === b) return true;
  if (a.id !== b.id || a.url !== b.url || a.agree !== b.agree || a.drifted !== b.drifted || a.summary !== b.summary) return false;
  if (a.absent.length !== b.absent.length || a.absent.some((c, i) => c !== b.absent[i])) return false;
  if (a.placements.length !== b.placements.length) return false;
  return a.placements.every((p, i) => {
    const q = b.placements[i]!;
    return p.context === q.context && p.drift?.state === q.drift?.state && p.drift?.text === q.drift?.text && sameTreeNode(p.node, q.node);
  });
}

/** Field by field, whatever fields a node has (children deeply; small objects such as `ref` by value). */
function sameTreeNode(a: FluxTreeNode, b: FluxTreeNode): boolean {
  if (a === b) return true;
  const keys = Object.keys(a) as Array<keyof FluxTreeNode>;
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (k === 'children') {
      const xs = a.children;
      const ys = b.children;
      if (!ys || xs.length !== ys.length || xs.some((c, i) => !sameTreeNode(c, ys[i]!))) return false;
    } else if (typeof x !== 'object' || typeof y !== 'object' || JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

// ---------- where is this deployed ----------

export interface Deployment {
  context: string;
  ref: ObjectRef;
  revision?: string;
  ready: FluxTreeNode['ready'];
  suspended: boolean;
  /** What reads it there (Kustomizations, HelmReleases) and the revision each applied. */
  consumers: Array<{ ref: ObjectRef; revision?: string; ready: FluxTreeNode['ready'] }>;
}

/** `host/repo` of an `oci://` URL, for comparing: host lower-cased, no trailing slash. */
export function repositoryOf(url: string): string {
  const rest = url
    .trim()
    .replace(/^oci:\/\//, '')
    .replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  return slash < 0 ? rest.toLowerCase() : rest.slice(0, slash).toLowerCase() + rest.slice(slash);
}

/**
 * The sources in these trees that pull `url` (an OCIRepository's repository) and/or whose
 * artifact is `digest` (the revision's digest, or the stored artifact's), with their consumers.
 */
export function whereDeployed(trees: FleetTrees['trees'], query: { url?: string; digest?: string }): Deployment[] {
  const repo = query.url ? repositoryOf(query.url) : undefined;
  const digest = query.digest?.trim().toLowerCase();
  if (!repo && !digest) return [];
  const out: Deployment[] = [];
  const atDigest = (n: FluxTreeNode): boolean => parseRevision(n.revision ?? '')?.digest === digest || n.digest === digest;
  for (const { context, nodes } of trees) {
    for (const node of nodes) {
      if (node.ref.kind !== 'OCIRepository' && !(digest && !repo)) continue;
      if (repo && (!node.url || repositoryOf(node.url) !== repo)) continue;
      if (digest && !atDigest(node)) {
        // The source moved on, but a consumer still runs what it applied from that digest.
        if (!repo)
          for (const c of node.children.filter(atDigest))
            out.push({ context, ref: c.ref, ...(c.revision ? { revision: c.revision } : {}), ready: c.ready, suspended: c.suspended, consumers: [] });
        continue;
      }
      out.push({
        context,
        ref: node.ref,
        ...(node.revision ? { revision: node.revision } : {}),
        ready: node.ready,
        suspended: node.suspended,
        consumers: node.children.map((c) => ({ ref: c.ref, ...(c.revision ? { revision: c.revision } : {}), ready: c.ready })),
      });
    }
  }
  return out;
}

/** The hover's "Deployed on" section; empty when no context of the view could answer. */
export function deploymentsMarkdown(
  deployments: readonly Deployment[],
  contexts: readonly FleetContextStatus[],
  query: { url?: string; digest?: string },
): string {
  const answered = contexts.filter((c) => c.state === 'ready' || c.state === 'stale');
  const silent = contexts.filter((c) => c.state !== 'ready' && c.state !== 'stale');
  if (answered.length === 0 && deployments.length === 0) return '';
  const what = query.digest ? `\`${shortDigest(query.digest)}\`` : 'this repository';
  const lines: string[] = [];
  if (deployments.length === 0) lines.push(`**Deployed:** ${what} runs on none of ${answered.map((c) => `\`${c.context}\``).join(', ')}`);
  else {
    lines.push(`**Deployed:** ${what} on ${new Set(deployments.map((d) => d.context)).size} of ${contexts.length} cluster(s)`);
    for (const d of deployments) {
      const state = d.suspended ? 'suspended' : d.ready === 'True' ? 'Ready' : d.ready === 'False' ? 'not Ready' : 'Ready unknown';
      const consumers = d.consumers.map((c) => `${c.ref.kind} ${c.ref.name}${c.revision ? ` applied ${revisionLabel(c.revision)}` : ''}`).join(', ');
      lines.push(
        `- \`${d.context}\`: ${d.ref.kind} \`${d.ref.namespace}/${d.ref.name}\` at \`${d.revision ? `${revisionLabel(d.revision)}${parseRevision(d.revision)?.tag ? ` (${shortDigest(parseRevision(d.revision)!.digest)})` : ''}` : 'no artifact'}\` · ${state}${consumers ? ` · ${consumers}` : ''}`,
      );
    }
  }
  for (const c of silent) lines.push(`- \`${c.context}\`: ${c.state}${c.message ? ` (${c.message})` : ''}`);
  return lines.join('\n');
}
