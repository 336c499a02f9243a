/**
 * The parts of undici flux-oci uses, without undici's index: the registry transport's proxy agent
 * (proxySender.ts) and the cluster client's agent (cluster/kubeClient.ts). The index also loads
 * fetch, WebSocket, the cache stores and the mocks, 1.3 MB of code and ~20 ms of every start that
 * loads it (issue 18: memory and start-up). Like the index, this puts the request API
 * (`request`, and `connect`, which the proxy agent tunnels through) on Dispatcher.prototype; the
 * index does the same when something else loads it, so either order works.
 */
import type { Dispatcher as DispatcherType } from 'undici';
import Dispatcher from 'undici/lib/dispatcher/dispatcher';
import api from 'undici/lib/api';
import Agent from 'undici/lib/dispatcher/agent';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent';

Object.assign(Dispatcher.prototype, api);

export { Agent, EnvHttpProxyAgent };

/** A request to `target` through `dispatcher`: undici's request API takes the URL as origin and path. */
export function requestTo(
  dispatcher: DispatcherType,
  target: URL,
  options: Omit<DispatcherType.RequestOptions, 'origin' | 'path'>,
): Promise<DispatcherType.ResponseData> {
  return dispatcher.request({ ...options, origin: target.origin, path: `${target.pathname}${target.search}` });
}
