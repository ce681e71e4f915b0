#!/usr/bin/env bash
# The benchmark harness still works: `tools/bench/run --smoke` builds its
# helpers, runs every measurement once and tiny (under a minute), and fails
# when a helper does not build or a measurement comes back empty. The
# numbers themselves are not judged here (see BENCHMARKS.md).
source "$(dirname "$0")/lib.sh"
log=$WORK/bench.log
t0=$SECONDS
"$ROOT/tools/bench/run" --smoke >"$log" 2>&1 || { tail -n 40 "$log"; fail "tools/bench/run --smoke failed"; }
for table in "Per-call overhead" "Pipeline throughput" "Time to first event" "Tracer memory" \
             "User-space cost per record"; do
  grep -q "### .*$table" "$log" || { cat "$log"; fail "no '$table' table"; }
done
for row in "| floor " "| mcp-bpftrace " "| bpftrace " "| in-process span (Node.js) "; do
  grep -qF "$row" "$log" || { cat "$log"; fail "overhead table has no '$row' row"; }
done
grep -q "records+dropped = calls" "$log" || fail "throughput table lost its accounting column"
! grep -qE '\| NO +\|' "$log" || { cat "$log"; fail "records + dropped != calls made"; }
[ $((SECONDS - t0)) -lt 90 ] || fail "smoke run took $((SECONDS - t0))s"
note "bench smoke: $(grep -F '| mcp-bpftrace ' "$log" | head -1 | tr -s ' ')"
