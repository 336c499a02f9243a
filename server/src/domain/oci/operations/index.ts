// High-level artifact operations shared by the CLI and the language server.
export { pushArtifact } from './pushArtifact';
export type { PushArtifactOptions, PushArtifactResult } from './pushArtifact';
export { tagArtifact } from './tagArtifact';
export type { TagArtifactOptions, TagArtifactResult } from './tagArtifact';
export { listArtifacts, filterTags } from './listArtifacts';
export type { ListArtifactsOptions, ListArtifactsResult, ListedArtifact } from './listArtifacts';
export { buildArtifact } from './buildArtifact';
export type { BuildArtifactOptions, BuildArtifactResult } from './buildArtifact';
export { resolveArtifact, selectLayer } from './resolveArtifact';
export type { ResolvedArtifact } from './resolveArtifact';
export { openRegistry, withRegistry, credentialSource } from '../registry/access';
export type { ConnectionOptions } from '../registry/access';
export type { ProgressEvent, ProgressListener, ProgressPhase } from './progress';
export { pullArtifact } from './pullArtifact';
export type { PullArtifactOptions, PullArtifactResult, LayerOperation } from './pullArtifact';
export { diffArtifact } from './diffArtifact';
export type { DiffArtifactOptions, DiffArtifactResult } from './diffArtifact';
export { openArtifact, readArtifactFile } from './artifactContent';
export type { ArtifactSnapshot, OpenArtifactOptions, ReadArtifactFileOptions } from './artifactContent';
export { compareArtifacts, loadSide, renderUnifiedDiff } from './compareArtifacts';
export type {
  ArtifactChange,
  ArtifactSideInfo,
  CompareArtifactsOptions,
  CompareArtifactsResult,
  CompareSide,
  FolderSideInfo,
  SideInfo,
} from './compareArtifacts';
