/**
 * The parts of undici the registry transport uses behind a proxy (proxySender.ts), without
 * undici's index: the index loads fetch, WebSocket, the cache stores and the mocks too, 1.3 MB of
 * code to parse (issue 18: memory and start-up). Like the index, this puts the request API
 * (`request`, and `connect`, which the proxy agent tunnels through) on Dispatcher.prototype; the
 * index does the same when something else loads it, so either order works.
 */
import Dispatcher from 'undici/lib/dispatcher/dispatcher';
import api from 'undici/lib/api';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent';

Object.assign(Dispatcher.prototype, api);

export { EnvHttpProxyAgent };
