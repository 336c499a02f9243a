/**
 * Errors of the artifact half. `code` lets commands choose exit codes and lets
 * tests tell refusals apart; `message` is written for the user (what happened,
 * what to do).
 */
export type ArtifactErrorCode =
  | 'source-missing'
  | 'source-conflict'
  | 'source-changed'
  | 'not-a-git-repo'
  | 'bad-annotation'
  | 'target-not-empty'
  | 'not-gzip'
  | 'bad-archive'
  | 'unsafe-path'
  | 'unsafe-link'
  | 'unsupported-entry'
  | 'too-large'
  | 'digest-mismatch'
  | 'disk-full' // ENOSPC, EDQUOT, or EFBIG from a file-size limit (ulimit -f)
  | 'not-writable'; // the target is read-only, not permitted, or has a file where a folder should be

export class ArtifactError extends Error {
  readonly code: ArtifactErrorCode;

  constructor(code: ArtifactErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArtifactError';
    this.code = code;
  }
}
