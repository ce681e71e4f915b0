#!/usr/bin/env bash
# --pid: attach to a running process that waits for SIGUSR1, then let it
# work; ledger equality. Then a target that exits mid-trace ends the trace
# cleanly, and --duration detaches from a target that keeps running.
source "$(dirname "$0")/lib.sh"

"$DEMO" --seed 13 --threads 3 --ops 3000 --wait-signal --ledger "$WORK/pid.ledger" 2>"$WORK/demo.err" &
dpid=$!; bg $dpid
wait_for "$WORK/demo.err" "waiting for SIGUSR1" 10 || fail "demo did not start"
"$TRACER" -P "$PROBES" --pid $dpid --otlp-file "$WORK/pid.jsonl" >"$WORK/t.log" 2>&1 &
tpid=$!; bg $tpid
wait_for "$WORK/t.log" "probes attached" 20 || { cat "$WORK/t.log"; fail "tracer did not attach"; }
kill -USR1 $dpid
wait $dpid || fail "demo failed"
wait $tpid || { cat "$WORK/t.log"; fail "tracer exited with $?"; }
grep -q "pid $dpid exited" "$WORK/t.log" || { cat "$WORK/t.log"; fail "no exit message"; }
$CHECK --ledger "$WORK/pid.ledger" --otlp "$WORK/pid.jsonl" > "$WORK/pid.check" || { tail "$WORK/pid.check"; fail "pid ledger"; }
note "pid attach: $(tail -n 1 "$WORK/pid.check")"

# Killed mid-trace: the tracer notices, exports what it has, exits 0.
"$DEMO" --duration 30 --rate 200 --threads 2 2>/dev/null &
dpid=$!; bg $dpid
sleep 0.3
"$TRACER" -P "$PROBES" --pid $dpid --otlp-file "$WORK/kill.jsonl" >"$WORK/k.log" 2>&1 &
tpid=$!; bg $tpid
wait_for "$WORK/k.log" "probes attached" 20 || fail "tracer did not attach"
sleep 1
kill -9 $dpid
wait $tpid || { cat "$WORK/k.log"; fail "tracer exited with $? after its target was killed"; }
grep -q "pid $dpid exited" "$WORK/k.log" || fail "no exit message for a killed target"
grep -q '"resourceMetrics"' "$WORK/kill.jsonl" || fail "no final metrics after the target died"
note "target killed mid-trace: clean exit"

# --duration: the tracer leaves; the target goes on unharmed and finishes
# its work with a correct ledger of its own.
"$DEMO" --seed 4 --threads 2 --duration 12 --rate 300 --ledger "$WORK/dur.ledger" 2>/dev/null &
dpid=$!; bg $dpid
sleep 0.3
"$TRACER" -P "$PROBES" --pid $dpid --duration 1 --no-summary >"$WORK/d.log" 2>&1 || fail "tracer --duration failed"
kill -0 $dpid 2>/dev/null || fail "target died when the tracer detached"
wait $dpid || fail "target exited non-zero after the tracer detached"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$WORK/dur.ledger" || fail "target's ledger broken"
note "detach with --duration: target unaffected"
