module github.com/flux-oci/flux-oci/tools/sourceignore-oracle

go 1.26.0

require github.com/fluxcd/pkg/sourceignore v0.18.0
