/**
 * "Create CI Pipeline for This Folder" (issue 17): the client asks the server what git says
 * (flux-oci.ci.defaults), asks the user, and has the server write the workflow and the Flux
 * manifests (flux-oci.ci.create), which never replaces a file unless told to.
 */
import { commandType, type Answer } from './messages';

export interface CiDefaultsArgs {
  /** The folder of manifests (a file: URI or a path). */
  folder: string;
}

export interface CiDefaultsResult {
  /** The git work tree's root (a path). */
  root: string;
  /** The folder relative to the root ('.' for the root). */
  folder: string;
  /** The CI system the git remote suggests (github.com → github, gitlab.* → gitlab). */
  system?: 'github' | 'gitlab';
  /** `owner/repo` (GitHub) or `group/project` (GitLab) from the remote. */
  repository?: string;
  branch?: string;
  /** Suggested artifact repository: ghcr.io/OWNER/REPO-manifests, or the GitLab project's registry. */
  artifact?: string;
  name?: string;
  /** The render step the folder suggests: a kustomization.yaml → kustomize, a Chart.yaml → helm. */
  render: 'plain' | 'kustomize' | 'helm';
  /** Values files beside a chart (values*.yaml), for the helm render. */
  valuesFiles: string[];
}

export const ciDefaultsCommand = commandType<CiDefaultsArgs, Answer<CiDefaultsResult>>('flux-oci.ci.defaults');

export interface CreateCiPipelineArgs {
  folder: string;
  /** default github: a GitHub Actions workflow; gitlab: .gitlab-ci.yml. */
  system?: 'github' | 'gitlab';
  render: 'plain' | 'kustomize' | 'helm';
  /** oci://registry/path or registry/path. */
  artifact: string;
  /** owner/repo (GitLab: group/project); default from the git remote. */
  repository?: string;
  branch: string;
  /** Tag prefix the workflow also runs on (Flux then follows their semver); absent: branch only. */
  tagPrefix?: string;
  valuesFiles?: string[];
  /** Replace files that exist. */
  force?: boolean;
}

export interface CreateCiPipelineResult {
  /** Absolute paths written. */
  written: string[];
  replaced: string[];
  identity: { issuer: string; subject: string };
  notes: string[];
}

/** Writes the pipeline; fails with code `exists` (and `existing` paths) when a file is there and `force` is not set. */
export const createCiPipelineCommand = commandType<
  CreateCiPipelineArgs,
  Answer<CreateCiPipelineResult> | { ok: false; error: string; code: 'exists'; existing: string[] }
>('flux-oci.ci.create');
