/**
 * How the client↔server messages of flux-oci are declared: every custom request and
 * notification is a `RequestSpec`/`NotificationSpec` (its method with its params and result
 * types), and every server command run through `workspace/executeCommand` is a `CommandType`
 * (its id with its argument and answer types). Each is declared once, in this folder, and
 * both the server and the client import it; docs/lsp-extensions.md lists them for other
 * editors, and a test keeps that page current.
 *
 * Plain method names rather than vscode-jsonrpc's RequestType classes: the server and the
 * client libraries each bring their own vscode-jsonrpc major, whose classes do not mix.
 */

/** A custom notification: its method and params type. */
export interface NotificationSpec<Params> {
  readonly method: string;
  /** Types only: never set. */
  readonly types?: { params: Params };
}

/** A custom request: its method, params and result types. */
export interface RequestSpec<Params, Result> {
  readonly method: string;
  /** Types only: never set. */
  readonly types?: { params: Params; result: Result };
}

export function notificationSpec<Params>(method: string): NotificationSpec<Params> {
  return { method };
}

export function requestSpec<Params, Result>(method: string): RequestSpec<Params, Result> {
  return { method };
}

export type ParamsOf<T> = T extends NotificationSpec<infer P> ? P : T extends RequestSpec<infer P, unknown> ? P : never;
export type ResultOf<T> = T extends RequestSpec<unknown, infer R> ? R : T extends CommandType<unknown, infer A> ? A : never;

/** A command of the server: its id, the single argument it takes and what it answers. */
export interface CommandType<Arg, Answer> {
  readonly command: string;
  /** Types only: never set. */
  readonly types?: { arg: Arg; answer: Answer };
}

export function commandType<Arg, Answer>(command: string): CommandType<Arg, Answer> {
  return { command };
}

/** The answer of a command that can fail: the failure is data the client shows, never a thrown error. */
export type Answer<T> = ({ ok: true } & T) | Failure;

export interface Failure {
  ok: false;
  /** What went wrong and what to do; never holds a credential. */
  error: string;
  /** A machine-readable reason, e.g. `cancelled`, `unauthorized`. */
  code?: string;
}
