/**
 * The OCI artifact commands (`flux-oci.artifact.*`): push, pull, tag, list, diff with a
 * local folder, verify and sign, plus the defaults the editor prefills its prompts with.
 * Each answers `{ ok: true, ...result }` or a `Failure`. Progress is reported on
 * `progressToken` (a `$/progress` token the client listens on) and the request's
 * cancellation aborts the operation.
 */
import { commandType, type Answer } from './messages';
import type { PushArtifactResult } from '../domain/oci/operations/pushArtifact';
import type { PullArtifactResult } from '../domain/oci/operations/pullArtifact';
import type { TagArtifactResult } from '../domain/oci/operations/tagArtifact';
import type { ListArtifactsResult } from '../domain/oci/operations/listArtifacts';
import type { DiffArtifactResult } from '../domain/oci/operations/diffArtifact';
import type { VerificationResult } from '../domain/signatures/types';
import type { SignResult } from '../domain/signatures/signArtifact';

/** What any artifact command may add about how to reach the registry. */
export interface AccessArgs {
  /**
   * A `$/progress` token the client listens on (an argument rather than `workDoneToken`
   * because vscode-languageserver takes that one out of the params before the command
   * registry sees them).
   */
  progressToken?: string | number;
  /**
   * `user:password` or a token, for editors that keep no log-ins of their own; without it
   * the server uses the log-ins handed over with `flux-oci/registryCredentials`, then the
   * docker config. Never logged.
   */
  creds?: string;
  /** Allow plain HTTP to a registry that is not on loopback. */
  insecure?: boolean;
  /** A PEM CA bundle to trust. */
  caFile?: string;
}

export interface PushArgs extends AccessArgs {
  /** `oci://host/repo:tag` */
  url: string;
  /** Folder or file to pack; relative paths are taken from the first workspace folder. */
  path: string;
  source?: string;
  revision?: string;
  annotations?: string[];
  ignorePaths?: string[];
  reproducible?: boolean;
}
export interface PullArgs extends AccessArgs {
  url: string;
  /** An empty or new folder. */
  output: string;
}
export interface TagArgs extends AccessArgs {
  url: string;
  tags: string[];
}
export interface ListArgs extends AccessArgs {
  url: string;
  filterSemver?: string;
  filterRegex?: string;
}
export interface DiffArgs extends AccessArgs {
  url: string;
  path: string;
}
export interface VerifyArgs extends AccessArgs {
  url: string;
  /** Keyed: cosign public key files. */
  keys?: string[];
  /** Keyless: certificate identity and OIDC issuer regexps (RE2). */
  identity?: { subject: string; issuer: string };
  trustedRoot?: string;
}
export interface SignArgs extends AccessArgs {
  url: string;
  keyFile: string;
  password?: string;
  format?: 'bundle' | 'legacy';
}
export interface DefaultsArgs {
  /** The active editor's document. */
  uri?: string;
}

/** An OCIRepository found in the open file or the workspace. */
export interface SourceDefault {
  url: string;
  name?: string;
  /** The ref it asks for, e.g. `semver: ">=1.0.0"` or `tag: v1`. */
  ref?: string;
  file: string;
  /** True when it is in the file the request was made from. */
  inActiveFile: boolean;
}

export interface ArtifactDefaults {
  sources: SourceDefault[];
  /** Tag candidates, best first: the exact git tag of HEAD, the short commit, `latest`. */
  tags: string[];
  /** Candidate folders to push or diff, best first (workspace-relative when inside it). */
  folders: string[];
  workspaceFolder?: string;
  git?: { source?: string; revision?: string; branch?: string; commit?: string };
}

export const artifactCommands = {
  push: commandType<PushArgs, Answer<PushArtifactResult>>('flux-oci.artifact.push'),
  pull: commandType<PullArgs, Answer<PullArtifactResult>>('flux-oci.artifact.pull'),
  tag: commandType<TagArgs, Answer<TagArtifactResult>>('flux-oci.artifact.tag'),
  list: commandType<ListArgs, Answer<ListArtifactsResult>>('flux-oci.artifact.list'),
  diff: commandType<DiffArgs, Answer<DiffArtifactResult>>('flux-oci.artifact.diff'),
  verify: commandType<VerifyArgs, Answer<VerificationResult>>('flux-oci.artifact.verify'),
  sign: commandType<SignArgs, Answer<SignResult>>('flux-oci.artifact.sign'),
  defaults: commandType<DefaultsArgs, Answer<ArtifactDefaults>>('flux-oci.artifact.defaults'),
} as const;
