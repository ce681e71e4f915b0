#!/usr/bin/env bash
# --list shows what can be bound and proposes a probe map that loads.
source "$(dirname "$0")/lib.sh"
"$TRACER" --list -- "$DEMO" > "$WORK/list.probes" || fail "--list failed"
for op in agent_collaboration model_routing model_inference workflow_step plan_validation feedback_loop; do
  grep -qE "^span $op mcp_$op\$" "$WORK/list.probes" || fail "--list did not propose $op"
done
for op in model_cache_hit workflow_retry; do
  grep -qE "^point $op mcp_$op\$" "$WORK/list.probes" || fail "--list did not propose point $op"
done
grep -q "usdt:mcp_demo:cache_hit (semaphore)" "$WORK/list.probes" || fail "--list missed the USDT probes"
# The proposal is a valid probe map as it stands.
"$TRACER" -P "$WORK/list.probes" --no-summary -- "$DEMO" --ops 50 >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; fail "proposed map does not load"; }
# And for a running process, with runtime addresses (PIE bias applied).
"$DEMO" --wait-signal 2>/dev/null & dpid=$!; bg $dpid
sleep 0.3
"$TRACER" --list --pid $dpid > "$WORK/pid.list" || fail "--list --pid failed"
addr=$(awk '$2=="mcp_model_routing"{print $4}' "$WORK/pid.list")
start=$(awk -v exe="$(readlink /proc/$dpid/exe)" '$6==exe && $2 ~ /x/ {split($1,a,"-"); print a[1]; exit}' /proc/$dpid/maps)
python3 -c "import sys; a=int(sys.argv[1],16); s=int(sys.argv[2],16); assert a > s, (hex(a), hex(s))" "$addr" "$start" ||
  fail "runtime address $addr is not inside the mapped executable ($start)"
note "--list: proposals ok, runtime address $addr"
