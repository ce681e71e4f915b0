#!/usr/bin/env bash
# The cost of a Node.js function bound by name (README, "Node.js functions"):
# ns per call of C.prototype.work while the tracer has it wrapped (--inject,
# --sources node) against the same while not, and of C.prototype.other,
# never bound, in both phases; one node process, so the ratios hold on a
# shared machine. Usage: sudo tools/bench/node_cost.sh [SECONDS_TRACED]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TRACER=$ROOT/${BUILD:-build}/mcp-bpftrace
DIR=$ROOT/tools/bench/node_fn
secs=${1:-4}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
(cd "$DIR" && exec node bench.js $((secs + 6)) >"$out" 2>/dev/null) &
pid=$!
until grep -q ready "$out"; do sleep 0.05; done
sleep 2 # plain rounds first
"$TRACER" --sources node -P "$DIR/bench.probes" --inject --pid "$pid" -d "$secs" --no-summary >/dev/null 2>&1
wait "$pid"
grep -v ready "$out"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
