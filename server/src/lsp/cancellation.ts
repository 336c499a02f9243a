import type { CancellationToken, Disposable } from 'vscode-languageserver/node';

const nothing: Disposable = { dispose() {} };

/**
 * Calls `onCancel` when the request is cancelled, and at once when it already is. Listening alone
 * is not enough: when a request and its `$/cancelRequest` are read together (a busy server, a
 * loaded machine), vscode-jsonrpc cancels the request's token source before anyone asked for the
 * token, and the handler gets the frozen `CancellationToken.Cancelled`, whose
 * `onCancellationRequested` never fires. A command that only listened ran to its end, waiting on a
 * stalled registry up to its 60 s timeout per try, and the editor's spinner never stopped.
 */
export function whenCancelled(token: CancellationToken | undefined, onCancel: () => void): Disposable {
  if (!token) return nothing;
  if (token.isCancellationRequested) {
    onCancel();
    return nothing;
  }
  return token.onCancellationRequested(onCancel);
}
