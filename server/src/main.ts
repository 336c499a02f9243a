// Entry point of flux-oci-language-server (LSP over stdio).
import { startServer } from './lsp/server';

startServer();
