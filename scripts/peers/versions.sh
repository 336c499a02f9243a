# Versions of the Go-built peers (sourced by build.sh; test/peers/goPeers.ts mirrors them).
FLUX_VERSION=v2.9.4
DISTRIBUTION_VERSION=v3.1.2
GGCR_VERSION=v0.22.1
ORAS_VERSION=v1.3.6
COSIGN_VERSION=v3.0.6
# helm packages and pushes real chart artifacts for the values-help stories (issue 15); the Go module
# proxy serves helm.sh/helm/v4 and `go install` works (no replace directives).
HELM_VERSION=v4.2.2
# notation-go, the library source-controller v1.9.4 links for provider: notation; the notation CLI
# module is refused by the Go module proxy (403), so scripts/peers/notation-peer wraps the library.
NOTATION_GO_VERSION=v1.3.2
# Bumped when notation-peer/main.go changes, so a cached older build is not reused.
NOTATION_PEER_SUFFIX=-r2
# MinIO, the S3-compatible server the Bucket tests list (source-controller talks to it with minio-go).
# Its releases are git tags (RELEASE.2025-10-15T17-29-55Z), not module versions; the Go module proxy
# here refuses tag and commit queries (403) and serves only this pseudo-version (master of 2026-02-12,
# after that final release), so it is the pin. `go install` works: its go.mod has no replace directives.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# Cluster peers (scripts/peers/build-cluster.sh; test/peers/controlPlane.ts). Flux 2.9.4 pins the
# controllers at v1.9.4, which use k8s.io/api v0.36.2, hence kube-apiserver v1.36.2.
KUBERNETES_VERSION=v1.36.2
SOURCE_CONTROLLER_VERSION=v1.9.4
# source-controller v1.9.4 requires github.com/fluxcd/pkg/artifact v0.18.2, which the Go module proxy
# refuses (403 "not available"; so are v0.18.3+). v0.18.1 is served and compiles against v1.9.4, so the
# build pins it with a replace and the cache folder carries the suffix (see build-cluster.sh).
SOURCE_CONTROLLER_REPLACES="github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@v0.18.1"
SOURCE_CONTROLLER_CACHE_SUFFIX=+artifact-v0.18.1
KUSTOMIZE_CONTROLLER_VERSION=v1.9.4
# actionlint checks the GitHub workflows `flux-oci init ci` writes (issue 17); `go install` works.
ACTIONLINT_VERSION=v1.7.12
# kubeconform, the Kubernetes manifest validator bench:workspace runs beside `flux-oci check` on the same
# generated tree (issue 18), with Flux JSON schemas generated from the CRDs; `go install` works.
KUBECONFORM_VERSION=v0.8.0
# gitlab-ci-local (an npm package, fetched with npm pack): validates the .gitlab-ci.yml `flux-oci init ci`
# writes against GitLab's published CI JSON schema with ajv (issue 17).
GITLAB_CI_LOCAL_VERSION=4.75.1
