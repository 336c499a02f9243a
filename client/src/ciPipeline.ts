// "Create CI Pipeline for This Folder" (issue 17): asks the server what git says about the folder
// (flux-oci.ci.defaults), asks the user the render step, artifact repository, branch and tags with
// those answers prefilled, and has the server write the workflow and the Flux manifests
// (flux-oci.ci.create). A file that exists is replaced only after the user says so. No generation here.
import { commands, Uri, window, workspace, type Disposable, type LogOutputChannel } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ciDefaultsCommand, createCiPipelineCommand, type CreateCiPipelineArgs } from '../../server/src/protocol/ciMessages';
import { runServerCommand, runningClient } from './serverCommands';

const title = (step: string) => `Flux OCI: Create CI Pipeline — ${step}`;

export function registerCiPipeline(client: () => LanguageClient | undefined, output: LogOutputChannel): Disposable[] {
  return [
    commands.registerCommand('flux-oci.createCiPipeline', async (target?: Uri) => {
      try {
        await create(runningClient(client()), output, target);
      } catch (e) {
        output.error(`create CI pipeline: ${e instanceof Error ? e.message : String(e)}`);
        void window.showErrorMessage(`Flux OCI: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
  ];
}

async function pickFolder(target: Uri | undefined): Promise<Uri | undefined> {
  if (target) return target;
  const active = window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file') return Uri.joinPath(active, '..');
  const base = workspace.workspaceFolders?.[0]?.uri;
  return (
    await window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      ...(base ? { defaultUri: base } : {}),
      openLabel: 'Create a pipeline for this folder',
    })
  )?.[0];
}

async function create(c: LanguageClient, output: LogOutputChannel, target: Uri | undefined): Promise<void> {
  const folder = await pickFolder(target);
  if (!folder) return;
  const d = await runServerCommand(c, ciDefaultsCommand, { folder: folder.toString() });
  if (!d) return;
  if (!d.ok) {
    void window.showWarningMessage(`Flux OCI: ${d.error}`);
    return;
  }
  const systems = [
    { label: 'GitHub Actions', description: '.github/workflows/flux-artifact.yml', system: 'github' as const },
    { label: 'GitLab CI', description: '.gitlab-ci.yml', system: 'gitlab' as const },
  ].sort((a, b) => (a.system === (d.system ?? 'github') ? -1 : b.system === (d.system ?? 'github') ? 1 : 0));
  const ci = await window.showQuickPick(systems, { title: title('CI system (1/6)'), ignoreFocusOut: true });
  if (!ci) return;
  const github = ci.system === 'github';
  const renders = [
    { label: 'Plain folder', description: 'push the YAML as it is', render: 'plain' as const },
    { label: 'Kustomize overlay', description: 'kustomize build in CI', render: 'kustomize' as const },
    { label: 'Helm chart', description: 'helm template in CI', render: 'helm' as const },
  ].sort((a, b) => (a.render === d.render ? -1 : b.render === d.render ? 1 : 0));
  const render = await window.showQuickPick(renders, { title: title(`render ${d.folder} (2/6)`), ignoreFocusOut: true });
  if (!render) return;
  const repository = await window.showInputBox({
    title: title(`${github ? 'GitHub repository' : 'GitLab project'} (3/6)`),
    prompt: github ? 'OWNER/REPO whose workflow will sign the artifact' : 'GROUP/PROJECT whose pipeline will sign the artifact',
    value: d.system === ci.system ? (d.repository ?? '') : '',
    ignoreFocusOut: true,
    validateInput: (v) => ((github ? /^[\w.-]+\/[\w.-]+$/ : /^[\w.-]+(\/[\w.-]+)+$/).test(v) ? undefined : github ? 'OWNER/REPO' : 'GROUP/PROJECT'),
  });
  if (!repository) return;
  const artifact = await window.showInputBox({
    title: title('artifact repository (4/6)'),
    prompt: 'Where CI pushes the artifact (no tag)',
    value:
      d.system === ci.system && d.artifact
        ? d.artifact
        : github
          ? `ghcr.io/${repository.toLowerCase()}-manifests`
          : `registry.gitlab.com/${repository.toLowerCase()}/manifests`,
    ignoreFocusOut: true,
  });
  if (!artifact) return;
  const branch = await window.showInputBox({
    title: title('branch (5/6)'),
    prompt: 'Branch the workflow runs on',
    value: d.branch ?? 'main',
    ignoreFocusOut: true,
  });
  if (!branch) return;
  const tags = await window.showQuickPick(
    [
      { label: 'Also on tags v*', description: 'Flux follows the semver of the git tags', prefix: 'v' as string | undefined },
      { label: `Only on ${branch}`, description: `Flux follows the tag '${branch.replace(/\//g, '-')}'`, prefix: undefined },
    ],
    { title: title('releases (6/6)'), ignoreFocusOut: true },
  );
  if (!tags) return;
  const args: CreateCiPipelineArgs = {
    folder: folder.toString(),
    system: ci.system,
    render: render.render,
    artifact,
    repository,
    branch,
    ...(tags.prefix !== undefined ? { tagPrefix: tags.prefix } : {}),
    ...(render.render === 'helm' ? { valuesFiles: d.valuesFiles } : {}),
  };
  let answer = await runServerCommand(c, createCiPipelineCommand, args);
  if (answer && !answer.ok && answer.code === 'exists' && 'existing' in answer) {
    const replace = await window.showWarningMessage(
      `Flux OCI: ${answer.existing.map((p) => workspace.asRelativePath(p)).join(', ')} already exist.`,
      { modal: true },
      'Replace',
    );
    if (replace !== 'Replace') return;
    answer = await runServerCommand(c, createCiPipelineCommand, { ...args, force: true });
  }
  if (!answer) return;
  if (!answer.ok) {
    void window.showWarningMessage(`Flux OCI: ${answer.error}`);
    return;
  }
  output.info(`CI pipeline written: ${answer.written.join(', ')}; signatures accepted: issuer ${answer.identity.issuer}, subject ${answer.identity.subject}`);
  for (const n of answer.notes) output.info(`CI pipeline: ${n}`);
  const first = answer.written[0];
  if (first) await window.showTextDocument(Uri.file(first), { preview: false });
  void window.showInformationMessage(
    `Flux OCI: wrote ${answer.written.map((p) => workspace.asRelativePath(p)).join(' and ')}${answer.notes.length ? ` — ${answer.notes[0]}` : ''}`,
  );
}
