# CloudSpace. `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help

GO          ?= go
OUTPUT      := _output
BIN         := $(OUTPUT)/bin
CROSSPLANE  ?= $(BIN)/crossplane
CROSSPLANE_VERSION := v2.2.0
FUNCTIONS   := cloudspace cloudspace-billing

export GOFLAGS ?= -buildvcs=false

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_%\/$$()-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: demo
demo: build $(CROSSPLANE) ## Render the example claim through both functions running locally (no cluster).
	@bash examples/demo.sh

.PHONY: render
render: demo ## Same as demo.

.PHONY: test
test: tools verify lint unit e2e ## Run every test: generated files, lint, unit and fuzz seeds, golden render cases, end to end.

.PHONY: unit
unit: tools ## Run the unit, fuzz-seed and golden render tests (no control plane) with the race detector, and the monitoring examples' tests.
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	cd test/monitoring && $(GO) test -count=1 ./...

# What the binaries report with --version (XPKG_VERSION and XPKG_COMMIT are
# set in package/xpkg.mk).
VERSION_LDFLAGS = -X github.com/cloudspace-dev/cloudspace/internal/version.version=$(XPKG_VERSION) $(if $(XPKG_COMMIT),-X github.com/cloudspace-dev/cloudspace/internal/version.commit=$(XPKG_COMMIT))

.PHONY: build
build: ## Build the function binaries into _output/bin.
	@mkdir -p $(BIN)
	@for f in $(FUNCTIONS); do echo "go build function-$$f"; $(GO) build -trimpath -ldflags "$(VERSION_LDFLAGS)" -o $(BIN)/function-$$f ./functions/$$f || exit 1; done

.PHONY: tools
tools: $(CROSSPLANE) ## Build the crossplane CLI from the tools module (skipped when present).

$(CROSSPLANE): test/tools/go.mod
	@mkdir -p $(BIN)
	@if [ -x $(CROSSPLANE) ] && $(CROSSPLANE) version --client 2>/dev/null | grep -q $(CROSSPLANE_VERSION); then \
	  touch $(CROSSPLANE); else \
	  echo "building the crossplane CLI $(CROSSPLANE_VERSION) (about 4 minutes on 2 cores)"; \
	  cd test/tools && $(GO) build -trimpath -ldflags "-s -w -X github.com/crossplane/crossplane/v2/internal/version.version=$(CROSSPLANE_VERSION)" \
	    -o $(abspath $(CROSSPLANE)) github.com/crossplane/crossplane/v2/cmd/crank; fi

.PHONY: generate
generate: ## Regenerate the XRD and input CRDs from the Go types in apis/.
	$(GO) run ./internal/cmd/generate

.PHONY: verify
verify: ## Fail when generated files drift from apis/, go.mod is untidy or Go files are unformatted.
	$(GO) run ./internal/cmd/generate -check
	$(GO) mod tidy -diff
	cd test/monitoring && $(GO) mod tidy -diff
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

GOLANGCI_LINT ?= $(BIN)/golangci-lint
GOLANGCI_LINT_VERSION := 2.15.0

$(GOLANGCI_LINT): test/tools/lint/go.mod
	@mkdir -p $(BIN)
	@if [ -x $@ ] && $@ version 2>/dev/null | grep -q $(GOLANGCI_LINT_VERSION); then touch $@; else \
	  echo "building golangci-lint $(GOLANGCI_LINT_VERSION)"; \
	  cd test/tools/lint && $(GO) build -trimpath -o $(abspath $@) github.com/golangci/golangci-lint/v2/cmd/golangci-lint; fi

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (.golangci.yml) over every package, e2e included.
	$(GOLANGCI_LINT) run --allow-parallel-runners ./...

.PHONY: validate
validate: tools ## Validate rendered managed resources against the provider-aws CRDs (part of make test).
	$(GO) test -count=1 ./test/render/

.PHONY: bench
bench: bench-go bench-duckdb ## Run the Go benchmarks, then the billing ingester side by side with DuckDB.

.PHONY: bench-go
bench-go: build ## Run the Go benchmarks; BILLING_BENCH_BYTES=1073741824 ingests a generated 1 GiB export.
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The side-by-side benchmark of issue 12: a FOCUS export shaped like a real
# one (BENCH_BYTES of CSV, and the same rows as Parquet) generated once into
# BENCH_DIR, ingested BENCH_RUNS times by function-cloudspace-billing and by
# DuckDB in turn. DuckDB comes from npm.
BENCH_DIR   ?= $(OUTPUT)/bench
BENCH_BYTES ?= 1073741824
BENCH_RUNS  ?= 5
DUCKDB_NODE_API := 1.5.6-r.1

$(BENCH_DIR)/duckdb/.installed-$(DUCKDB_NODE_API):
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "bench-duckdb needs Node.js 20 or later and npm (apt-get install nodejs npm)"; exit 1; }
	@mkdir -p $(BENCH_DIR)/duckdb
	npm install --prefix $(BENCH_DIR)/duckdb --no-audit --no-fund @duckdb/node-api@$(DUCKDB_NODE_API)
	@touch $@

.PHONY: bench-duckdb
bench-duckdb: build $(BENCH_DIR)/duckdb/.installed-$(DUCKDB_NODE_API) ## Time the billing ingester and DuckDB on the same generated export, CSV and Parquet; fail when their totals differ.
	@test -x /usr/bin/time || { echo "bench-duckdb needs GNU time for the peak RSS (apt-get install time)"; exit 1; }
	$(GO) run ./internal/cmd/billingbench -bytes $(BENCH_BYTES) -runs $(BENCH_RUNS) -dir $(BENCH_DIR) \
	  -bin $(BIN)/function-cloudspace-billing -modules $(BENCH_DIR)/duckdb/node_modules -script test/bench/duckdb.mjs

