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
  verify: commandType<VerifyArgs, Answer<VerificationResult>>('flux-oci.artifact.verify'),
  sign: commandType<SignArgs, Answer<SignResult>>('flux-oci.artifact.sign'),
  defaults: commandType<DefaultsArgs, Answer<ArtifactDefaults>>('flux-oci.artifact.defaults'),
  /** Parses (and checks) a reference the way Flux does, so clients never parse `oci://` URLs themselves. */
  reference: commandType<ReferenceArgs, Answer<ParsedReference>>('flux-oci.artifact.reference'),
} as const;
