/**
 * The GitLab CI form of the Gitless pipeline (`.gitlab-ci.yml`): a render job (kustomize or Helm
 * at pinned versions, or the folder as it is), a push job that checks the output with
 * `flux-oci check` and pushes it tagged with the commit SHA and the git tag or branch, handing the
 * digest on as a dotenv report, and a sign job that signs that digest keyless with the job's
 * `SIGSTORE_ID_TOKEN` (audience `sigstore`), which Fulcio certifies as
 * `https://<instance>/<project>//.gitlab-ci.yml@<ref>` with the instance as issuer. Images are
 * pinned by exact version; registry credentials are the job's own ($CI_REGISTRY_*) for the
 * project's registry, else CI/CD variables the user named.
 */
import { parseRepositoryUrl } from '../oci/reference';
import { identityRegexes, validateRefName, validateTarget, type CiIdentityTarget } from './fulcioIdentity';
import { fluxSyncManifests, objectName, pinned, policyGateCommand, q, relPath, secretName, type Pipeline, type PipelineOptions } from './pipeline';

export const gitlabImages = {
  node: `node:${pinned.node}-bookworm`,
  go: 'golang:1.26.8-bookworm',
} as const;

/** A GitLab rules regex literal: the pattern between slashes, '/' escaped. */
function ruleRegex(pattern: string): string {
  return `/${pattern.replace(/\//g, '\\/')}/`;
}

