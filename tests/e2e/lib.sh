# Shared helpers for the end-to-end tests. Source it; it sets -eu, a work
# directory that is removed at exit, and the paths of what `make` built.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=$ROOT/${BUILD:-build} # `make e2e BUILD=dir` tests another build
TRACER=$BUILD_DIR/mcp-bpftrace
DEMO=$BUILD_DIR/mcp-demo
PROBES=$ROOT/tools/mcp-demo/mcp-demo.probes
USDT_PROBES=$ROOT/tools/mcp-demo/mcp-demo-usdt.probes
CHECK="python3 $ROOT/tests/e2e/check_ledger.py"
WORK=$(mktemp -d /tmp/mcp-e2e.XXXXXX)
_bg_pids=()
cleanup() {
  for p in "${_bg_pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }
bg() { _bg_pids+=("$1"); }

# Waits until FILE contains PATTERN (grep -E) or SECONDS pass.
wait_for() { # file pattern seconds
  local end=$((SECONDS + ${3:-10}))
  until grep -qE "$2" "$1" 2>/dev/null; do
    [ $SECONDS -ge $end ] && return 1
    sleep 0.05
  done
}

# Runs the demo under the tracer and checks the export against the ledger.
# Usage: [TRACER_ARGS="..."] trace_and_check NAME PROBEMAP DEMO-ARGS...
trace_and_check() {
  local name=$1 map=$2; shift 2
  local out=$WORK/$name.jsonl led=$WORK/$name.ledger.json log=$WORK/$name.log
  # shellcheck disable=SC2086 # TRACER_ARGS: several words
  "$TRACER" ${TRACER_ARGS:-} -P "$map" --otlp-file "$out" -- "$DEMO" "$@" --ledger "$led" >"$log" 2>&1 ||
    { cat "$log"; fail "$name: tracer exited with $?"; }
  grep -q "dropped 0 (ring buffer full)" "$log" || { cat "$log"; fail "$name: records were dropped"; }
  $CHECK --ledger "$led" --otlp "$out" >"$WORK/$name.check" 2>&1 ||
    { tail -n 30 "$WORK/$name.check"; fail "$name: export differs from the ledger ($*)"; }
  note "$name: $(tail -n 1 "$WORK/$name.check") ($*)"
}
