export { analyzeDocument, type AnalysisContext } from './analyzeDocument';
export { analyzeFile, shiftDiagnostic } from './analyzeFile';
