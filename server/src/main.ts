// Entry point of flux-oci-language-server (LSP over stdio, or node-ipc / socket when the client asks).
import { startServer } from './lsp/server';
import { version } from './version';

if (process.argv.includes('--version')) {
  process.stdout.write(`flux-oci-language-server ${version}\n`);
} else {
  startServer();
}
