#!/usr/bin/env bash
# make demo: start the functions on loopback with --insecure, render the
# example XCloudSpace through the Composition with crossplane render, print
# the composed resources and the XR status, and stop the functions.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=_output/bin
CROSSPLANE=${CROSSPLANE:-$BIN/crossplane}
XR=${XR:-examples/xr.yaml}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start() { # name port
  "$BIN/$1" --insecure --address "127.0.0.1:$2" --metrics-address "" >"_output/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "demo: $1 did not start; see _output/$1.log" >&2
  exit 1
}

start function-cloudspace 9443
start function-cloudspace-billing 9444

args=("$XR" compositions/xcloudspace.yaml examples/functions.yaml
  --xrd xrds/xcloudspaces.platform.cloudspace.dev.yaml --include-function-results
  --required-resources examples/required.yaml)
[ -f "${OBSERVED:-examples/observed.yaml}" ] && args+=(--observed-resources "${OBSERVED:-examples/observed.yaml}")
echo "# crossplane render ${args[*]}" >&2
"$CROSSPLANE" render "${args[@]}"
