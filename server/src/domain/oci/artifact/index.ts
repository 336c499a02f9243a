// The artifact half of the OCI engine: building, describing, extracting and diffing
// Flux content layers. No registry traffic here (see ../registry and ../operations).
export type { BuildLayerOptions, BuiltLayer, ExtractOptions, ExtractResult, TreeEntry, FileChange } from './contract.ts';
export { ArtifactError } from './artifactError.ts';
export type { ArtifactErrorCode } from './artifactError.ts';
export { fluxDefaultIgnores, IgnoreRules, parseIgnoreText, sourceIgnoreFile } from './ignoreRules.ts';
export { walkLocalTree, syntheticFolderMode } from './localTree.ts';
export type { LocalEntry, SkippedEntry } from './localTree.ts';
export { buildLayer } from './buildLayer.ts';
export type { BuildLayerExtras, BuiltLayerDetails } from './buildLayer.ts';
export { artifactAnnotations, formatRfc3339, isRfc3339, parseAnnotation, stripUrlCredentials } from './annotations.ts';
export type { AnnotationOptions } from './annotations.ts';
export { fluxConfigBlob, fluxLayerDescriptor, fluxManifest, goJson, sha256Digest } from './fluxManifest.ts';
export type { Blob, BuiltManifest } from './fluxManifest.ts';
export { copyLayer, defaultMaxBytes, defaultMaxEntries, extractLayer, safeEntryPath } from './extract.ts';
export type { CopyOptions, ExtractDetails, ExtractExtras } from './extract.ts';
export { diffTrees, readLayerTree, readLocalTree } from './treeDiff.ts';
export { GzipBlocks, ParallelGzip, gzipBlockSize } from './parallelGzip.ts';
export { ArtifactContentCache, artifactCacheBytes, defaultArtifactCacheDir, defaultCacheBytes } from './contentCache.ts';
export type { CachedLayer, CachedManifest } from './contentCache.ts';
export { contentKind, defaultTextDiffLimit, renderFileDiff } from './unifiedDiff.ts';
export type { ContentKind, FileDiffInput } from './unifiedDiff.ts';
export { readChartArchive, defaultChartLimits } from './chartArchive.ts';
export type { ChartArchiveLimits, ChartFiles } from './chartArchive.ts';
export { paxHeaderRecords, writeUstarHeader } from './tarHeader.ts';
export type { TarEntryHeader } from './tarHeader.ts';
