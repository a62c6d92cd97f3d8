#!/usr/bin/env bash
# make load: build function-cloudspace, the function that does nothing
# (internal/cmd/noop) and loadgen, start the functions on loopback with
# --insecure, and drive them over gRPC with 4,096 distinct spaces in turn,
# taking turns at each concurrency: Crossplane's first reconcile of each
# space, then its steady state (everything observed), then each function
# alone at concurrency 64 with its memory sampled. Arguments are passed to
# loadgen, e.g. -spaces 8192 or -phases steady.
#
# function-patch-and-transform is measured beside them when PT_FUNCTION
# names its binary. The Go module proxy does not serve its module, so this
# repository cannot pin and build it; build it from its own repository
# (github.com/crossplane-contrib/function-patch-and-transform, v0.9.3 was
# measured) and point PT_FUNCTION at the binary. loadgen generates the
# Composition it is run with (-write-pt writes it out).
#
# Environment: DURATION (5s) and WARMUP (1s) per turn, ROUNDS (3),
# CONCURRENCY (1,4,64), SOAK (60s), PORT (19443, or the next free ones),
# PT_FUNCTION (unset: skipped).
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=_output/bin
LOGS=_output/load
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-1,4,64}
SOAK=${SOAK:-60s}
PORT=${PORT:-19443}
GO=${GO:-go}

mkdir -p "$BIN" "$LOGS"
echo "go build function-cloudspace noop loadgen" >&2
"$GO" build -trimpath -o "$BIN/function-cloudspace" ./functions/cloudspace
"$GO" build -trimpath -o "$BIN/function-noop" ./internal/cmd/noop
"$GO" build -trimpath -o "$BIN/loadgen" ./internal/cmd/loadgen

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free returns the first port from $1 nobody listens on.
free() {
  local p=$1
  while listening "$p"; do
    p=$((p + 1))
    if ((p > $1 + 50)); then
      echo "load: no free port in 127.0.0.1:$1-$p" >&2
      exit 1
    fi
  done
  echo "$p"
}

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

# start name port args...: start a function on 127.0.0.1:port and wait for
# it to listen. Its PID is in started.
start() {
  local name=$1 port=$2
  shift 2
  "$@" --insecure --address "127.0.0.1:$port" >"$LOGS/$name.log" 2>&1 &
  started=$!
  pids+=("$started")
  for _ in $(seq 100); do
    listening "$port" && return 0
    if ! kill -0 "$started" 2>/dev/null; then
      echo "load: $name exited; see $LOGS/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "load: $name did not listen on 127.0.0.1:$port; see $LOGS/$name.log" >&2
  exit 1
}

port=$(free "$PORT")
# Metrics stay on, as in production, on the next port.
metrics=$(free $((port + 1)))
start function-cloudspace "$port" "$BIN/function-cloudspace" --metrics-address "127.0.0.1:$metrics"
args=(-composer "127.0.0.1:$port" -composer-pid "$started")

port=$(free $((metrics + 1)))
start function-noop "$port" "$BIN/function-noop" --metrics-address ""
args+=(-noop "127.0.0.1:$port" -noop-pid "$started")

if [ -n "${PT_FUNCTION:-}" ]; then
  port=$(free $((port + 1)))
  start function-patch-and-transform "$port" "$PT_FUNCTION"
  args+=(-pt "127.0.0.1:$port" -pt-pid "$started" -write-pt "$LOGS/pt-composition.yaml")
else
  echo "load: PT_FUNCTION is not set: function-patch-and-transform is not measured" >&2
fi

args+=(-concurrency "$CONCURRENCY" -duration "$DURATION" -warmup "$WARMUP" -rounds "$ROUNDS" -soak "$SOAK")
echo "# loadgen ${args[*]}${*:+ $*}"
"$BIN/loadgen" "${args[@]}" "$@"
