# Versions of the Go-built peers (sourced by build.sh; test/peers/goPeers.ts mirrors them).
FLUX_VERSION=v2.9.4
DISTRIBUTION_VERSION=v3.1.2
GGCR_VERSION=v0.22.1
ORAS_VERSION=v1.3.6
COSIGN_VERSION=v3.0.6