.PHONY: report-example
report-example: ## Redraw examples/report/space-checkout.png from the report test's example export (review the picture).
	$(GO) test -count=1 ./internal/billing/cli/ -run '^TestReportExample$$' -update

.PHONY: load
load: ## Drive function-cloudspace over gRPC at concurrency 1, 4 and 64 and print latency and throughput.
	@bash test/load/run.sh $(LOAD_ARGS)

.PHONY: clean
clean: ## Remove build output.
	rm -rf $(OUTPUT)

-include package/xpkg.mk

# --- End to end -------------------------------------------------------------
E2E_DIR ?= $(OUTPUT)/e2e
K8S_LDFLAGS := -s -w $(foreach kv,gitMajor=1 gitMinor=35 gitVersion=v1.35.4 gitTreeState=clean,-X k8s.io/component-base/version.$(kv))

$(BIN)/kube-apiserver $(BIN)/kube-controller-manager $(BIN)/kubectl: test/e2e/tools/go.mod
	@mkdir -p $(BIN)
	@if [ -x $@ ] && { $@ --version 2>/dev/null || $@ version --client 2>/dev/null; } | grep -q v1.35.4; then touch $@; else \
	  echo "building $(notdir $@) v1.35.4 (a few minutes on 2 cores)"; \
	  cd test/e2e/tools && $(GO) build -trimpath -ldflags "$(K8S_LDFLAGS)" -o $(abspath $@) k8s.io/kubernetes/cmd/$(notdir $@); fi

$(BIN)/crossplane-core: test/tools/go.mod
	@mkdir -p $(BIN)
	@if [ -x $@ ] && $@ --version 2>/dev/null | grep -q $(CROSSPLANE_VERSION); then touch $@; else \
	  echo "building Crossplane core $(CROSSPLANE_VERSION)"; \
	  cd test/tools && $(GO) build -trimpath -ldflags "-s -w -X github.com/crossplane/crossplane/v2/internal/version.version=$(CROSSPLANE_VERSION)" \
	    -o $(abspath $@) github.com/crossplane/crossplane/v2/cmd/crossplane; fi

.PHONY: e2e-tools
e2e-tools: $(BIN)/kube-apiserver $(BIN)/kube-controller-manager $(BIN)/kubectl $(BIN)/crossplane-core ## Build the e2e control plane (kube-apiserver, kube-controller-manager, the kubectl of the same release, Crossplane core) and install etcd.
	@command -v etcd >/dev/null || { apt-get update -qq && apt-get install -y -qq etcd-server; }

# The packages the e2e installs: make xpkg's build for the placeholder host,
# for this machine's architecture, at a fixed version the configuration pins
# its functions to. The provider packages are built in the test from these
# provider modules' package metadata and CRDs.
E2E_XPKG_OUT     ?= $(OUTPUT)/e2e-xpkg
E2E_XPKG_VERSION := v0.1.0-e2e
E2E_PROVIDER_KUBERNETES_VERSION := $(shell sed -n 's/^\tProviderKubernetesVersion = "\(.*\)"$$/\1/p' internal/gomod/pins.go)

.PHONY: e2e-xpkg
e2e-xpkg: $(CROSSPLANE) ## Build the packages the e2e installs into E2E_XPKG_OUT.
	$(GO) run ./internal/cmd/xpkg build --out $(E2E_XPKG_OUT) --crossplane $(CROSSPLANE) \
	  --platforms linux/$$($(GO) env GOARCH) --version $(E2E_XPKG_VERSION)

.PHONY: e2e
e2e: build e2e-tools e2e-xpkg ## Run the end-to-end test on a real control plane in a private network namespace.
	@rm -rf $(E2E_DIR) && mkdir -p $(E2E_DIR)
	$(GO) test -c -tags e2e -o $(BIN)/e2e.test ./test/e2e
	@set -o pipefail; status=0; \
	  E2E_DIR=$(abspath $(E2E_DIR)) E2E_BIN=$(abspath $(BIN)) PATH=$(abspath $(BIN)):$$PATH \
	  E2E_XPKG_OUT=$(abspath $(E2E_XPKG_OUT)) E2E_XPKG_VERSION=$(E2E_XPKG_VERSION) \
	  E2E_PROVIDER_AWS=$$($(GO) mod download github.com/upbound/provider-aws/v2 && $(GO) list -m -f '{{.Dir}}' github.com/upbound/provider-aws/v2) \
	  E2E_PROVIDER_AWS_VERSION=$$($(GO) list -m -f '{{.Version}}' github.com/upbound/provider-aws/v2) \
	  E2E_PROVIDER_KUBERNETES=$$($(GO) mod download -json github.com/crossplane-contrib/provider-kubernetes@$(E2E_PROVIDER_KUBERNETES_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p') \
	  E2E_PROVIDER_KUBERNETES_VERSION=$(E2E_PROVIDER_KUBERNETES_VERSION) \
	  E2E_CROSSPLANE_CRDS=$$($(GO) mod download github.com/crossplane/crossplane/v2 && $(GO) list -m -f '{{.Dir}}' github.com/crossplane/crossplane/v2)/cluster/crds \
	  unshare --net -- bash -c 'ip link set lo up && cd test/e2e && exec $(abspath $(BIN))/e2e.test -test.v -test.timeout 20m' || status=$$?; \
	  if [ -f $(E2E_DIR)/pids ]; then xargs -r kill -9 < $(E2E_DIR)/pids 2>/dev/null || true; fi; \
	  exit $$status
