import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * One spelling per file. Editors percent-encode URIs in their own ways
 * (VS Code encodes `:` and `@`, Node does not), so every `file:` URI is
 * normalised through a path before it keys the workspace index. This is the only
 * place that converts between URIs and paths.
 */
export function fileKey(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return pathToFileURL(fileURLToPath(uri)).href;
  } catch {
    return uri;
  }
}

export function keyOfPath(path: string): string {
  return pathToFileURL(path).href;
}

export function pathOfKey(key: string): string | undefined {
  if (!key.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(key);
  } catch {
    return undefined;
  }
}
