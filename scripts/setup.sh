#!/usr/bin/env bash
# Installs what a fresh machine needs, then builds.
#
#   bash scripts/setup.sh --demo   only what `npm run demo` needs: Debian docker-registry, npm
#                                  dependencies (with the pinned Node 24), code-server + Chromium
#                                  (scripts/e2e/install.sh). No Go peers; a few minutes.
#   bash scripts/setup.sh          everything the test suite needs: the above, the Debian packages
#                                  for the real peers, Node 22 for the install tests, Neovim for the
#                                  other-editor test and the Go-built peers (cached outside the repo,
#                                  keyed by version).
#
# The full setup builds the Go peers in the background (scripts/peers/build.sh, one per two cores,
# output prefixed with [peer]) while npm, Node 22 and code-server install and the build runs,
# then waits for them: it exits non-zero if any step or any peer failed.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
case "${1:-}" in
  "") ;;
  --demo) mode=demo ;;
  *) echo "usage: bash scripts/setup.sh [--demo]" >&2; exit 2 ;;
esac
started=$(date +%s)

if [ "$mode" = demo ]; then
  apt_pkgs=(docker-registry ca-certificates)
else
  # binutils: strip, for the single executable (scripts/sea.mjs).
  apt_pkgs=(docker-registry skopeo apache2-utils openssl git ca-certificates etcd-server binutils)
fi
need_apt=()
for pkg in "${apt_pkgs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

peers_pid=""
if [ "$mode" = full ] && [ -x scripts/peers/build.sh ]; then
  # Background job of a script: it ignores SIGINT, so an interrupt or a failed step stops it
  # with TERM (build.sh then stops its go builds; binaries reach the cache only when complete).
  trap '[ -z "$peers_pid" ] || { kill -TERM "$peers_pid" 2>/dev/null; wait "$peers_pid" 2>/dev/null; }' EXIT
  trap 'exit 130' INT TERM HUP
  echo "setup: building the Go peers in the background ([peer] lines)"
  bash scripts/peers/build.sh &
  peers_pid=$!
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund

if [ "$mode" = full ]; then
  # The oldest Node the npm package supports, from the npm `node` package, cached outside the
  # repo (test/package/install.test.ts installs and runs the package under it).
  bash scripts/node22.sh
  # Neovim, a second real editor for the language server (test/interop/neovim.test.ts).
  bash scripts/neovim.sh
fi

# The real VS Code for `npm run test:e2e` and `npm run demo` (code-server, Chromium,
# playwright-core), cached outside the repo; several minutes the first time.
echo "setup: code-server and Chromium (scripts/e2e/install.sh)"
bash scripts/e2e/install.sh >/dev/null

npm run build

if [ -n "$peers_pid" ]; then
  echo "setup: waiting for the Go peers"
  peers_rc=0
  wait "$peers_pid" || peers_rc=$?
  peers_pid=""
  if [ "$peers_rc" -ne 0 ]; then
    echo "setup: the Go peers failed (exit $peers_rc; see the [peer] lines above)" >&2
    exit 1
  fi
fi
echo "setup: done ($mode) in $(( $(date +%s) - started ))s"
