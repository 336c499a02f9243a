/**
 * The OCI artifact commands (`flux-oci.artifact.*`): push, pull, tag, list, diff with a
 * local folder, verify and sign, plus the defaults the editor prefills its prompts with.
 * Each answers `{ ok: true, ...result }` or a `Failure`. Progress is reported on
 * `progressToken` (a `$/progress` token the client listens on) and the request's
 * cancellation aborts the operation.
 */
import { commandType, requestSpec, type Answer, type Failure } from './messages';
import type { PushArtifactResult } from '../domain/oci/operations/pushArtifact';
import type { PullArtifactResult } from '../domain/oci/operations/pullArtifact';
import type { TagArtifactResult } from '../domain/oci/operations/tagArtifact';
import type { ListArtifactsResult } from '../domain/oci/operations/listArtifacts';
import type { DiffArtifactResult } from '../domain/oci/operations/diffArtifact';
import type { CompareArtifactsResult } from '../domain/oci/operations/compareArtifacts';
import type { SourceRefSpec } from '../domain/oci/operations/previousArtifact';
import type { VerificationResult } from '../domain/signatures/types';
import type { SignResult } from '../domain/signatures/signArtifact';
import type { ArtifactDefaults, SourceDefault } from '../domain/language/artifactDefaults';

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
/** One side of an artifact comparison. */
export type CompareSideArg =
  /** `oci://host/repo:tag` or `oci://host/repo@sha256:…` */
  | { url: string }
  /** A folder (relative to the first workspace folder, or absolute), read with push's ignore rules. */
  | { folder: string; ignorePaths?: string[] }
  /** The version before this one in its repository: semver order when the tags are versions, else newest created first. */
  | { previousOf: string }
  /** What an OCIRepository with this spec resolves to now (digest > semver > tag > latest), e.g. the cluster's next reconcile. */
  | { source: SourceRefSpec };

export interface CompareArgs extends AccessArgs {
  /** The old side (`---`). */
  before: CompareSideArg;
  /** The new side (`+++`). */
  after: CompareSideArg;
}

export type { CompareArtifactsResult, SourceRefSpec };

/** `flux-oci/artifactFile`: one file of an artifact, from the server's artifact cache (fetched into it when missing). */
export interface ArtifactFileParams {
  /** `oci://host/repo@sha256:…` as a comparison answered it. */
  url: string;
  /** Path inside the artifact, '/'-separated. */
  path: string;
}

export type ArtifactFileResult =
  | {
      ok: true;
      /** The file's bytes, base64. */
      content: string;
      size: number;
      mode: number;
    }
  | Failure;

export const artifactFileRequest = requestSpec<ArtifactFileParams, ArtifactFileResult>('flux-oci/artifactFile');

/**
 * The VS Code client's own command that compares artifacts and opens the diff editor; the
 * hover of an OCIRepository links to it when the client announces
 * `experimental.fluxOci.compareArtifacts` (other editors get no dead links).
 */
export const compareArtifactsClientCommand = 'flux-oci.compareArtifacts';

/** The argument of the hover's links to {@link compareArtifactsClientCommand}. */
export interface CompareLinkArgs {
  /** `oci://host/repo@sha256:…`: what the OCIRepository resolves to now. */
  url: string;
  tag?: string;
  /** Compare with the version before it, or with a workspace folder the user picks. */
  with: 'previous' | 'folder';
  /** The previous version when the hover already knows it (the next tag in a semver range). */
  previous?: string;
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
export interface ReferenceArgs {
  /** `oci://host/repo`, with or without a tag or digest. */
  url: string;
  /** A tag or `@sha256:…` to put on the repository instead of what `url` names. */
  tag?: string;
}

/** An `oci://` reference as Flux reads it (go-containerregistry's rules). */
export interface ParsedReference {
  /** The full reference: repository plus tag or digest. */
  url: string;
  /** `oci://host/repo`, without tag or digest. */
  repository: string;
  /** The repository's last path segment, e.g. `app`. */
  name: string;
  tag?: string;
  digest?: string;
}

export interface DefaultsArgs {
  /** The active editor's document. */
  uri?: string;
}

export type { ArtifactDefaults, SourceDefault };

export const artifactCommands = {
  push: commandType<PushArgs, Answer<PushArtifactResult>>('flux-oci.artifact.push'),
  pull: commandType<PullArgs, Answer<PullArtifactResult>>('flux-oci.artifact.pull'),
  tag: commandType<TagArgs, Answer<TagArtifactResult>>('flux-oci.artifact.tag'),
  list: commandType<ListArgs, Answer<ListArtifactsResult>>('flux-oci.artifact.list'),
  diff: commandType<DiffArgs, Answer<DiffArtifactResult>>('flux-oci.artifact.diff'),
  /** Compares two artifacts, or an artifact and a folder, file by file; files are then read with `flux-oci/artifactFile`. */
  compare: commandType<CompareArgs, Answer<CompareArtifactsResult>>('flux-oci.artifact.compare'),
  verify: commandType<VerifyArgs, Answer<VerificationResult>>('flux-oci.artifact.verify'),
  sign: commandType<SignArgs, Answer<SignResult>>('flux-oci.artifact.sign'),
  defaults: commandType<DefaultsArgs, Answer<ArtifactDefaults>>('flux-oci.artifact.defaults'),
  /** Parses (and checks) a reference the way Flux does, so clients never parse `oci://` URLs themselves. */
  reference: commandType<ReferenceArgs, Answer<ParsedReference>>('flux-oci.artifact.reference'),
} as const;
