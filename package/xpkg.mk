# Crossplane packages, built without a Docker engine. The root Makefile
# includes this file; it defines GO, CROSSPLANE and the $(CROSSPLANE) target
# that builds the crossplane CLI. See package/README.md.

GO ?= go

# Where packages go: $(XPKG_OUT)/xpkg/*.xpkg. Binaries, runtime image
# tarballs and staged package roots go next to them.
XPKG_OUT ?= _output

# Platforms of the function packages, one package file per architecture.
XPKG_PLATFORMS ?= linux/amd64,linux/arm64

# Packages to build and push, comma-separated; empty means all of them:
# function-cloudspace, function-cloudspace-billing, configuration-cloudspace.
XPKG_PACKAGES ?=

# The version packages are pushed as, the OCI tag; a semantic version.
XPKG_VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo v0.1.0-dev.$$(git rev-parse --short=7 HEAD 2>/dev/null || echo 0))

# The commit the binaries report with --version, next to XPKG_VERSION.
XPKG_COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)

# Registry and repository prefix the packages are built for and pushed to:
# packages go to $(XPKG_REGISTRY)/<package>:$(XPKG_VERSION), and the
# configuration built by make xpkg depends on the functions there, pinned to
# $(XPKG_VERSION). The default is the repository's placeholder host, which
# nobody can push to: make publish wants a registry you own.
XPKG_REGISTRY ?= xpkg.cloudspace.dev

# Image timestamps: the commit time, so two builds of one commit give the
# same digests (https://reproducible-builds.org/specs/source-date-epoch/).
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH

ifneq ($(REGISTRY),)
$(error REGISTRY is now XPKG_REGISTRY: make publish XPKG_REGISTRY=$(REGISTRY))
endif
ifneq ($(filter publish,$(MAKECMDGOALS)),)
ifeq ($(XPKG_REGISTRY),xpkg.cloudspace.dev)
$(error publish: set XPKG_REGISTRY to a registry you own, e.g. make publish XPKG_REGISTRY=registry.example.com/platform)
endif
endif

XPKG_FLAGS = --out $(XPKG_OUT) --crossplane $(CROSSPLANE) --platforms $(XPKG_PLATFORMS) $(if $(XPKG_PACKAGES),--packages $(XPKG_PACKAGES)) \
  --registry $(XPKG_REGISTRY) --version $(XPKG_VERSION)
XPKG_BUILD_FLAGS = $(XPKG_FLAGS) $(if $(XPKG_COMMIT),--commit $(XPKG_COMMIT))

.PHONY: xpkg
xpkg: $(CROSSPLANE) ## Build the packages into _output/xpkg for XPKG_REGISTRY at XPKG_VERSION (no Docker).
	$(GO) run ./internal/cmd/xpkg build $(XPKG_BUILD_FLAGS)

.PHONY: publish
publish: xpkg ## Build and push the packages: make publish XPKG_REGISTRY=registry.example.com/platform [XPKG_VERSION=v0.1.0].
	$(GO) run ./internal/cmd/xpkg push $(XPKG_FLAGS)
