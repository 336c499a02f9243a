import type { CancellationToken } from 'vscode-languageserver/node';

/**
 * The promise's value if it settles within `ms` and the request is not cancelled; else
 * undefined. Editor requests wait this long at most for registry work, then answer with what
 * they have.
 */
export function settleWithin<T>(promise: Promise<T>, ms: number, token: CancellationToken): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve) => {
    let settled = false;
    const timer = setTimeout(() => done(undefined), ms);
    const sub = token.onCancellationRequested(() => done(undefined));
    function done(v: T | undefined): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sub.dispose();
      resolve(v);
    }
    promise.then(done, () => done(undefined));
  });
}
