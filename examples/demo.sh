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
tmp=$(mktemp -d)
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port prints a loopback port nothing listens on, from the dynamic
# range, avoiding the ports already handed out.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((49152 + RANDOM % 16384))
    if [[ " ${used[*]-} " != *" $p "* ]] && ! listening "$p"; then used+=("$p"); echo "$p"; return 0; fi
  done
  echo "demo: cannot find a free port on 127.0.0.1" >&2
  return 1
}

start() { # name port
  if listening "$2"; then
    echo "demo: 127.0.0.1:$2 is busy: something else listens there, and crossplane render would talk to it instead of $1" >&2
    exit 1
  fi
  "$BIN/$1" --insecure --address "127.0.0.1:$2" --metrics-address "" >"_output/$1.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    # Our process must still run once the port answers: had another
    # process taken the port meanwhile, ours would have failed to bind.
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "demo: $1 exited on 127.0.0.1:$2; see _output/$1.log:" >&2
      tail -n 5 "_output/$1.log" >&2
      exit 1
    fi
    listening "$2" && kill -0 "$pid" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "demo: $1 did not start on 127.0.0.1:$2; see _output/$1.log" >&2
  exit 1
}

# Ports: COMPOSER_PORT and BILLING_PORT, or free ones.
used=()
composer_port=${COMPOSER_PORT:-$(free_port)}
billing_port=${BILLING_PORT:-$(free_port)}
start function-cloudspace "$composer_port"
start function-cloudspace-billing "$billing_port"
echo "# function-cloudspace on 127.0.0.1:$composer_port, function-cloudspace-billing on 127.0.0.1:$billing_port" >&2

# The required resources: REQUIRED, or the team quota and a spend record
# the billing ingester makes of an export of this month up to today, so
# that the billing data is never stale by accident. The composite resource
# is among them too, as Crossplane sends it from its cache: admission waits
# for a view of the team's spaces that includes the space itself.
required=$tmp/required
mkdir -p "$required"
cp "$XR" "$required/xr.yaml"
if [ -n "${REQUIRED:-}" ]; then
  cp "$REQUIRED" "$required/required.yaml"
else
  "${GO:-go}" run ./internal/cmd/demodata -space "$(sed -n 's/^  name: *//p' "$XR" | head -n 1)" -o "$required/required.yaml"
fi

# The functions file with the ports the functions listen on.
sed -e "s/127\.0\.0\.1:9443/127.0.0.1:$composer_port/" -e "s/127\.0\.0\.1:9444/127.0.0.1:$billing_port/" \
  examples/functions.yaml >"$tmp/functions.yaml"

args=("$XR" compositions/xcloudspace.yaml "$tmp/functions.yaml"
  --xrd xrds/xcloudspaces.platform.cloudspace.dev.yaml --include-function-results
  --required-resources "$required")
[ -f "${OBSERVED:-examples/observed.yaml}" ] && args+=(--observed-resources "${OBSERVED:-examples/observed.yaml}")
echo "# crossplane render ${args[*]}" >&2
"$CROSSPLANE" render "${args[@]}"
