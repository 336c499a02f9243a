// The version of flux-oci, printed by `--version` and sent as the language server's serverInfo.
// It has one definition, package.json's "version": scripts/build.mjs injects it with esbuild's
// `define`, so every bundle (dist/cli.js, dist/server.js, the single executable) says the same.
declare const FLUX_OCI_VERSION: string | undefined;

export const version: string = typeof FLUX_OCI_VERSION === 'string' ? FLUX_OCI_VERSION : '0.0.0-unbundled';
