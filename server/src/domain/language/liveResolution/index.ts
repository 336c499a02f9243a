// Live resolution in the editor: reading OCIRepository sources and turning resolutions into hovers, hints, completion, diagnostics and edits.
export { readOciSource, sourcePartAt } from './ociSourceDocument';
export { readOciSources, ociSourcesAt } from './ociSources';
export type { OciSourceDocument, RefField } from './ociSourceDocument';
export { hoverMarkdown, inlayLabel, inlayTooltip, formatSize, compareLinks } from './resolutionText';
export type { ResolutionState } from './resolutionText';
export { hoveredSources, liveHoverMarkdown, withSchemaHover } from './liveHover';
export type { HoverResolutions, LiveHoverInput } from './liveHover';
export { registryDiagnostics } from './registryDiagnostics';
export { resolutionActions } from './resolutionActions';
export type { ResolutionAction } from './resolutionActions';
export { registryCompletion, completionTagLimit } from './registryCompletion';
export type { CompletionField, RegistryCompletionInput } from './registryCompletion';
