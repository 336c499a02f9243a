#!/usr/bin/env bash
# The main job on a fresh machine (after `bash scripts/setup.sh --demo`): a local registry seeded
# with sample artifacts, code-server with the packaged extension and a sample workspace.
# Prints the address to open; Ctrl-C stops everything cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/e2e/install.sh >/dev/null
mkdir -p test-output/demo
node_modules/.bin/node scripts/package.mjs --out test-output/demo/flux-oci-demo.vsix >/dev/null
exec node_modules/.bin/node scripts/e2e/demo.ts "$PWD/test-output/demo/flux-oci-demo.vsix"
