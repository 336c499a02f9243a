// Live resolution in the editor: reading OCIRepository sources and turning resolutions into hovers, hints, completion, diagnostics and edits.
export { readOciSource, sourcePartAt } from './ociSourceDocument';
export { readOciSources, ociSourcesAt } from './ociSources';
export { resolutionHints } from './resolutionHints';
export { hoveredSources, liveHoverMarkdown, withSchemaHover } from './liveHover';
export { registryDiagnostics } from './registryDiagnostics';
export { resolutionActions } from './resolutionActions';
