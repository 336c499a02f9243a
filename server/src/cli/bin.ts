// Entry point of the flux-oci CLI bundle (dist/cli.js, run by bin/flux-oci).
import { runCliProcess } from './main';

runCliProcess(process.argv.slice(2));
