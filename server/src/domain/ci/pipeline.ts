/**
 * The Gitless CI pipeline `flux-oci init ci` writes: a GitHub Actions workflow that renders the
 * manifests (a plain folder, a kustomize overlay or a Helm chart), checks them with
 * `flux-oci check`, pushes them as a Flux artifact tagged with the commit SHA (and the git tag or
 * branch name), and signs the pushed digest keyless with the job's OIDC token; and the Flux side,
 * an OCIRepository whose `spec.verify.matchOIDCIdentity` accepts exactly the identity that
 * workflow's signatures carry, plus the Kustomization applying it.
 *
 * Every action is pinned to a full commit SHA (the release named in a comment), every tool to an
 * exact version. The only credentials used are the job's own (`github.token` for ghcr.io, the
 * OIDC token for signing) or secrets the user named.
 */
import { parseRepositoryUrl } from '../oci/reference';
import { identityRegexes, validateRefName, validateTarget, type CiIdentityTarget, type IdentityRegexes, type RefPattern } from './fulcioIdentity';

/** What the generated workflow runs, each at an exact version. */
export const pinned = {
  checkout: { action: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  setupNode: { action: 'actions/setup-node', sha: '820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0' },
  cosignInstaller: { action: 'sigstore/cosign-installer', sha: '6f9f17788090df1f26f669e9d70d6ae9567deba6', version: 'v4.1.2' },
  node: '24.21.0',
  cosign: 'v3.0.6',
  kustomize: { module: 'sigs.k8s.io/kustomize/kustomize/v5', version: 'v5.7.1' },
  helm: { module: 'helm.sh/helm/v4/cmd/helm', version: 'v4.2.2' },
  conftest: { module: 'github.com/open-policy-agent/conftest', version: 'v0.71.1' },
} as const;

export type RenderStep =
  | { kind: 'plain'; path: string }
  | { kind: 'kustomize'; path: string }
  | { kind: 'helm'; chart: string; values: string[]; releaseName: string; namespace?: string };

export interface PipelineOptions {
  /** github.com (GitHub Actions), or a GitLab instance (gitlab.com). */
  host: string;
  /** `owner/repo`, or GitLab's `group/subgroup/project`. */
  repository: string;
  /** GitHub: the file name under `.github/workflows/`, e.g. `flux-artifact.yml` (GitLab: always `.gitlab-ci.yml`). */
  workflowFile: string;
  /** The artifact's repository, `ghcr.io/org/app-manifests` (an `oci://` prefix is allowed, no tag). */
  artifact: string;
  render: RenderStep;
  /** Branches and tags the workflow runs on. */
  refs: RefPattern;
  /** Names of repository secrets (GitLab: CI/CD variables) holding registry credentials; not needed for ghcr.io or the GitLab project's registry. */
  registrySecrets?: { username: string; password: string };
  /** Flux objects' name and namespace. */
  name: string;
  namespace: string;
  /** Where the Flux manifests go, relative to the repository root. */
  syncFile: string;
  /** flux-oci's version, installed from npm by the workflow. */
  fluxOciVersion: string;
  /** A folder of Rego policies: the rendered manifests must pass `conftest test` before anything is pushed. */
  policyGate?: string;
}

/** The policy gate command on the rendered manifests, or undefined without one. */
export function policyGateCommand(o: Pick<PipelineOptions, 'policyGate'>): string | undefined {
  if (o.policyGate === undefined) return undefined;
  return `go run ${pinned.conftest.module}@${pinned.conftest.version} test --policy ${q(relPath(o.policyGate, 'the policy folder'))} "$RENDERED"`;
}

export interface GeneratedFile {
  /** Relative to the repository root, with '/'. */
  path: string;
  content: string;
  purpose: string;
}

export interface Pipeline {
  files: GeneratedFile[];
  /** The identity regexes written into the OCIRepository. */
  identity: IdentityRegexes;
  /** What the OCIRepository follows: semver over the git tags, or the tag named after a branch. */
  follows: { semver: string } | { tag: string };
  /** Things the user must do (registry credentials, package visibility). */
  notes: string[];
}

export const secretName = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const objectName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** YAML single-quoted scalar: no escapes, a quote doubled. */
export function q(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function relPath(p: string, what: string): string {
  const clean = p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '') || '.';
  if (clean.startsWith('/') || clean.split('/').includes('..')) throw new Error(`${what} must be a path inside the repository (got "${p}")`);
  if (!/^[A-Za-z0-9_./@+-]+$/.test(clean)) throw new Error(`${what} "${p}" has characters the workflow would have to quote; rename it or pick another`);
  return clean;
}

export function githubPipeline(o: PipelineOptions): Pipeline {
  const workflowPath = `.github/workflows/${o.workflowFile}`;
  const target: CiIdentityTarget = { system: 'github', host: o.host, repository: o.repository, workflowPath };
  validateTarget(target);
  if (o.host !== 'github.com') throw new Error(`GitHub Actions keyless signing is generated for github.com repositories (got ${o.host})`);
  if (!objectName.test(o.name) || o.name.length > 63) throw new Error(`"${o.name}" is not a valid Flux object name (lower-case letters, digits, '-')`);
  if (!objectName.test(o.namespace)) throw new Error(`"${o.namespace}" is not a valid namespace`);
  if (o.registrySecrets && !(secretName.test(o.registrySecrets.username) && secretName.test(o.registrySecrets.password))) {
    throw new Error('secret names are letters, digits and underscores');
  }
  if (!/^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$/.test(o.fluxOciVersion)) throw new Error(`"${o.fluxOciVersion}" is not a published flux-oci version`);
  const repo = parseRepositoryUrl(o.artifact.startsWith('oci://') ? o.artifact : `oci://${o.artifact}`);
  const artifact = `${repo.registry}/${repo.repository}`;
  const registryHost = repo.registry;
  const ghcr = registryHost === 'ghcr.io';
  for (const b of o.refs.branches) validateRefName(b, 'branch');
  if (o.refs.tagPrefix) validateRefName(o.refs.tagPrefix, 'tag prefix');
  if (o.refs.branches.length === 0 && o.refs.tagPrefix === undefined) throw new Error('the workflow must run on a branch or on tags');
  const syncFile = relPath(o.syncFile, 'the Flux manifests file');

  // What the cluster follows, and so which runs' signatures it must accept.
  const followsTags = o.refs.tagPrefix !== undefined;
  const follows: Pipeline['follows'] = followsTags ? { semver: '>=0.0.0' } : { tag: o.refs.branches[0]!.replace(/\//g, '-') };
  const identity = identityRegexes(target, followsTags ? { branches: [], tagPrefix: o.refs.tagPrefix! } : { branches: [o.refs.branches[0]!] });

  const rendered = o.render.kind === 'plain' ? relPath(o.render.path, 'the folder') : '_rendered';
  const notes: string[] = [];
  const lines: string[] = [];
  const add = (...l: string[]) => lines.push(...l);
  add(
    `# Gitless GitOps: render, check, push and sign the manifests as a Flux OCI artifact.`,
    `# Written by flux-oci init ci ${o.fluxOciVersion}. The cluster side is ${syncFile}: its`,
    `# OCIRepository accepts only signatures made by this workflow (${workflowPath}) of`,
    `# ${o.repository}${followsTags ? ` on tags ${o.refs.tagPrefix}*` : ` on ${o.refs.branches[0]}`}; renaming this file or the repository breaks that match.`,
    `name: Flux artifact`,
    ``,
    `on:`,
    `  push:`,
  );
  if (o.refs.branches.length) add(`    branches:`, ...o.refs.branches.map((b) => `      - ${q(b)}`));
  if (o.refs.tagPrefix !== undefined) add(`    tags:`, `      - ${q(`${o.refs.tagPrefix}*`)}`);
  add(
    ``,
    `permissions:`,
    `  contents: read`,
    ...(ghcr ? [`  packages: write # push to ghcr.io with the job's token`] : []),
    `  id-token: write # keyless signing: Fulcio certifies the job's OIDC identity`,
    ``,
    `env:`,
    `  ARTIFACT: ${q(artifact)}`,
    `  RENDERED: ${q(rendered)}`,
    ``,
    `jobs:`,
    `  publish:`,
    `    runs-on: ubuntu-24.04`,
    `    timeout-minutes: 20`,
    `    steps:`,
    `      - uses: ${pinned.checkout.action}@${pinned.checkout.sha} # ${pinned.checkout.version}`,
    `        with:`,
    `          persist-credentials: false`,
    `      - uses: ${pinned.setupNode.action}@${pinned.setupNode.sha} # ${pinned.setupNode.version}`,
    `        with:`,
    `          node-version: ${q(pinned.node)}`,
    `      - name: Install flux-oci`,
    `        run: npm install --global flux-oci@${o.fluxOciVersion}`,
  );
  // Render
  add(`      - name: Render the manifests`, `        id: render`);
  if (o.render.kind === 'plain') {
    add(`        run: test -d "$RENDERED"`);
  } else if (o.render.kind === 'kustomize') {
    const overlay = relPath(o.render.path, 'the kustomize overlay');
    add(
      `        run: |`,
      `          mkdir -p "$RENDERED"`,
      `          go run ${pinned.kustomize.module}@${pinned.kustomize.version} build ${q(overlay)} > "$RENDERED/manifests.yaml"`,
    );
  } else {
    const chart = relPath(o.render.chart, 'the chart');
    if (!objectName.test(o.render.releaseName)) throw new Error(`"${o.render.releaseName}" is not a valid Helm release name`);
    if (o.render.namespace !== undefined && !objectName.test(o.render.namespace)) throw new Error(`"${o.render.namespace}" is not a valid namespace`);
    const values = o.render.values.map((v) => ` --values ${q(relPath(v, 'a values file'))}`).join('');
    const ns = o.render.namespace ? ` --namespace ${q(o.render.namespace)}` : '';
    add(
      `        run: |`,
      `          mkdir -p "$RENDERED"`,
      `          go run ${pinned.helm.module}@${pinned.helm.version} template ${q(o.render.releaseName)} ${q(chart)}${values}${ns} > "$RENDERED/manifests.yaml"`,
    );
  }
  const gate = policyGateCommand(o);
  if (gate) add(`      - name: Policy gate (conftest)`, `        id: policy`, `        run: ${gate}`);
  add(`      - name: Check the rendered manifests`, `        id: check`, `        run: flux-oci check "$RENDERED"`);
  // Registry log-in: the job's token for ghcr.io, else the secrets the user named, else none.
  if (ghcr) {
    add(
      `      - name: Log in to ghcr.io`,
      `        env:`,
      `          REGISTRY_TOKEN: \${{ github.token }}`,
      `        run: printf '%s' "$REGISTRY_TOKEN" | docker login ghcr.io --username "$GITHUB_ACTOR" --password-stdin`,
    );
  } else if (o.registrySecrets) {
    add(
      `      - name: Log in to ${registryHost}`,
      `        env:`,
      `          REGISTRY_USERNAME: \${{ secrets.${o.registrySecrets.username} }}`,
      `          REGISTRY_PASSWORD: \${{ secrets.${o.registrySecrets.password} }}`,
      `        run: printf '%s' "$REGISTRY_PASSWORD" | docker login ${q(registryHost)} --username "$REGISTRY_USERNAME" --password-stdin`,
    );
  } else {
    notes.push(
      `the workflow does not log in to ${registryHost}: name the repository secrets holding its credentials with --registry-username-secret and --registry-password-secret, or log in on a self-hosted runner`,
    );
  }
  add(
    `      - name: Push the artifact`,
    `        id: push`,
    `        run: |`,
    `          flux-oci push artifact "oci://$ARTIFACT:$GITHUB_SHA" --path "$RENDERED" \\`,
    `            --source "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY" \\`,
    `            --revision "$GITHUB_REF_NAME@sha1:$GITHUB_SHA" \\`,
    `            --output json > "$RUNNER_TEMP/push.json"`,
    `          digest="$(jq -r .digest "$RUNNER_TEMP/push.json")"`,
    `          echo "digest=$digest" >> "$GITHUB_OUTPUT"`,
    `          # The git tag (v1.2.0) or the branch (main) as a second tag, '/' made '-'.`,
    `          flux-oci tag artifact "oci://$ARTIFACT@$digest" --tag "\${GITHUB_REF_NAME//\\//-}"`,
    `      - uses: ${pinned.cosignInstaller.action}@${pinned.cosignInstaller.sha} # ${pinned.cosignInstaller.version}`,
    `        with:`,
    `          cosign-release: ${q(pinned.cosign)}`,
    `      - name: Sign the artifact (keyless, this job's OIDC identity)`,
    `        env:`,
    `          DIGEST: \${{ steps.push.outputs.digest }}`,
    `        run: cosign sign --yes "$ARTIFACT@$DIGEST"`,
  );
  if (ghcr) notes.push(`a new ghcr.io package is private: make ${artifact} public, or give the cluster a pull secret (spec.secretRef)`);

  const sync = fluxSyncManifests(o, artifact, follows, identity, workflowPath);

  return {
    files: [
      { path: workflowPath, content: lines.join('\n') + '\n', purpose: 'GitHub Actions workflow: render, check, push, sign' },
      { path: syncFile, content: sync, purpose: 'OCIRepository (verify.matchOIDCIdentity) and Kustomization for the cluster' },
    ],
    identity,
    follows,
    notes,
  };
}

/** The OCIRepository (following what the pipeline pushes, accepting only its signatures) and its Kustomization. */
export function fluxSyncManifests(
  o: Pick<PipelineOptions, 'name' | 'namespace'>,
  artifact: string,
  follows: Pipeline['follows'],
  identity: IdentityRegexes,
  workflowPath: string,
): string {
  const followLines = 'semver' in follows ? [`    semver: ${q(follows.semver)}`] : [`    tag: ${q(follows.tag)}`];
  return [
    `# Flux side of ${workflowPath}: pulls what it pushes and accepts only its signatures.`,
    `---`,
    `apiVersion: source.toolkit.fluxcd.io/v1`,
    `kind: OCIRepository`,
    `metadata:`,
    `  name: ${o.name}`,
    `  namespace: ${o.namespace}`,
    `spec:`,
    `  interval: 5m`,
    `  url: ${q(`oci://${artifact}`)}`,
    `  ref:`,
    ...followLines,
    `  verify:`,
    `    provider: cosign`,
    `    matchOIDCIdentity:`,
    `      - issuer: ${q(identity.issuer)}`,
    `        subject: ${q(identity.subject)}`,
    `---`,
    `apiVersion: kustomize.toolkit.fluxcd.io/v1`,
    `kind: Kustomization`,
    `metadata:`,
    `  name: ${o.name}`,
    `  namespace: ${o.namespace}`,
    `spec:`,
    `  interval: 10m`,
    `  sourceRef:`,
    `    kind: OCIRepository`,
    `    name: ${o.name}`,
    `  path: ./`,
    `  prune: true`,
    `  wait: true`,
    `  timeout: 5m`,
    ``,
  ].join('\n');
}
