/**
 * Bucket previews: what source-controller would pack from a Bucket (issue 20). The server
 * lists the bucket through the same gate, limiter and cache as the editor's hover, applies
 * Flux's Bucket ignore rules and answers the files with their sizes.
 */
import { commandType, type Answer } from './messages';
import type { BucketPreview } from '../domain/resolution/bucket/bucketPreview';

export interface PreviewBucketArgs {
  /** The document holding the Bucket (an open file or one in the workspace index). */
  uri?: string;
  /** Which Bucket: its name (and namespace when several share it); the first Bucket of `uri` when absent. */
  name?: string;
  namespace?: string;
  /** A 0-based position in `uri`: the Bucket whose document holds it. */
  position?: { line: number; character: number };
  /** List again even when a recent listing is cached. */
  refresh?: boolean;
}

export interface PreviewBucketResult {
  bucket: { name: string; namespace: string; endpoint: string; bucketName: string; prefix: string };
  preview: BucketPreview;
}

/** "Preview Bucket Artifact": the files the artifact would hold, with sizes and what the ignore rules drop. */
export const previewBucketCommand = commandType<PreviewBucketArgs, Answer<PreviewBucketResult>>('flux-oci.bucket.preview');

export interface AddBucketIgnoreArgs {
  /** The open document holding the Bucket. */
  uri: string;
  name?: string;
  namespace?: string;
  position?: { line: number; character: number };
  /** gitignore patterns as Flux reads them, e.g. `/dumps/` or `*.sql` (picked from the preview). */
  patterns: string[];
}

export interface AddBucketIgnoreResult {
  uri: string;
  /** Edits to the document (0-based lines, UTF-16 characters): spec.ignore rewritten with the patterns added; empty when all were there. */
  edits: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }>;
}

/** The ignore-rule helper: the edit adding paths picked in the preview to the Bucket's spec.ignore (the client applies it). */
export const addBucketIgnoreCommand = commandType<AddBucketIgnoreArgs, Answer<AddBucketIgnoreResult>>('flux-oci.bucket.addIgnore');
