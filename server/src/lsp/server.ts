import { createConnection, ProposedFeatures, TextDocumentSyncKind } from 'vscode-languageserver/node';

/** Placeholder wiring; the LSP features are added in lsp/. */
export function startServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  connection.onInitialize(() => ({
    capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental },
    serverInfo: { name: 'flux-oci-language-server', version: '0.1.0' },
  }));
  connection.listen();
}
