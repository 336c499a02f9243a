// "Preview Bucket Artifact": asks the server what source-controller would pack from the Bucket
// in the active editor (flux-oci.bucket.preview), shows it as a tree with sizes beside the file,
// and offers the ignore-rule helper: the folders picked in a list go into spec.ignore through the
// edit the server answers (flux-oci.bucket.addIgnore). No listing or rule logic here.
import {
  commands,
  ProgressLocation,
  Range,
  Uri,
  ViewColumn,
  window,
  workspace,
  WorkspaceEdit,
  type Disposable,
  type LogOutputChannel,
  type QuickPickItem,
} from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { addBucketIgnoreCommand, previewBucketCommand, type PreviewBucketResult } from '../../server/src/protocol/bucketMessages';
import { runServerCommand, runningClient } from './serverCommands';

export function registerBucketPreview(client: () => LanguageClient | undefined, output: LogOutputChannel): Disposable[] {
  return [
    commands.registerCommand('flux-oci.previewBucketArtifact', async () => {
      try {
        await preview(runningClient(client()), output);
      } catch (e) {
        output.error(`preview bucket artifact: ${e instanceof Error ? e.message : String(e)}`);
        void window.showErrorMessage(`Flux OCI: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
  ];
}

async function preview(c: LanguageClient, output: LogOutputChannel): Promise<void> {
  const editor = window.activeTextEditor;
  if (!editor) {
    void window.showInformationMessage('Flux OCI: open the YAML file of a Bucket first');
    return;
  }
  const uri = editor.document.uri.toString();
  const position = { line: editor.selection.active.line, character: editor.selection.active.character };
  const answer = await window.withProgress(
    { location: ProgressLocation.Notification, title: 'Flux OCI: listing the bucket…', cancellable: true },
    (_p, token) => runServerCommand(c, previewBucketCommand, { uri, position }, token),
  );
  if (!answer) return;
  if (!answer.ok) {
    void window.showWarningMessage(`Flux OCI: ${answer.error}`);
    return;
  }
  const doc = await workspace.openTextDocument({ content: renderTree(answer), language: 'plaintext' });
  await window.showTextDocument(doc, { viewColumn: ViewColumn.Beside, preview: true, preserveFocus: true });
  output.info(`bucket ${answer.bucket.namespace}/${answer.bucket.name}: ${answer.preview.count} files, ${answer.preview.totalSize} bytes would be packed`);
  const pick = await window.showInformationMessage(
    `Flux OCI: ${answer.bucket.name} would pack ${answer.preview.count} files, ${bytes(answer.preview.totalSize)}`,
    'Add Paths to spec.ignore…',
  );
  if (pick !== 'Add Paths to spec.ignore…') return;
  const items: Array<QuickPickItem & { pattern: string }> = folderSizes(answer).map(([pattern, size, count]) => ({
    label: pattern,
    description: `${bytes(size)} in ${count} file${count === 1 ? '' : 's'}`,
    pattern,
  }));
  const chosen = await window.showQuickPick(items, {
    canPickMany: true,
    title: `Add to spec.ignore of ${answer.bucket.name}`,
    placeHolder: 'Pick what source-controller should leave out',
  });
  if (!chosen?.length) return;
  const edit = await runServerCommand(c, addBucketIgnoreCommand, { uri, position, patterns: chosen.map((i) => i.pattern) });
  if (!edit) return;
  if (!edit.ok) {
    void window.showWarningMessage(`Flux OCI: ${edit.error}`);
    return;
  }
  const we = new WorkspaceEdit();
  for (const e of edit.edits)
    we.replace(Uri.parse(edit.uri), new Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.newText);
  await workspace.applyEdit(we);
}

/** Anchored patterns for each folder (at every depth, up to 200) with what it holds, heaviest first. */
function folderSizes(answer: PreviewBucketResult): Array<[string, number, number]> {
  const sums = new Map<string, [number, number]>();
  for (const f of answer.preview.files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const key = `/${parts.slice(0, i).join('/')}/`;
      const s = sums.get(key) ?? [0, 0];
      sums.set(key, [s[0] + f.size, s[1] + 1]);
    }
    if (parts.length === 1 && f.path !== '.sourceignore') sums.set(`/${f.path}`, [f.size, 1]);
  }
  return [...sums.entries()]
    .map(([k, [size, count]]) => [k, size, count] as [string, number, number])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 200);
}

function renderTree(answer: PreviewBucketResult): string {
  const p = answer.preview;
  const b = answer.bucket;
  const lines = [
    `Bucket ${b.namespace ? `${b.namespace}/` : ''}${b.name}: s3://${b.bucketName}/${b.prefix} at ${b.endpoint}`,
    `source-controller would pack ${p.truncated ? 'at least ' : ''}${p.count} files, ${bytes(p.totalSize)} (before compression)`,
    ...(p.dropped.length
      ? [
          `ignore rules drop ${p.droppedCount} objects, ${bytes(p.droppedSize)}:`,
          ...p.dropped.map((d) => `  ${d.rule}  (${d.from})  ${d.count}  ${bytes(d.size)}`),
        ]
      : []),
    '',
  ];
  interface Node {
    size: number;
    files: Array<[string, number]>;
    dirs: Map<string, Node>;
  }
  const root: Node = { size: 0, files: [], dirs: new Map() };
  for (const f of p.files) {
    const parts = f.path.split('/');
    let n = root;
    n.size += f.size;
    for (const dir of parts.slice(0, -1)) {
      let next = n.dirs.get(dir);
      if (!next) n.dirs.set(dir, (next = { size: 0, files: [], dirs: new Map() }));
      next.size += f.size;
      n = next;
    }
    n.files.push([parts[parts.length - 1]!, f.size]);
  }
  const max = 5000;
  const walk = (n: Node, depth: number): void => {
    for (const [name, child] of [...n.dirs].sort((a, c) => (a[0] < c[0] ? -1 : 1))) {
      if (lines.length > max) return;
      lines.push(`${'  '.repeat(depth)}${name}/  ${bytes(child.size)}`);
      walk(child, depth + 1);
    }
    for (const [name, size] of n.files) {
      if (lines.length > max) return;
      lines.push(`${'  '.repeat(depth)}${name}  ${bytes(size)}`);
    }
  };
  walk(root, 0);
  if (lines.length > max) lines.push(`… (${p.count} files in all; flux-oci bucket preview ${b.name} --format json lists them)`);
  return lines.join('\n') + '\n';
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
