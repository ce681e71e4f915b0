#!/usr/bin/env bash
# A tracer killed with SIGKILL (no cleanup of its own) leaves nothing in
# the target or the kernel: the breakpoints it placed are gone from the
# target's text, its BPF links and programs are gone, and the target -- in
# the middle of a traced call when the tracer died -- runs on to its normal
# end with a complete ledger. Both for --pid and for a launched command.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/progs/harm_lib.sh"

# --pid: the target waits, the tracer attaches, the target enters a slow
# traced call, the tracer is killed inside it (4 s: the target still runs
# after the kernel has let go of the links, seconds on a loaded machine).
"$HARM" --ledger "$WORK/pid.ledger" wait:"$WORK/go" work:100 slow:4000 work:200 nest:50 2>"$WORK/h.err" &
hpid=$!; bg $hpid
wait_for "$WORK/h.err" "waiting for" 10 || fail "harm-target did not start"
read -r live disk < <(text_byte $hpid harm_work)
[ "$live" = "$disk" ] || fail "harm_work differs from the file before any tracer ($live vs $disk)"
"$TRACER" -P "$HARM_PROBES" --no-top --pid $hpid >"$WORK/t.log" 2>&1 &
tpid=$!; bg $tpid
wait_for "$WORK/t.log" "probes attached" 20 || { cat "$WORK/t.log"; fail "tracer did not attach"; }
read -r live _ < <(text_byte $hpid harm_work)
# Proves the check below can see a probe left behind.
[ "$live" = cc ] || fail "no breakpoint at harm_work while traced (byte $live)"
bpf_ids_of $tpid >"$WORK/ids"
grep -q '^link ' "$WORK/ids" || fail "the tracer holds no BPF link?"
note "traced: harm_work starts with 0x$live; tracer holds $(grep -c '^link' "$WORK/ids") links, $(grep -c '^prog' "$WORK/ids") programs"
touch "$WORK/go"
sleep 0.7 # inside harm_slow, its return address taken by the uretprobe
kill -9 $tpid
wait $tpid 2>/dev/null || true
wait_bpf_ids_gone "$WORK/ids" 10 || fail "BPF links or programs left behind by a killed tracer"
read -r live disk < <(text_byte $hpid harm_work)
[ "$live" = "$disk" ] || fail "breakpoint left in the target after the tracer was killed (0x$live, file 0x$disk)"
wait $hpid || fail "target exited with $? after the tracer was killed"
grep -q "^pid=$hpid fn=harm_slow entered=1 returned=1" "$WORK/pid.ledger" || fail "harm_slow did not return normally"
grep -q "^pid=$hpid fn=harm_work entered=350 returned=350" "$WORK/pid.ledger" || fail "target's work incomplete"
grep -q "^pid=$hpid exit=0" "$WORK/pid.ledger" || fail "no normal end in the ledger"
note "--pid: tracer killed mid-call; links and programs gone, harm_work 0x$live again, target ended normally"

# A launched command: the tracer is its parent; the target outlives it.
# slow:4000: the target must still run when the test looks at its code,
# after the kernel has let go of the killed tracer's links (seconds, loaded).
"$TRACER" -P "$HARM_PROBES" --no-top -- "$HARM" --ledger "$WORK/cmd.ledger" slow:4000 work:500 \
  >"$WORK/c.log" 2>&1 &
tpid=$!; bg $tpid
wait_for "$WORK/c.log" "probes attached" 20 || { cat "$WORK/c.log"; fail "tracer did not attach"; }
bpf_ids_of $tpid >"$WORK/ids2"
hpid=$(pgrep -P $tpid -f harm-target) || fail "no launched target"
sleep 0.5
kill -9 $tpid
wait $tpid 2>/dev/null || true
wait_bpf_ids_gone "$WORK/ids2" 10 || fail "BPF objects left behind (launched target)"
read -r live disk < <(text_byte $hpid harm_work)
[ "$live" = "$disk" ] || fail "breakpoint left in the launched target (0x$live)"
for _ in $(seq 200); do kill -0 $hpid 2>/dev/null || break; sleep 0.05; done
kill -0 $hpid 2>/dev/null && fail "launched target still running 10 s later"
grep -q "^pid=$hpid fn=harm_work entered=500 returned=500" "$WORK/cmd.ledger" || fail "launched target's work incomplete"
grep -q "^pid=$hpid exit=0" "$WORK/cmd.ledger" || fail "launched target did not end normally"
note "-- COMMAND: tracer killed mid-call; nothing left behind, target ended normally"
