#!/usr/bin/env bash
# Two tracers on one pid, each with its own BPF programs and links on the
# same functions: each one sees every call, exactly, and neither disturbs
# the other or the target. Then one of them leaves (--duration) while the
# other goes on: still exact for the one that stays.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/progs/harm_lib.sh"

"$HARM" --ledger "$WORK/l" wait:"$WORK/go" work:2000 nest:300 threads:4x500 thread-exit:3 \
  wait:"$WORK/go2" work:1000 threads:2x300 2>"$WORK/h.err" &
hpid=$!; bg $hpid
wait_for "$WORK/h.err" "waiting for" 10 || fail "harm-target did not start"
"$TRACER" -P "$HARM_PROBES" --no-top --pid $hpid >"$WORK/a.log" 2>&1 &
apid=$!; bg $apid
"$TRACER" -P "$HARM_PROBES" --no-top --pid $hpid >"$WORK/b.log" 2>&1 &
bpid=$!; bg $bpid
wait_for "$WORK/a.log" "probes attached" 20 || { cat "$WORK/a.log"; fail "tracer A did not attach"; }
wait_for "$WORK/b.log" "probes attached" 20 || { cat "$WORK/b.log"; fail "tracer B did not attach"; }
touch "$WORK/go"
# Tracer B leaves at the pause; the first phase is in its ring buffer by then.
wait_for "$WORK/h.err" "waiting for $WORK/go2" 20 || fail "harm-target did not reach the second phase"
kill -INT $bpid
wait $bpid || { cat "$WORK/b.log"; fail "tracer B exited with $?"; }
touch "$WORK/go2"
wait $hpid || fail "target exited with $?"
wait $apid || { cat "$WORK/a.log"; fail "tracer A exited with $?"; }

$HCHECK --ledger "$WORK/l" --log "$WORK/a.log" --pid $hpid >"$WORK/a.check" ||
  { cat "$WORK/a.check"; fail "tracer A's counts differ from the ledger"; }
note "tracer A (whole run): $(tail -n 1 "$WORK/a.check")"
# B saw the first phase only: 2000 + 300 + 2000 harm_work, 300 harm_outer.
for want in "harm_work *4300 " "harm_outer *300 " "harm_thread_outer *0 "; do
  grep -Eq "^consensus_building +$want" "$WORK/b.log" || { cat "$WORK/b.log"; fail "tracer B: expected $want"; }
done
note "tracer B (first phase, then left): harm_work 4300, harm_outer 300, exact"
