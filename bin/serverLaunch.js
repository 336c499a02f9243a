// The language server runs with the Node flags in serverNodeFlags.json, the one list of them: the
// VS Code client passes them as execArgv, the bin scripts here and the single executable
// (server/src/sea.ts) through relaunchWithServerFlags, the tests and the benches as node
// arguments. Today a young generation of at most 16 MiB a half: left to itself V8 grows it to
// 64 MiB, which the server's short-lived parse and analysis objects fill and copy for nothing
// (bench:lsp, 60k-line file: peak RSS 319 -> ~235 MiB, complete diagnostics 0.17-0.21x -> 0.14-0.19x of
// yaml-language-server, no more CPU; issue 18).
'use strict';

const flags = require('./serverNodeFlags.json');

/** NODE_OPTIONS as the user had it, kept while the single executable starts itself again. */
const userNodeOptions = 'FLUX_OCI_USER_NODE_OPTIONS';

/**
 * A script cannot give its own process V8 heap flags, so on POSIX the process replaces itself with
 * one started with them (process.execve: the same pid, standard streams and environment, no second
 * process). Where execve is missing (Windows), or the user chose the flag (node arguments or
 * NODE_OPTIONS), the server runs as it was started.
 */
exports.relaunchWithServerFlags = function relaunchWithServerFlags() {
  const sea = isSingleExecutable();
  if (sea && userNodeOptions in process.env) {
    // Started again by the lines below: the user's NODE_OPTIONS back, for the programs the server runs.
    const before = process.env[userNodeOptions];
    delete process.env[userNodeOptions];
    if (before) process.env.NODE_OPTIONS = before;
    else delete process.env.NODE_OPTIONS;
    return;
  }
  if (typeof process.execve !== 'function') return;
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (flags.some((f) => given.some((g) => g.split('=')[0] === f.split('=')[0]))) return;
  try {
    if (sea) {
      // A single executable's arguments are all the program's; Node reads its flags from
      // NODE_OPTIONS (sea-config's execArgvExtension, "env" by default). argv[1] is the name it was
      // started by (a link named flux-oci-language-server makes it the server), so it is argv0 again.
      const env = { ...process.env, [userNodeOptions]: process.env.NODE_OPTIONS ?? '' };
      env.NODE_OPTIONS = [process.env.NODE_OPTIONS, ...flags].filter(Boolean).join(' ');
      process.execve(process.execPath, process.argv.slice(1), env);
    } else {
      process.execve(process.execPath, [process.execPath, ...process.execArgv, ...flags, ...process.argv.slice(1)]);
    }
  } catch {
    // Not allowed here (a sandbox, a permission model): run without the flags.
  }
};

function isSingleExecutable() {
  try {
    return require('node:sea').isSea();
  } catch {
    return false; // Node without node:sea
  }
}
