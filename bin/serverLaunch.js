// The language server runs with the Node flags in serverNodeFlags.json, the one list of them: the
// VS Code client passes them as execArgv, the bin scripts here, the tests and the benches as node
// arguments. Today a young generation of at most 16 MiB a half: left to itself V8 grows it to
// 64 MiB, which the server's short-lived parse and analysis objects fill and copy for nothing
// (bench:lsp, 60k-line file: peak RSS 319 -> ~235 MiB, complete diagnostics 0.17-0.21x -> 0.14-0.19x of
// yaml-language-server, no more CPU; issue 18).
'use strict';

const flags = require('./serverNodeFlags.json');

/**
 * A script cannot give its own process V8 heap flags, so on POSIX the process replaces itself with
 * one started with them (process.execve: the same pid, standard streams and environment, no second
 * process). Where execve is missing (Windows), or the user chose the flag (node arguments or
 * NODE_OPTIONS), the server runs as it was started.
 */
exports.relaunchWithServerFlags = function relaunchWithServerFlags() {
  if (typeof process.execve !== 'function') return;
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (flags.some((f) => given.some((g) => g.split('=')[0] === f.split('=')[0]))) return;
  try {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...flags, ...process.argv.slice(1)]);
  } catch {
    // Not allowed here (a sandbox, a permission model): run without the flags.
  }
};
