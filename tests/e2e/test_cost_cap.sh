#!/usr/bin/env bash
# --max-overhead (issue 16): a hot loop whose inner calls cost it most of
# its CPU time ends under the cap, the bindings taken off named on stderr,
# in the summary and in mcp_bpftrace_detached_bindings_total, the point
# first, then the inner span; the outer span keeps its probes and its
# count equals the target's ledger exactly. Without the option nothing is
# taken off and every count is exact.
source "$(dirname "$0")/lib.sh"

HOT=$WORK/cost-hot
gcc -std=gnu11 -O2 -g -fno-omit-frame-pointer -rdynamic -o "$HOT" "$ROOT/tests/progs/cost_hot.c" || fail "cannot build cost-hot"
MAP=$ROOT/tests/progs/cost_hot.probes

# calls FUNCTION LOG: the CALLS column of the summary's row for FUNCTION.
calls() { awk -v f="$1" '$2 == f && $3 ~ /^[0-9]+$/ { print $3 }' "$2"; }
# ledger KEY LOG: KEY=VALUE from the target's output.
ledger() { sed -n "s/^$1=//p" "$2"; }
# metric NAME OTLP KEY VALUE: the last exported value of NAME{KEY=VALUE}, or "none".
metric() {
  python3 - "$@" <<'PY'
import json, sys
name, path, key, val = sys.argv[1:5]
last = "none"
for line in open(path):
    if '"resourceMetrics"' not in line:
        continue
    for rm in json.loads(line)["resourceMetrics"]:
        for sm in rm.get("scopeMetrics", []):
            for m in sm.get("metrics", []):
                if m["name"] != name:
                    continue
                for dp in m.get("sum", {}).get("dataPoints", []):
                    attrs = {a["key"]: list(a["value"].values())[0] for a in dp.get("attributes", [])}
                    if str(attrs.get(key)) == val:
                        last = dp.get("asDouble", dp.get("asInt"))
print(last)
PY
}

# 1. Without the cap: nothing is detached, every count is exact.
"$TRACER" -P "$MAP" --sources uprobe --no-top -o "$WORK/free.jsonl" -- "$HOT" --seconds 3 --inner 200 >"$WORK/free.log" 2>&1 ||
  { cat "$WORK/free.log"; fail "tracer failed without --max-overhead"; }
for f in cost_batch:batches cost_step:steps cost_tick:ticks; do
  got=$(calls "${f%%:*}" "$WORK/free.log") want=$(ledger "${f#*:}" "$WORK/free.log")
  [ -n "$want" ] && [ "$got" = "$want" ] || { cat "$WORK/free.log"; fail "${f%%:*}: $got calls traced, the target made $want"; }
done
grep -q "detached" "$WORK/free.log" && { cat "$WORK/free.log"; fail "a binding was detached without --max-overhead"; }
grep -qE "^cost to the target: pid [0-9]+: [0-9.]+ ms CPU over the run, [0-9.]+ % of its CPU time" "$WORK/free.log" ||
  { cat "$WORK/free.log"; fail "no cost line in the summary"; }
note "no cap: $(ledger batches "$WORK/free.log") batches, every count exact; $(grep '^cost to the target' "$WORK/free.log")"

# 2. --max-overhead 5: 20 s, the cap acts after ~5 s; the last 10 s are under it.
"$TRACER" -P "$MAP" --sources uprobe --no-top --max-overhead 5 -o "$WORK/cap.jsonl" -- "$HOT" --seconds 20 --inner 500 \
  >"$WORK/cap.log" 2>&1 || { cat "$WORK/cap.log"; fail "tracer failed with --max-overhead 5"; }
msg=$(grep -- "--max-overhead 5%: pid" "$WORK/cap.log") || { cat "$WORK/cap.log"; fail "no --max-overhead message on stderr"; }
[ "$(grep -c -- "--max-overhead 5%: pid" "$WORK/cap.log")" -ge 1 ] || fail "the decision was not said"
# The point goes first, then the inner span; the outer span stays.
echo "$msg" | grep -qE "detached cost_tick \(workflow_branch, point, [0-9.]+% of its CPU time\), cost_step \(workflow_step, span" ||
  { echo "$msg"; fail "not the point first, then the inner span"; }
echo "$msg" | grep -q "cost_batch" && { echo "$msg"; fail "the outer span was detached"; }
grep -q "^detached by --max-overhead 5%: cost_tick, cost_step$" "$WORK/cap.log" ||
  { cat "$WORK/cap.log"; fail "the summary does not name the detached bindings"; }
recent=$(sed -n 's/^cost to the target: pid [0-9]*: .*last 10 s: \([0-9.]*\) %$/\1/p' "$WORK/cap.log")
[ -n "$recent" ] || { cat "$WORK/cap.log"; fail "no share over the last 10 s in the summary"; }
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 5 else 1)" "$recent" ||
  { cat "$WORK/cap.log"; fail "the share over the last 10 s is $recent %, above the cap of 5 %"; }
# What stays attached keeps its exact count.
got=$(calls cost_batch "$WORK/cap.log") want=$(ledger batches "$WORK/cap.log")
[ -n "$want" ] && [ "$got" = "$want" ] || { cat "$WORK/cap.log"; fail "cost_batch: $got calls traced, the target made $want"; }
# ... and fewer of the detached ones than were made.
[ "$(calls cost_step "$WORK/cap.log")" -lt "$(ledger steps "$WORK/cap.log")" ] || fail "cost_step was not detached"
for b in cost_tick cost_step; do
  [ "$(metric mcp_bpftrace_detached_bindings_total "$WORK/cap.jsonl" binding $b)" = 1 ] ||
    fail "mcp_bpftrace_detached_bindings_total{binding=$b} is not 1"
done
[ "$(metric mcp_bpftrace_detached_bindings_total "$WORK/cap.jsonl" binding cost_batch)" = none ] ||
  fail "mcp_bpftrace_detached_bindings_total counts cost_batch"
note "--max-overhead 5: ${msg#mcp-bpftrace: }"
note "last 10 s: $recent % of its CPU time; cost_batch $got = $want calls"
