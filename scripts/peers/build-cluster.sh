#!/usr/bin/env bash
# Builds the control-plane peers for the cluster end-to-end tests from the Go module proxy:
# kube-apiserver (k8s.io/kubernetes), Flux's source-controller and kustomize-controller.
# Cache (outside the repo, keyed by version):
#   ${FLUX_OCI_CACHE:-$HOME/.cache/flux-oci}/peers/<name>-<version>/bin/<name>
# etcd comes from Debian (etcd-server), not from here.
#
# Usage: bash scripts/peers/build-cluster.sh [kube-apiserver] [source-controller] [kustomize-controller]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"

cache="${FLUX_OCI_CACHE:-$HOME/.cache/flux-oci}/peers"
mkdir -p "$cache"
export GOFLAGS="-trimpath -buildvcs=false ${GOFLAGS:-}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
nice_cmd=(nice -n 10)

command -v go >/dev/null 2>&1 || { echo "peers: 'go' is not on PATH; install Go >= 1.26" >&2; exit 1; }

bin_path() { echo "$cache/$1-$2/bin/$1"; }

finish() {
  local name=$1 version=$2 staged=$3 started=$4 dest
  dest="$(bin_path "$name" "$version")"
  mkdir -p "$(dirname "$dest")"
  mv -f "$staged" "$dest.tmp.$$" && mv -f "$dest.tmp.$$" "$dest" || return 1
  echo "peers: built $name $version in $(( $(date +%s) - started ))s -> $dest"
}

# Copies MODULE@VERSION from the module cache into a writable folder and prints that folder.
module_copy() {
  local module=$1 version=$2 dir tmp
  dir="$(cd /tmp && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] || { echo "peers: could not download $module@$version" >&2; return 1; }
  tmp="$(mktemp -d)"
  cp -r "$dir/." "$tmp/src"
  chmod -R u+w "$tmp/src"
  echo "$tmp"
}

# k8s.io/kubernetes replaces every k8s.io/<x> staging module with ./staging/src/k8s.io/<x>, which is
# not in the module zip: point each one at its published release (v0.<minor>.<patch>).
build_kube_apiserver() {
  local version=$KUBERNETES_VERSION started tmp staging_version
  started=$(date +%s)
  staging_version="v0.${version#v1.}"
  echo "peers: building kube-apiserver $version (k8s.io/kubernetes, staging modules at $staging_version)..."
  tmp="$(module_copy k8s.io/kubernetes "$version")" || return 1
  (
    cd "$tmp/src"
    sed -i -E "s#^([[:space:]]*)(k8s\.io/[a-z0-9-]+) => \./staging/src/k8s\.io/[a-z0-9-]+\$#\1\2 => \2 $staging_version#" go.mod
    if grep -q '=> \./' go.mod; then
      echo "peers: k8s.io/kubernetes $version still has local replace directives:" >&2
      grep '=> \./' go.mod >&2
      exit 1
    fi
    # The module ships a go.work for its staging folders: build as a plain module.
    GOWORK=off GOFLAGS="$GOFLAGS -mod=mod" "${nice_cmd[@]}" go build \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$version" | cut -d. -f2) -X k8s.io/client-go/pkg/version.gitVersion=$version" \
      -o "$tmp/kube-apiserver" ./cmd/kube-apiserver
  ) || return 1
  finish kube-apiserver "$version" "$tmp/kube-apiserver" "$started"
  rm -rf "$tmp"
}

# Flux controllers replace their own api module with ./api: use the published api module instead.
# REPLACES (space-separated old=new@version) pins dependencies the module proxy no longer serves at
# the version the controller asks for; the binary then goes to <name>-<version><suffix>.
build_flux_controller() {
  local name=$1 version=$2 replaces=${3:-} suffix=${4:-} started tmp module r
  started=$(date +%s)
  module="github.com/fluxcd/$name"
  echo "peers: building $name $version$suffix ($module@$version${replaces:+, replace $replaces})..."
  tmp="$(module_copy "$module" "$version")" || return 1
  (
    cd "$tmp/src"
    go mod edit -dropreplace="$module/api" -require="$module/api@$version"
    for r in $replaces; do go mod edit -replace="$r"; done
    GOFLAGS="$GOFLAGS -mod=mod" "${nice_cmd[@]}" go build -ldflags "-s -w" -o "$tmp/$name" .
  ) || return 1
  finish "$name" "$version$suffix" "$tmp/$name" "$started"
  rm -rf "$tmp"
}

build_one() {
  local name=$1 version replaces="" suffix=""
  case "$name" in
    kube-apiserver) version=$KUBERNETES_VERSION ;;
    source-controller)
      version=$SOURCE_CONTROLLER_VERSION
      replaces=${SOURCE_CONTROLLER_REPLACES:-}
      suffix=${SOURCE_CONTROLLER_CACHE_SUFFIX:-}
      ;;
    kustomize-controller) version=$KUSTOMIZE_CONTROLLER_VERSION ;;
    *) echo "peers: unknown cluster peer '$name' (known: kube-apiserver source-controller kustomize-controller)" >&2; return 2 ;;
  esac
  if [ -x "$(bin_path "$name" "$version$suffix")" ]; then
    echo "peers: $name $version$suffix already built ($(bin_path "$name" "$version$suffix"))"
    return 0
  fi
  case "$name" in
    kube-apiserver) build_kube_apiserver ;;
    *) build_flux_controller "$name" "$version" "$replaces" "$suffix" ;;
  esac
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(source-controller kustomize-controller kube-apiserver)
total_started=$(date +%s)
failed=()
for n in "${names[@]}"; do
  build_one "$n" || failed+=("$n")
done
echo "peers: cluster peers done in $(( $(date +%s) - total_started ))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "peers: FAILED: ${failed[*]}" >&2
  exit 1
fi
