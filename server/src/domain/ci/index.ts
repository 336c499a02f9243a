// The Gitless CI pipeline (issue 17): Fulcio identities of CI jobs, matchOIDCIdentity regexes, generated workflows.
export { fulcioIdentity, identityRegexes, issuerOf, quoteMeta, githubIssuer, validateTarget, validateRefName } from './fulcioIdentity';
export type { CiSystem, RefPattern, CiIdentityTarget, CertificateIdentity, IdentityRegexes } from './fulcioIdentity';
export { repositoryOfRemote } from './gitRemote';
export type { RemoteRepository } from './gitRemote';
export { githubPipeline, pinned } from './pipeline';
export type { PipelineOptions, RenderStep, GeneratedFile, Pipeline } from './pipeline';
export { writeGeneratedFiles, FilesExistError } from './writeFiles';
export type { WriteResult } from './writeFiles';
export { ciDefaults } from './defaults';
export type { CiDefaults } from './defaults';
export { workflowRuns, gitlabRuns, acceptedWorkflows, identityPolicies, acceptanceMarkdown } from './workflowMatches';
export type { WorkflowText, WorkflowRun, IdentityAcceptance } from './workflowMatches';
export { gitlabPipeline, gitlabImages } from './gitlabPipeline';
