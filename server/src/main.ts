// Entry point of flux-oci-language-server (LSP over stdio, or node-ipc / socket when the client asks).
import { startServer } from './lsp/server';
import { version } from './version';

// The compile cache a launch turns on (NODE_COMPILE_CACHE, as the VS Code client does) is this
// process's: the credential helpers and git the server starts do not inherit it.
delete process.env['NODE_COMPILE_CACHE'];

if (process.argv.includes('--version')) {
  process.stdout.write(`flux-oci-language-server ${version}\n`);
} else {
  startServer();
}
