#!/usr/bin/env bash
# make load: build function-cloudspace and loadgen, start the function on
# loopback with --insecure, and drive it over gRPC at each concurrency:
# first Crossplane's first reconcile of a space, then its steady state
# (-steady: every composed resource observed and ready). Arguments are
# passed to loadgen on both passes, e.g. -spaces 1000 for the cold path.
#
# Environment: DURATION (10s) and WARMUP (2s) per concurrency, CONCURRENCY
# (1,4,64), PORT (19443, or the next free one).
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=_output/bin
LOG=_output/load/function-cloudspace.log
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONCURRENCY=${CONCURRENCY:-1,4,64}
PORT=${PORT:-19443}
GO=${GO:-go}

mkdir -p "$BIN" "$(dirname "$LOG")"
echo "go build function-cloudspace loadgen" >&2
"$GO" build -trimpath -o "$BIN/function-cloudspace" ./functions/cloudspace
"$GO" build -trimpath -o "$BIN/loadgen" ./internal/cmd/loadgen

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

first=$PORT
while listening "$PORT"; do
  PORT=$((PORT + 1))
  if ((PORT > first + 50)); then
    echo "load: no free port in 127.0.0.1:$first-$PORT" >&2
    exit 1
  fi
done

# Metrics stay on, as in production, on the next port.
METRICS_PORT=$((PORT + 1))
while listening "$METRICS_PORT"; do METRICS_PORT=$((METRICS_PORT + 1)); done
"$BIN/function-cloudspace" --insecure --address "127.0.0.1:$PORT" --metrics-address "127.0.0.1:$METRICS_PORT" >"$LOG" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT

for _ in $(seq 100); do
  listening "$PORT" && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "load: function-cloudspace exited; see $LOG" >&2
    exit 1
  fi
  sleep 0.1
done
listening "$PORT" || { echo "load: function-cloudspace did not listen on 127.0.0.1:$PORT; see $LOG" >&2; exit 1; }

args=(-address "127.0.0.1:$PORT" -pid "$pid" -concurrency "$CONCURRENCY" -duration "$DURATION" -warmup "$WARMUP")
echo "# first reconcile: loadgen ${args[*]}${*:+ $*}"
"$BIN/loadgen" "${args[@]}" "$@"
echo
echo "# first reconcile, responses counted but not decoded (the function without its caller's share): loadgen ${args[*]} -decode=false${*:+ $*}"
"$BIN/loadgen" "${args[@]}" -decode=false "$@"
echo
echo "# steady state: loadgen ${args[*]} -steady${*:+ $*}"
"$BIN/loadgen" "${args[@]}" -steady "$@"
