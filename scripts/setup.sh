#!/usr/bin/env bash
# Installs everything the build and the test suite need on a fresh machine:
# Debian packages for the real peers, npm dependencies (with the pinned Node 24),
# Node 22 for the install tests, Go-built peers (cached outside the repo, keyed by
# version), then builds.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# binutils: strip, for the single executable (scripts/sea.mjs).
for pkg in docker-registry skopeo apache2-utils openssl git ca-certificates etcd-server binutils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund

# The oldest Node the npm package supports, from the npm `node` package, cached outside the
# repo (test/package/install.test.ts installs and runs the package under it).
bash scripts/node22.sh

# The real VS Code for `npm run test:e2e` and `npm run demo` (code-server, Chromium,
# playwright-core), cached outside the repo; several minutes the first time.
bash scripts/e2e/install.sh >/dev/null

if [ -x scripts/peers/build.sh ]; then
  bash scripts/peers/build.sh
fi

npm run build