export function gitlabPipeline(o: PipelineOptions): Pipeline {
  const workflowPath = '.gitlab-ci.yml';
  const target: CiIdentityTarget = { system: 'gitlab', host: o.host, repository: o.repository, workflowPath };
  validateTarget(target);
  if (!objectName.test(o.name) || o.name.length > 63) throw new Error(`"${o.name}" is not a valid Flux object name (lower-case letters, digits, '-')`);
  if (!objectName.test(o.namespace)) throw new Error(`"${o.namespace}" is not a valid namespace`);
  if (o.registrySecrets && !(secretName.test(o.registrySecrets.username) && secretName.test(o.registrySecrets.password)))
    throw new Error('variable names are letters, digits and underscores');
  if (!/^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$/.test(o.fluxOciVersion)) throw new Error(`"${o.fluxOciVersion}" is not a published flux-oci version`);
  const repo = parseRepositoryUrl(o.artifact.startsWith('oci://') ? o.artifact : `oci://${o.artifact}`);
  const artifact = `${repo.registry}/${repo.repository}`;
  const ownRegistry = o.host === 'gitlab.com' ? repo.registry === 'registry.gitlab.com' : repo.registry === `registry.${o.host}`;
  for (const b of o.refs.branches) validateRefName(b, 'branch');
  if (o.refs.tagPrefix) validateRefName(o.refs.tagPrefix, 'tag prefix');
  if (o.refs.branches.length === 0 && o.refs.tagPrefix === undefined) throw new Error('the pipeline must run on a branch or on tags');
  const syncFile = relPath(o.syncFile, 'the Flux manifests file');
  const followsTags = o.refs.tagPrefix !== undefined;
  const follows: Pipeline['follows'] = followsTags ? { semver: '>=0.0.0' } : { tag: o.refs.branches[0]!.replace(/\//g, '-') };
  const identity = identityRegexes(target, followsTags ? { branches: [], tagPrefix: o.refs.tagPrefix! } : { branches: [o.refs.branches[0]!] });
  const notes: string[] = [];

  const creds = ownRegistry
    ? '"$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD"'
    : o.registrySecrets
      ? `"$${o.registrySecrets.username}:$${o.registrySecrets.password}"`
      : undefined;
  const cosignLogin = ownRegistry
    ? [
        `- printf '%s' "$CI_REGISTRY_PASSWORD" | go run github.com/sigstore/cosign/v3/cmd/cosign@${pinned.cosign} login "$CI_REGISTRY" --username "$CI_REGISTRY_USER" --password-stdin`,
      ]
    : o.registrySecrets
      ? [
          `- printf '%s' "$${o.registrySecrets.password}" | go run github.com/sigstore/cosign/v3/cmd/cosign@${pinned.cosign} login ${q(repo.registry)} --username "$${o.registrySecrets.username}" --password-stdin`,
        ]
      : [];
  if (!creds)
    notes.push(
      `the pipeline does not log in to ${repo.registry}: name the CI/CD variables holding its credentials with --registry-username-secret and --registry-password-secret`,
    );

  const rendered = o.render.kind === 'plain' ? relPath(o.render.path, 'the folder') : '_rendered';
  let renderScript: string[];
  let renderImage: string = gitlabImages.go;
  if (o.render.kind === 'plain') {
    renderImage = gitlabImages.node;
    renderScript = ['- test -d "$RENDERED"'];
  } else if (o.render.kind === 'kustomize') {
    renderScript = [
      '- mkdir -p "$RENDERED"',
      `- go run ${pinned.kustomize.module}@${pinned.kustomize.version} build ${q(relPath(o.render.path, 'the kustomize overlay'))} > "$RENDERED/manifests.yaml"`,
    ];
  } else {
    if (!objectName.test(o.render.releaseName)) throw new Error(`"${o.render.releaseName}" is not a valid Helm release name`);
    if (o.render.namespace !== undefined && !objectName.test(o.render.namespace)) throw new Error(`"${o.render.namespace}" is not a valid namespace`);
    const values = o.render.values.map((v) => ` --values ${q(relPath(v, 'a values file'))}`).join('');
    const ns = o.render.namespace ? ` --namespace ${q(o.render.namespace)}` : '';
    renderScript = [
      '- mkdir -p "$RENDERED"',
      `- go run ${pinned.helm.module}@${pinned.helm.version} template ${q(o.render.releaseName)} ${q(relPath(o.render.chart, 'the chart'))}${values}${ns} > "$RENDERED/manifests.yaml"`,
    ];
  }
  const gate = policyGateCommand(o);
  if (gate) {
    renderImage = gitlabImages.go; // conftest runs with go run
    renderScript.push(`- ${gate}`);
  }
  const rules = [
    ...o.refs.branches.map((b) => `    - if: $CI_COMMIT_BRANCH == ${JSON.stringify(b)}`),
    ...(o.refs.tagPrefix !== undefined
      ? [`    - if: $CI_COMMIT_TAG =~ ${ruleRegex(`^${o.refs.tagPrefix.replace(/[.+*?()|[\]{}^$\\]/g, '\\$&')}[^/]*$`)}`]
      : []),
  ];
  const indent = (xs: string[], n: number) => xs.map((x) => ' '.repeat(n) + x);
  const lines = [
    `# Gitless GitOps: render, check, push and sign the manifests as a Flux OCI artifact.`,
    `# Written by flux-oci init ci ${o.fluxOciVersion}. The cluster side is ${syncFile}: its OCIRepository`,
    `# accepts only signatures made by this pipeline of ${o.repository}${followsTags ? ` on tags ${o.refs.tagPrefix}*` : ` on ${o.refs.branches[0]}`}`,
    `# (Fulcio certifies https://${o.host}/${o.repository}//.gitlab-ci.yml@<ref>); moving the project breaks that match.`,
    `workflow:`,
    `  rules:`,
    ...rules,
    ``,
    `stages: [render, publish, sign]`,
    ``,
    `variables:`,
    `  ARTIFACT: ${q(artifact)}`,
    `  RENDERED: ${q(rendered)}`,
    ``,
    `render:`,
    `  stage: render`,
    `  image: ${q(renderImage)}`,
    `  script:`,
    ...indent(renderScript, 4),
    `  artifacts:`,
    `    paths:`,
    `      - ${q(rendered)}`,
    `    expire_in: 1 day`,
    ``,
    `publish:`,
    `  stage: publish`,
    `  image: ${q(gitlabImages.node)}`,
    `  needs: [render]`,
    `  script:`,
    `    - npm install --global flux-oci@${o.fluxOciVersion}`,
    `    - flux-oci check "$RENDERED"`,
    `    - >-`,
    `      flux-oci push artifact "oci://$ARTIFACT:$CI_COMMIT_SHA" --path "$RENDERED"`,
    `      --source "$CI_PROJECT_URL" --revision "$CI_COMMIT_REF_NAME@sha1:$CI_COMMIT_SHA"`,
    ...(creds ? [`      --creds ${creds}`] : []),
    `      --output json > push.json`,
    `    - digest="$(node -p 'require("./push.json").digest')"`,
    `    - echo "DIGEST=$digest" > push.env`,
    `    # The git tag (v1.2.0) or the branch (main) as a second tag, '/' made '-'.`,
    `    - flux-oci tag artifact "oci://$ARTIFACT@$digest" --tag "$(printf '%s' "$CI_COMMIT_REF_NAME" | tr / -)"${creds ? ` --creds ${creds}` : ''}`,
    `  artifacts:`,
    `    reports:`,
    `      dotenv: push.env`,
    ``,
    `sign:`,
    `  stage: sign`,
    `  image: ${q(gitlabImages.go)}`,
    `  needs: [publish]`,
    `  id_tokens:`,
    `    SIGSTORE_ID_TOKEN: # keyless signing: Fulcio certifies this pipeline's identity`,
    `      aud: sigstore`,
    `  script:`,
    ...indent(cosignLogin, 4),
    `    - go run github.com/sigstore/cosign/v3/cmd/cosign@${pinned.cosign} sign --yes "$ARTIFACT@$DIGEST"`,
    ``,
  ];
  if (ownRegistry) notes.push(`the project's container registry is private by default: give the cluster a pull secret (spec.secretRef) or make it public`);
  const sync = fluxSyncManifests(o, artifact, follows, identity, workflowPath);
  return {
    files: [
      { path: workflowPath, content: lines.join('\n'), purpose: 'GitLab CI pipeline: render, check, push, sign' },
      { path: syncFile, content: sync, purpose: 'OCIRepository (verify.matchOIDCIdentity) and Kustomization for the cluster' },
    ],
    identity,
    follows,
    notes,
  };
}
