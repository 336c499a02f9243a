// Entry point of the single executable (Node's single executable applications; scripts/sea.mjs):
// one file that is both programs. Started as `flux-oci language-server --stdio`, or through a
// link named flux-oci-language-server, it is the language server; otherwise it is the CLI, with
// the same commands and exit codes as `node dist/cli.js`.
// The two are required lazily, so the CLI does not pay for initialising the server and back.
import path from 'node:path';

// In a single executable, argv is [executable, the name it was started by, ...arguments].
const args = process.argv.slice(2);
const startedAs = path.basename(process.argv[1] ?? process.argv0);

if (startedAs === 'flux-oci-language-server' || args[0] === 'language-server') {
  // The server's Node flags, as the bin scripts give them (one list, bin/serverNodeFlags.json).
  (require('../../bin/serverLaunch.js') as { relaunchWithServerFlags(): void }).relaunchWithServerFlags();
  require('./main');
} else {
  (require('./cli/main') as typeof import('./cli/main')).runCliProcess(args);
}
