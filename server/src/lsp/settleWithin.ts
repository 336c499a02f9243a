import type { CancellationToken, Disposable } from 'vscode-languageserver/node';
import { whenCancelled } from './cancellation';

/**
 * The promise's value if it settles within `ms` and the request is not cancelled; else
 * undefined. Editor requests wait this long at most for registry work, then answer with what
 * they have.
 */
export function settleWithin<T>(promise: Promise<T>, ms: number, token: CancellationToken): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve) => {
    let settled = false;
    let sub: Disposable | undefined;
    const timer = setTimeout(() => done(undefined), ms);
    function done(v: T | undefined): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sub?.dispose();
      resolve(v);
    }
    // Already cancelled: done at once (whenCancelled calls back before returning).
    sub = whenCancelled(token, () => done(undefined));
    promise.then(done, () => done(undefined));
  });
}
