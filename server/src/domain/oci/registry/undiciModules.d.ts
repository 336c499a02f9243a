// Types for the files of undici that undiciParts.ts imports directly (it says why).
declare module 'undici/lib/dispatcher/agent' {
  const Agent: typeof import('undici').Agent;
  export = Agent;
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent' {
  const EnvHttpProxyAgent: typeof import('undici').EnvHttpProxyAgent;
  export = EnvHttpProxyAgent;
}
declare module 'undici/lib/dispatcher/dispatcher' {
  const Dispatcher: typeof import('undici').Dispatcher;
  export = Dispatcher;
}
declare module 'undici/lib/api' {
  /** request, stream, pipeline, upgrade and connect: the methods undici's index puts on Dispatcher.prototype. */
  const api: Record<string, unknown>;
  export = api;
}
